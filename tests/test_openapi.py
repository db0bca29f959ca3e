"""The OpenAPI schema is generated without a warning and validates against OpenAPI 3."""

import re

import yaml
from django.core.management import call_command
from django.urls import get_resolver


def test_the_schema_validates_and_has_no_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")


def test_every_api_route_is_in_the_schema(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    documented = set(yaml.safe_load(target.read_text())["paths"])
    api = get_resolver().url_patterns
    routes = []
    for pattern in api:
        if str(pattern.pattern) == "api/v1/":
            # drf-spectacular names a `pk` parameter `id`, and any other by its name.
            routes = ["/api/v1/" + re.sub(r"<\w+:(\w+)>", lambda m: "{%s}" % (
                "id" if m.group(1) == "pk" else m.group(1)), str(p.pattern))
                for p in pattern.url_patterns]
    assert routes and set(routes) <= documented, set(routes) - documented


def test_the_map_clusters_are_described(tmp_path):
    """The clusters' answer is its own shape (cells or proposals, the exact total), and
    `zoom` is a required parameter with its bounds."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    get = yaml.safe_load(target.read_text())["paths"][
        "/api/v1/projects/{id}/proposals/clusters/"]["get"]
    zoom = next(p for p in get["parameters"] if p["name"] == "zoom")
    assert zoom["required"] is True
    assert (zoom["schema"]["minimum"], zoom["schema"]["maximum"]) == (0, 22)
    answer = get["responses"]["200"]["content"]["application/geo+json"]["schema"]
    assert {"clustered", "numberMatched"} <= set(answer["required"])
    cell = answer["properties"]["features"]["items"]["oneOf"][0]
    assert cell["properties"]["properties"]["required"] == ["cluster", "count", "bounds"]


def test_the_ranking_is_described_as_pages(tmp_path):
    """The ranking takes `limit` and `offset` and answers a page: `count`, `next`,
    `previous`, the project's `rank_changed_count`, and rows that each say
    `rank_changed`."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    get = schema["paths"]["/api/v1/projects/{id}/ranking/"]["get"]
    parameters = {p["name"]: p["schema"] for p in get["parameters"] if p["in"] == "query"}
    assert parameters["limit"]["minimum"] == 1 and parameters["offset"]["minimum"] == 0
    answer = schema["components"]["schemas"]["Ranking"]
    assert {"count", "next", "previous", "project", "rank_changed_count",
            "proposals"} <= set(answer["required"])
    assert "rank_changed" not in answer["properties"]
    row = schema["components"]["schemas"]["RankedProposal"]
    assert {"id", "rank_weighted", "rank_equal", "rank_changed", "share"} <= set(
        row["required"])


def test_the_open_data_lists_document_the_municipality_parameter(tmp_path):
    """`?municipality=<slug>` narrows every open-data list; the schema says so."""
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    paths = yaml.safe_load(target.read_text())["paths"]
    for path in ("/api/v1/projects/", "/api/v1/proposals/", "/api/v1/datasets/",
                 "/api/v1/layers/"):
        found = [p for p in paths[path]["get"]["parameters"] if p["name"] == "municipality"]
        assert found, f"{path} does not document ?municipality="
        assert found[0]["in"] == "query" and found[0]["schema"]["type"] == "string"
        assert "slug" in found[0]["description"]
