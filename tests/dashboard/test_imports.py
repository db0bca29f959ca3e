"""Planners' import pages and the import-run API: who may, upload, progress, publish."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from gisdata.imports import services
from gisdata.models import Dataset, ImportRun, Layer

pytestmark = pytest.mark.django_db
DEMO = Path(__file__).resolve().parents[2] / "demo"


def dataset_make(name="Fountains", **fields) -> Dataset:
    fields.setdefault("source_url", "https://example.org/fountains.geojson")
    return Dataset.objects.create(name=name, slug=name.lower().replace(" ", "-"), **fields)


def run_make(dataset=None, **fields) -> ImportRun:
    return ImportRun.objects.create(dataset=dataset or dataset_make(), **fields)


def layer_make(dataset, name="fountains", **fields) -> Layer:
    fields.setdefault("geometry_type", "Point")
    return Layer.objects.create(dataset=dataset, name=name, title=name, **fields)


@pytest.fixture
def run(db):
    return run_make()


# ------------------------------------------------------------------ who may do what
def pages(run):
    layer = layer_make(run.dataset)
    return [
        ("get", reverse("dashboard:imports")),
        ("get", reverse("dashboard:import-new")),
        ("post", reverse("dashboard:import-new")),
        ("get", reverse("dashboard:import-run", args=[run.pk])),
        ("post", reverse("dashboard:import-retry", args=[run.pk])),
        ("post", reverse("dashboard:layer-publish", args=[layer.pk])),
    ]


def test_anonymous_visitors_are_sent_to_log_in(client, run):
    for method, url in pages(run):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def test_citizens_are_refused(client, citizen, run):
    client.force_login(citizen)
    for method, url in pages(run):
        assert getattr(client, method)(url).status_code == 403, url
    assert Layer.objects.filter(is_published=True).count() == 0
    assert ImportRun.objects.count() == 1


def test_planners_see_the_pages(client, planner, run):
    client.force_login(planner)
    for url in [reverse("dashboard:imports"), reverse("dashboard:import-new"),
                reverse("dashboard:import-run", args=[run.pk])]:
        assert client.get(url).status_code == 200, url
    assert b"Imports" in client.get(reverse("dashboard:index")).content


@pytest.mark.parametrize("persona, expected", [(None, 403), ("citizen", 403),
                                               ("planner", 200)])
@pytest.mark.quality("another-users-row")
def test_the_api_is_for_planners(client, run, persona, expected, request):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    for url in ["/api/v1/imports/", f"/api/v1/imports/{run.pk}/"]:
        assert client.get(url).status_code == expected, url


@pytest.mark.quality("csrf-and-cors")
def test_the_pages_need_csrf(planner, run):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(planner)
    layer = layer_make(run.dataset)
    response = client.post(reverse("dashboard:layer-publish", args=[layer.pk]),
                           {"published": "on"})
    assert response.status_code == 403
    assert not Layer.objects.get(pk=layer.pk).is_published


# ------------------------------------------------------------------ upload and watch
def test_a_planner_uploads_a_real_file_and_sees_the_result(client, planner):
    client.force_login(planner)
    with open(DEMO / "cambridge" / "neighborhoods.geojson", "rb") as handle:
        response = client.post(reverse("dashboard:import-new"), {
            "name": "Cambridge neighbourhoods", "source_file": handle, "epsg": "",
            "licence": "PDDL", "attribution": "City of Cambridge"})
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:import-run", args=[run.pk])
    assert run.status == "queued" and run.created_by == planner
    assert (run.dataset.licence, run.dataset.created_by) == ("PDDL", planner)

    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page and "Queued" in page
    assert f'data-status-url="/api/v1/imports/{run.pk}/"' in page
    assert "js/plaza-progress.js" in page

    assert services.import_run_execute(run_id=run.pk) == "succeeded"
    page = client.get(response["Location"]).content.decode()
    assert "Succeeded" in page and "plaza-progress.js" not in page
    layer = Layer.objects.get(name="neighborhoods")
    assert (f'<td data-label="Layer"><a href="/dashboard/layers/{layer.pk}/">neighborhoods'
            '</a></td>') in page
    assert "<td data-label=\"Features\">13</td>" in page
    counts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", page))
    assert {name: counts.get(name) for name in ("Read", "Imported", "Repaired", "Skipped")} \
        == {"Read": "13", "Imported": "13", "Repaired": "0", "Skipped": "0"}
    listing = client.get(reverse("dashboard:imports")).content.decode()
    assert "Cambridge neighbourhoods" in listing
    assert (f'<a href="/dashboard/layers/{layer.pk}/">neighborhoods</a> (13)') in listing


def test_csv_options_epsg_and_layers_reach_the_dataset(client, planner):
    client.force_login(planner)
    with open(DEMO / "cambridge" / "neighborhoods.geojson", "rb") as handle:
        client.post(reverse("dashboard:import-new"), {
            "name": "Points", "source_file": handle, "epsg": "epsg:25831",
            "encoding": "latin-1", "x_field": "lon", "y_field": " lat ",
            "skip_bad_rows": "on", "layers": "a, b,,"})
    run = ImportRun.objects.get()
    assert run.layers == ["a", "b"]
    dataset = run.dataset
    # Saved in the spelling GDAL's iconv knows (gisdata/imports/encodings.py), not as typed.
    assert (dataset.source_srid, dataset.encoding) == (25831, "ISO-8859-1")
    assert dataset.options == {"x_field": "lon", "y_field": "lat", "skip_bad_rows": True}


def test_a_bad_form_shows_its_errors_and_stores_nothing(client, planner):
    client.force_login(planner)
    response = client.post(reverse("dashboard:import-new"),
                           {"name": "Nothing", "epsg": "abc", "encoding": "no-such"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Give a file or a URL, one of them." in page
    assert "Give an EPSG code" in page and 'id="id_epsg_error"' in page
    assert "Unknown encoding." in page
    assert not Dataset.objects.exists() and not ImportRun.objects.exists()


def test_a_file_and_a_url_together_are_refused(client, planner):
    client.force_login(planner)
    with open(DEMO / "cambridge" / "neighborhoods.geojson", "rb") as handle:
        response = client.post(reverse("dashboard:import-new"), {
            "name": "Both", "source_file": handle, "source_url": "https://example.org/a"})
    assert response.status_code == 400
    assert not Dataset.objects.exists()


def test_a_services_refusal_is_shown_next_to_its_field(client, planner):
    client.force_login(planner)
    response = client.post(reverse("dashboard:import-new"),
                           {"name": "Over FTP", "source_url": "ftp://example.org/a.zip"})
    assert response.status_code == 400
    assert 'id="id_source_url_error"' in response.content.decode()
    assert "Only http and https URLs" in response.content.decode()
    assert not Dataset.objects.exists() and not ImportRun.objects.exists()


def test_a_url_import_starts(client, planner):
    client.force_login(planner)
    response = client.post(reverse("dashboard:import-new"),
                           {"name": "Remote", "source_url": "https://example.org/a.geojson"})
    assert response.status_code == 302
    assert ImportRun.objects.get().dataset.source_url == "https://example.org/a.geojson"


@pytest.mark.quality("large-uploads")
def test_a_file_over_the_limit_is_refused(client, planner, settings):
    settings.GISDATA_UPLOAD_MAX_BYTES = 100
    client.force_login(planner)
    with open(DEMO / "cambridge" / "neighborhoods.geojson", "rb") as handle:
        response = client.post(reverse("dashboard:import-new"),
                               {"name": "Big", "source_file": handle})
    assert response.status_code == 400
    assert "larger than" in response.content.decode()
    assert not Dataset.objects.exists()


# ---------------------------------------------------------------------------- API
def test_the_api_shows_the_progress(client, planner):
    run = run_make(status="running", progress_done=250, progress_total=1000, read_count=1000,
                   errors=[{"feature": n, "message": "empty"} for n in range(1, 151)])
    client.force_login(planner)
    body = client.get(f"/api/v1/imports/{run.pk}/").json()
    assert {k: body[k] for k in ("id", "dataset", "status", "progress_done", "progress_total",
                                 "percent", "read_count", "imported_count")} == {
        "id": run.pk, "dataset": run.dataset_id, "status": "running", "progress_done": 250,
        "progress_total": 1000, "percent": 25, "read_count": 1000, "imported_count": 0}
    assert len(body["errors"]) == 100 and body["errors"][0] == {"feature": 1,
                                                                "message": "empty"}
    for key in ("repaired_count", "skipped_count", "message", "created_at", "started_at",
                "finished_at"):
        assert key in body

    listing = client.get("/api/v1/imports/?limit=1").json()
    assert listing["count"] == 1 and listing["results"][0]["id"] == run.pk
    assert client.get("/api/v1/imports/999999/").status_code == 404


# --------------------------------------------------------------------- publish, retry
def test_the_publish_toggle(client, planner, run):
    layer = layer_make(run.dataset)
    client.force_login(planner)
    url = reverse("dashboard:layer-publish", args=[layer.pk])
    back = reverse("dashboard:import-run", args=[run.pk])
    response = client.post(url, {"published": "on", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert Layer.objects.get(pk=layer.pk).is_published
    assert "Unpublish fountains" in client.get(back).content.decode()
    response = client.post(url, {"next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard:imports")
    assert not Layer.objects.get(pk=layer.pk).is_published
    assert client.get(url)["Location"] == reverse("dashboard:layer", args=[layer.pk])


@pytest.mark.quality("wrong-crs")
def test_a_failed_run_is_started_again_with_an_epsg_code(client, planner):
    failed = run_make(status="failed", layers=["a"],
                      message="The layer a does not say which coordinate reference system")
    client.force_login(planner)
    page = client.get(reverse("dashboard:import-run", args=[failed.pk])).content.decode()
    assert "Import again" in page
    url = reverse("dashboard:import-retry", args=[failed.pk])

    response = client.post(url, {"epsg": "abc"})
    assert response.status_code == 400 and "Give an EPSG code" in response.content.decode()
    assert ImportRun.objects.count() == 1

    response = client.post(url, {"epsg": "EPSG:25831"})
    again = ImportRun.objects.exclude(pk=failed.pk).get()
    assert response["Location"] == reverse("dashboard:import-run", args=[again.pk])
    assert (again.status, again.layers, again.dataset_id) == ("queued", ["a"],
                                                               failed.dataset_id)
    assert Dataset.objects.get(pk=failed.dataset_id).source_srid == 25831


def test_only_a_failed_run_is_started_again(client, planner, run):
    client.force_login(planner)
    client.post(reverse("dashboard:import-retry", args=[run.pk]), {"epsg": "4326"})
    assert ImportRun.objects.count() == 1


# ------------------------------------------------------------------------------ XSS
@pytest.mark.quality("stored-xss")
def test_error_messages_and_layer_names_are_escaped(client, planner):
    run = run_make(status="succeeded", message="",
                   errors=[{"feature": 3, "message": "<script>alert('row')</script>",
                            "layer": "<b>l</b>"}])
    layer_make(run.dataset, name="<script>alert('layer')</script>")
    run.dataset.name = "<img src=x onerror=alert(1)>"
    run.dataset.save()
    client.force_login(planner)
    for url in [reverse("dashboard:import-run", args=[run.pk]), reverse("dashboard:imports")]:
        page = client.get(url).content.decode()
        assert "<script>alert" not in page and "<img src=x" not in page, url
        assert "&lt;script&gt;alert(&#x27;layer&#x27;)" in page, url
    page = client.get(reverse("dashboard:import-run", args=[run.pk])).content.decode()
    assert "&lt;script&gt;alert(&#x27;row&#x27;)&lt;/script&gt;" in page
    assert "<td>3</td>" in page


# ------------------------------------------------------------- how the run went
def test_the_run_page_and_api_show_how_the_file_was_read_escaped(client, planner):
    note = "Layer <b>p</b>: lon/lat on GRS80 with an unknown datum, read as WGS 84."
    run = run_make(status="succeeded", notes=[{"layer": "<b>p</b>", "message": note}])
    client.force_login(planner)
    page = client.get(reverse("dashboard:import-run", args=[run.pk])).content.decode()
    assert "How the file was read" in page
    assert "Layer &lt;b&gt;p&lt;/b&gt;: lon/lat on GRS80" in page and "<b>p</b>" not in page
    body = client.get(f"/api/v1/imports/{run.pk}/").json()
    assert body["notes"] == [{"layer": "<b>p</b>", "message": note}]


def test_a_run_without_notes_shows_no_notes_section(client, planner, run):
    client.force_login(planner)
    page = client.get(reverse("dashboard:import-run", args=[run.pk])).content.decode()
    assert "How the file was read" not in page
    assert client.get(f"/api/v1/imports/{run.pk}/").json()["notes"] == []


def test_a_running_run_shows_its_attempt_and_the_worker_s_last_sign_of_life(client, planner):
    from datetime import timedelta

    from django.utils import timezone

    running = run_make(status="running", attempt=2,
                       heartbeat_at=timezone.now() - timedelta(minutes=3))
    client.force_login(planner)
    page = client.get(reverse("dashboard:import-run", args=[running.pk])).content.decode()
    assert "Attempt 2; last sign of life from the worker 3\xa0minutes ago." in page
    body = client.get(f"/api/v1/imports/{running.pk}/").json()
    assert body["attempt"] == 2 and body["heartbeat_at"]
    finished = run_make(running.dataset, status="succeeded", attempt=1,
                        heartbeat_at=timezone.now())
    page = client.get(reverse("dashboard:import-run", args=[finished.pk])).content.decode()
    assert "last sign of life" not in page
