"""What crosses between hosts: Plaza run as two web hosts and two worker hosts.

Each host is real processes with a disk of its own (tests/integration/hosts.py); they
share the database, a Redis and, where files are involved, the S3 object storage, as
machines of one deployment would. Each test is a journey that starts on one host and
ends on another.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import requests

from gisdata.models import Feature, ImportRun, Layer
from reports.models import DecisionReport
from tests.factories import PASSWORD, project_make, proposal_make, user_make
from tests.integration.holds import held, session_ended
from tests.integration.hosts import Host, hosts
from tests.integration.processes import ROOT, wait_until
from tests.integration.test_import_worker import points_gpkg, run_ended
from tests.storage.conftest import s3_client

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RUN_PAGE = re.compile(r"/dashboard/imports/runs/(\d+)/$")
IMPORT_RECEIVED = re.compile(r"Task plaza\.gisdata\.import_run_execute\[[^\]]+\] received")
BUCKET = "plaza-hosts"  # the deployment's own, beside the storage tests' bucket


@pytest.fixture(scope="module")
def deployment(django_db_setup, django_db_blocker, tmp_path_factory, s3_server):
    """Web hosts A and B, worker hosts 1 and 2, sharing the test database, a Redis and
    a bucket on the S3 server; each with a disk of its own."""
    client = s3_client(s3_server)
    client.create_bucket(Bucket=BUCKET)
    state = s3_server.state
    shared = {"TEST_S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": s3_server.endpoint(),
              "S3_ACCESS_KEY_ID": state["access_key"],
              "S3_SECRET_ACCESS_KEY": state["secret_key"]}
    with django_db_blocker.unblock(), hosts(tmp_path_factory.mktemp("hosts"), shared,
                                            webs=2, workers=2) as (webs, workers):
        yield webs, workers, client


def keys(client, prefix: str = "") -> list[str]:
    found = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", ())
    return sorted(item["Key"] for item in found)


def log_in(session: requests.Session, web, user) -> None:
    page = session.get(f"{web.url}/accounts/login/", timeout=30)
    assert page.status_code == 200
    answer = session.post(f"{web.url}/accounts/login/", timeout=30, allow_redirects=False,
                          data={"login": user.username, "password": PASSWORD,
                                "csrfmiddlewaretoken": CSRF_FIELD.search(page.text)[1]},
                          headers={"Referer": f"{web.url}/accounts/login/"})
    assert answer.status_code == 302, answer.text[:2000]


@pytest.mark.quality("across-hosts")
def test_a_session_and_csrf_token_from_web_a_work_on_web_b(deployment):
    (web_a, web_b), _, _ = deployment
    citizen = user_make("walker")
    browser = requests.Session()
    log_in(browser, web_a, citizen)

    # Logged in on B with A's session cookie: B reads the session A wrote.
    mine = browser.get(f"{web_b.url}/api/v1/me/votes/", timeout=30)
    assert mine.status_code == 200, mine.text[:500]
    # A write on B carrying the CSRF token A gave (the map pages send it as a header):
    # logging out, which B refuses without a valid token.
    refused = requests.post(f"{web_b.url}/accounts/logout/", timeout=30,
                            cookies=browser.cookies, allow_redirects=False)
    assert refused.status_code == 403
    token = browser.cookies["csrftoken"]
    out = browser.post(f"{web_b.url}/accounts/logout/", timeout=30, allow_redirects=False,
                       headers={"X-CSRFToken": token, "Referer": f"{web_b.url}/"})
    assert out.status_code == 302, out.text[:500]
    # …and the session is gone on A too.
    assert browser.get(f"{web_a.url}/api/v1/me/votes/", timeout=30).status_code in (401, 403)


def planner_on(web: Host) -> tuple[requests.Session, object]:
    planner = user_make(f"planner-{web.name}", planner=True)
    browser = requests.Session()
    log_in(browser, web, planner)
    return browser, planner


def upload(browser: requests.Session, web: Host, path, name: str) -> ImportRun:
    form = browser.get(f"{web.url}/dashboard/imports/new/", timeout=30)
    assert form.status_code == 200
    with path.open("rb") as handle:
        answer = browser.post(
            f"{web.url}/dashboard/imports/new/", timeout=60, allow_redirects=False,
            data={"csrfmiddlewaretoken": CSRF_FIELD.search(form.text)[1], "name": name,
                  "licence": "CC0 1.0", "attribution": "Plaza tests"},
            files={"source_file": (path.name, handle, "application/geopackage+sqlite3")},
            headers={"Referer": f"{web.url}/dashboard/imports/new/"})
    assert answer.status_code == 302, answer.text[:2000]
    return ImportRun.objects.get(pk=int(RUN_PAGE.search(answer.headers["Location"])[1]))


def ended(run: ImportRun, timeout: float = 180) -> ImportRun:
    wait_until(lambda: run_ended(run), timeout=timeout, what=f"import {run.pk} to end")
    run.refresh_from_db()
    return run


@pytest.mark.quality("across-hosts")
def test_a_dataset_uploaded_through_web_a_is_imported_by_a_worker_and_published_on_b(
        deployment, tmp_path):
    (web_a, web_b), workers, client = deployment
    browser, _planner = planner_on(web_a)
    run = ended(upload(browser, web_a, points_gpkg(tmp_path / "trees.gpkg", 300),
                       "Street trees"))

    assert run.status == "succeeded", run.message
    assert Feature.objects.filter(layer__dataset=run.dataset).count() == 300
    # The upload went to the bucket; no host kept a copy on its own disk (the worker's
    # scratch copy is gone once the run ended).
    assert keys(client, "media/" + run.dataset.source_file.name) == [
        "media/" + run.dataset.source_file.name]
    assert [h.stored_files() for h in (web_a, web_b, *workers)] == [[]] * 4

    # Published through web B by the same planner's session, and read on web A.
    layer = Layer.objects.get(dataset=run.dataset)
    page = browser.get(f"{web_b.url}/dashboard/imports/runs/{run.pk}/", timeout=30)
    published = browser.post(
        f"{web_b.url}/dashboard/imports/layers/{layer.pk}/publish/", timeout=30,
        allow_redirects=False, data={"published": "on",
                                     "csrfmiddlewaretoken": CSRF_FIELD.search(page.text)[1]},
        headers={"Referer": f"{web_b.url}/dashboard/imports/runs/{run.pk}/"})
    assert published.status_code == 302, published.text[:2000]
    items = requests.get(f"{web_a.url}/api/v1/layers/{layer.pk}/features.geojson",
                         timeout=30)
    assert items.status_code == 200 and len(items.json()["features"]) == 300


@pytest.mark.quality("across-hosts")
def test_a_report_compiled_by_a_worker_is_downloaded_through_web_b(deployment):
    (web_a, web_b), _workers, client = deployment
    browser, planner = planner_on(web_a)
    project = project_make("hosts-report", phase="decision")
    for i in range(3):
        proposal_make(project, planner, title=f"Shade for square {i}", status="published")
    page = browser.get(f"{web_a.url}/dashboard/reports/projects/{project.slug}/", timeout=30)
    asked = browser.post(
        f"{web_a.url}/dashboard/reports/projects/{project.slug}/compile/", timeout=30,
        allow_redirects=False, data={"csrfmiddlewaretoken": CSRF_FIELD.search(page.text)[1]},
        headers={"Referer": f"{web_a.url}/dashboard/reports/projects/{project.slug}/"})
    assert asked.status_code == 302, asked.text[:2000]
    report = DecisionReport.objects.get(project=project)
    wait_until(lambda: DecisionReport.objects.get(pk=report.pk).finished, timeout=180,
               what="a worker to compile the report")
    report.refresh_from_db()
    assert report.status == "succeeded", report.message

    pdf = browser.get(f"{web_b.url}/reports/{report.pk}/files/pdf/", timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    stored = [key for key in keys(client, "private/") if key.endswith(".pdf")
              and f"/{report.pk}/" in f"/{key}"]
    assert len(stored) == 1
    assert client.get_object(Bucket=BUCKET, Key=stored[0])["Body"].read() == pdf.content
    # Unpublished: a visitor is sent to log in.
    visitor = requests.get(f"{web_b.url}/reports/{report.pk}/files/pdf/", timeout=30,
                           allow_redirects=False)
    assert visitor.status_code == 302 and "/accounts/login/" in visitor.headers["Location"]


# The swap's last write: the import holds here until the test lets it go.
SWAP = ("gisdata_dataset", "NEW.version <> OLD.version")


def imports_received(host: Host) -> int:
    """How many import tasks the host's worker has received (its log says each)."""
    return len(IMPORT_RECEIVED.findall(host.log("worker").read_text()))


