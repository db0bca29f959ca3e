"""GET /api/v1/ answers where to start: every collection of the API, the schema and its
documentation, as absolute URLs that answer."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_api_root_lists_each_collection_with_a_url_that_answers(client, planner):
    response = client.get("/api/v1/")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    links = response.json()
    assert {"project-list", "proposal-list", "layer-list", "dataset-list", "role-list",
            "my-votes", "import-list", "schema", "docs"} <= set(links)
    assert "auth-token" not in links  # POST only: nothing to read there
    assert links["project-list"] == "http://testserver/api/v1/projects/"
    client.force_login(planner)  # my-votes and imports are a signed-in planner's
    for name, url in links.items():
        assert url.startswith("http://testserver/"), name
        assert client.get(url).status_code == 200, name


def test_the_api_root_is_in_the_schema(client):
    import yaml

    schema = yaml.safe_load(client.get("/api/schema/").content)
    assert "get" in schema["paths"]["/api/v1/"]
