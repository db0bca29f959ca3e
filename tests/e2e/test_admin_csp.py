"""The Django admin and the API's documentation work in Chromium under the site's
Content-Security-Policy, with no 'unsafe-inline' for scripts: every page the browser
opens here fails the test on a blocked script, an uncaught error or a failed request
(tests/e2e/conftest.py)."""

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, project_make, user_make

pytestmark = pytest.mark.browser


def _no_inline_scripts_allowed(response):
    script_src = next(part for part in response.headers["content-security-policy"].split(";")
                      if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src


@pytest.mark.quality("inline-script")
def test_the_admin_logs_in_and_its_scripted_widgets_work(new_page, transactional_db):
    admin = user_make("admin", planner=True)
    admin.is_superuser = True
    admin.save()
    project = project_make("sants", title="Sants")
    page = new_page()
    response = page.goto("/admin/login/")
    _no_inline_scripts_allowed(response)
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    # The change page: the area's Leaflet widget draws its map (its set-up script is an
    # inline one, with this request's nonce), the phases' date pickers and the
    # categories' "Add another" are the admin's own scripts.
    response = page.goto(f"/admin/proposals/project/{project.pk}/change/")
    _no_inline_scripts_allowed(response)
    expect(page.locator(".leaflet-container").first).to_be_visible()
    expect(page.locator(".leaflet-draw-toolbar").first).to_be_visible()
    expect(page.locator(".datetimeshortcuts").first).to_be_visible()
    rows = page.locator("#categories-group tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator("#categories-group .add-row a").click()  # made by inlines.js
    expect(rows).to_have_count(before + 1)

    # The add page: the slug follows the title as it is typed (prepopulate.js).
    page.goto("/admin/proposals/project/add/")
    # One title per language; the slug follows the English one, the default language.
    page.locator("#id_title_en").press_sequentially("Plaça del Sol")  # keyup, as typed
    expect(page.get_by_label("Slug")).to_have_value("placa-del-sol")


@pytest.mark.parametrize("path, operation", [("/api/docs/", "/api/v1/projects/"),
                                             ("/ogc/api.html", "/collections")])
@pytest.mark.quality("inline-script")
def test_the_api_documentation_renders_its_operations(new_page, transactional_db, path,
                                                      operation):
    page = new_page()
    response = page.goto(path)
    _no_inline_scripts_allowed(response)
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text=operation).first).to_be_visible()
    # Unfold an operation: Swagger UI's own scripts at work.
    page.locator(".opblock-summary-path", has_text=operation).first.click()
    expect(page.get_by_role("button", name="Try it out").first).to_be_visible()