def requeue_stale_imports(host: Host) -> str:
    """Beat's job, run on `host` as beat would run it there."""
    code = ("from gisdata.tasks import imports_requeue_stale_task as t; "
            "print(t())")
    done = subprocess.run([sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT,
                          env=host.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]  # after what the shell says of itself


@pytest.mark.quality("across-hosts")
def test_a_worker_host_lost_mid_import_leaves_it_to_the_other(deployment, tmp_path,
                                                               trigger):
    (web_a, _web_b), workers, _client = deployment
    browser, _planner = planner_on(web_a)
    before = {h.name: imports_received(h) for h in workers}
    with held(trigger, *SWAP) as hold:
        run = upload(browser, web_a, points_gpkg(tmp_path / "benches.gpkg", 500), "Benches")
        backend = hold.reached("a worker swapping the layers in",
                               ended=lambda: run_ended(run))
        taken = [h for h in workers if imports_received(h) > before[h.name]]
        assert len(taken) == 1, "one worker took the import"
        lost, other = taken[0], next(h for h in workers if h is not taken[0])
        lost.kill()  # the whole machine, at once
        wait_until(lambda: session_ended(backend), timeout=30,
                   what="the lost worker's database session to end")
        assert requeue_stale_imports(other) == "1"
    run = ended(run)
    assert run.status == "succeeded", run.message
    assert run.attempt == 2
    assert Feature.objects.filter(layer__dataset=run.dataset).count() == 500
    assert imports_received(other) == before[other.name] + 1
