"""Security headers on real responses: CSP with a per-request nonce, and the others."""

import re

import pytest

from gisdata.models import Dataset, Layer
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.quality("stored-xss")
def test_a_page_with_a_map_runs_only_its_own_scripts(client):
    project = project_make("sants")
    proposal_make(project, user_make("ana"))
    response = client.get(f"/projects/{project.slug}/")
    assert response.status_code == 200
    csp = directives(response)
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]+)'", csp["script-src"]).group(1)
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", html)
    assert inline, "the map's set-up script"
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline)
    assert csp["object-src"] == "'none'" and csp["frame-ancestors"] == "'none'"
    assert csp["default-src"] == "'self'" and "unsafe-inline" not in csp["script-src"]
    # Another request, another nonce.
    assert directives(client.get(f"/projects/{project.slug}/"))["script-src"] != csp["script-src"]


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/api/v1/projects/", "/healthz"])
def test_every_response_has_the_headers(client, path):
    response = client.get(path)
    assert "Content-Security-Policy" in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Permissions-Policy"].startswith("geolocation=(self)")


def _inline_scripts_carry_the_nonce(response) -> None:
    csp = directives(response)
    assert "'unsafe-inline'" not in csp["script-src"]
    nonce = re.fullmatch(r"'self' 'nonce-([\w-]+)'", csp["script-src"]).group(1)
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)([^>]*)>", html)
    assert all(f'nonce="{nonce}"' in attrs for attrs in inline), inline
    assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no inline event handlers either


@pytest.mark.parametrize("path", ["/admin/login/", "/api/docs/", "/ogc/api.html"])
@pytest.mark.quality("inline-script")
def test_the_admin_and_the_api_docs_run_no_inline_script_without_the_nonce(client, path):
    response = client.get(path)
    assert response.status_code == 200
    _inline_scripts_carry_the_nonce(response)


def test_the_api_docs_set_up_script_is_a_file_of_its_own(client):
    html = client.get("/api/docs/").content.decode()
    src = re.search(r'<script src="(/api/docs/\?[^"]*script=[^"]*)"', html).group(1)
    script = client.get(src.replace("&amp;", "&"))
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_the_admin_s_pages_and_map_widgets_carry_the_nonce(client, planner):
    planner.is_superuser = True
    planner.save()
    client.force_login(planner)
    project = project_make("sants")
    proposal = proposal_make(project, user_make("ana"))
    # Layers are made by imports: the admin changes them, never adds one.
    dataset = Dataset.objects.create(name="Districts", source_url="https://example.org/d.json")
    layer = Layer.objects.create(dataset=dataset, name="districts", title="Districts",
                                 geometry_type="MultiPolygon")
    for path in ("/admin/", "/admin/proposals/project/", "/admin/proposals/project/add/",
                 f"/admin/proposals/project/{project.pk}/change/",
                 f"/admin/proposals/proposal/{proposal.pk}/change/",
                 f"/admin/gisdata/layer/{layer.pk}/change/", "/admin/accounts/user/"):
        response = client.get(path)
        assert response.status_code == 200, path
        _inline_scripts_carry_the_nonce(response)
    change = client.get(f"/admin/proposals/project/{project.pk}/change/").content.decode()
    assert "leaflet" in change.lower()  # the map widget is there, with its set-up script


def test_the_base_map_tile_server_is_the_only_other_image_origin(settings, client):
    settings.MAP_TILES_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    csp = directives(client.get("/"))
    assert csp["img-src"] == "'self' data: blob: https://*.tiles.example.org"

