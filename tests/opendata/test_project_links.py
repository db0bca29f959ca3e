"""A project's page links to its open data: its public proposals as GeoJSON and CSV and
its OGC API – Features collection; each link answers with that project's proposals."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from tests.factories import project_make, proposal_make

pytestmark = pytest.mark.django_db


def _open_data_links(html: str) -> dict[str, str]:
    section = re.search(r"<section[^>]*data-open-data.*?</section>", html, re.S)
    if section is None:
        return {}
    return {text.strip(): href for href, text in
            re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', section.group(0))}


def test_the_project_page_links_to_its_proposals_as_open_data(client, citizen):
    project = project_make("open-streets", title="Open streets")
    other = project_make("elsewhere", title="Elsewhere")
    mine = {proposal_make(project, citizen, title=t).title for t in ("Trees", "Benches")}
    proposal_make(project, citizen, title="Hidden one", is_hidden=True,
                  hidden_reason="Spam.")
    proposal_make(other, citizen, title="Not this project's")

    links = _open_data_links(client.get(f"/projects/{project.slug}/").content.decode())
    assert set(links) == {"GeoJSON", "CSV", "OGC API – Features collection"}

    geojson = client.get(links["GeoJSON"])
    assert geojson.status_code == 200
    assert geojson["Content-Type"].startswith("application/geo+json")
    features = b"".join(geojson.streaming_content)
    titles = {f["properties"]["title"] for f in json.loads(features)["features"]}
    assert titles == mine

    table = client.get(links["CSV"])
    assert table.status_code == 200 and table["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(table.streaming_content).decode())))
    assert {row["title"] for row in rows} == mine

    collection = client.get(links["OGC API – Features collection"],
                            HTTP_ACCEPT="application/json")
    assert collection.status_code == 200
    assert collection.json()["id"] == f"proposals-{project.slug}"
    items = client.get(f"{links['OGC API – Features collection']}/items?f=json")
    assert {f["properties"]["title"] for f in items.json()["features"]} == mine


def test_an_unlisted_projects_page_offers_no_open_data_links(client, citizen):
    """Its exports and collection are public projects' only: the links would be 404s."""
    project = project_make("by-link", visibility="unlisted")
    html = client.get(project.link_path, follow=True).content.decode()
    assert project.title in html
    assert _open_data_links(html) == {}
    assert client.get(f"/api/v1/projects/{project.pk}/proposals.geojson").status_code == 404
