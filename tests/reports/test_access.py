"""Who may compile, see, download and publish reports: anonymous visitors, citizens and
planners, published reports and private ones, through the pages, the files and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from accounts.services import role_claim_submit
from reports import services
from reports.models import DecisionReport
from tests.factories import project_make, role_make

pytestmark = pytest.mark.django_db


def login(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def report(council):
    made = services.report_request(project=council["project"], enqueue=False)
    assert services.report_compile(report_id=made.pk) == "succeeded"
    made.refresh_from_db()
    return made


def file_url(report, kind="pdf") -> str:
    return f"/reports/{report.pk}/files/{kind}/"


def publish(report, planner):
    return services.report_publish(report=report, user=planner)


@pytest.mark.parametrize("kind", ["pdf", "csv", "geojson"])
def test_a_planner_downloads_every_file_of_a_private_report(report, planner, kind):
    response = login(planner).get(file_url(report, kind))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert f"council-report-{report.pk}.{kind}" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body == report.file(kind).open("rb").read()


@pytest.mark.quality("private-reports")
def test_a_citizen_gets_404_for_a_private_report(report, citizen):
    for kind in ("pdf", "csv", "geojson"):
        assert login(citizen).get(file_url(report, kind)).status_code == 404


@pytest.mark.quality("private-reports")
def test_an_anonymous_visitor_is_sent_to_log_in_for_a_private_report(report):
    response = login().get(file_url(report))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_everyone_downloads_a_published_report(report, planner, citizen):
    publish(report, planner)
    for client in (login(), login(citizen)):
        response = client.get(file_url(report))
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.quality("private-reports")
def test_a_published_report_of_a_draft_project_stays_with_the_planners(report, planner,
                                                                       citizen):
    publish(report, planner)
    type(report.project).objects.filter(pk=report.project_id).update(visibility="draft")
    assert login(citizen).get(file_url(report)).status_code == 404
    assert login(planner).get(file_url(report)).status_code == 200


def test_files_of_an_unfinished_report_and_unknown_files_are_not_found(council, planner,
                                                                       report):
    queued = services.report_request(project=council["project"], enqueue=False)
    assert login(planner).get(file_url(queued)).status_code == 404
    assert login(planner).get(file_url(report, "exe")).status_code == 404


def test_the_project_page_links_the_published_report_only(report, planner):
    page = login().get(f"/projects/{report.project.slug}/")
    assert file_url(report).encode() not in page.content
    publish(report, planner)
    page = login().get(f"/projects/{report.project.slug}/")
    assert file_url(report).encode() in page.content
    assert b"Decision report" in page.content


def test_publishing_a_report_withdraws_the_one_before(report, council, planner):
    publish(report, planner)
    newer = services.report_request(project=council["project"], enqueue=False)
    services.report_compile(report_id=newer.pk)
    newer.refresh_from_db()
    publish(newer, planner)
    report.refresh_from_db()
    assert (report.is_published, newer.is_published) == (False, True)


def test_the_database_refuses_two_published_reports_and_a_published_unfinished_one(
        report, council, planner):
    publish(report, planner)
    newer = services.report_request(project=council["project"], enqueue=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        DecisionReport.objects.filter(pk=newer.pk).update(is_published=True)


def test_citizens_can_neither_compile_nor_publish(council, report, citizen):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.report_request(project=council["project"], user=citizen)
    with pytest.raises(PermissionDenied):
        services.report_publish(report=report, user=citizen)


# ------------------------------------------------------------------------- the API
def test_the_api_lists_every_version_to_planners_and_the_published_one_to_others(
        report, council, planner, citizen):
    url = f"/api/v1/projects/{council['project'].pk}/reports/"
    services.report_request(project=council["project"], enqueue=False)
    assert len(login(planner).get(url).json()) == 2
    assert login(citizen).get(url).json() == []
    assert login().get(url).json() == []
    publish(report, planner)
    [shown] = login().get(url).json()
    assert shown["id"] == report.pk and shown["checksum"] == report.checksum
    assert shown["files"]["pdf"].endswith(file_url(report))
    assert login().get(f"/api/v1/reports/{report.pk}/").status_code == 200


def test_the_api_hides_a_private_report_from_citizens(report, planner, citizen):
    assert login(citizen).get(f"/api/v1/reports/{report.pk}/").status_code == 404
    detail = login(planner).get(f"/api/v1/reports/{report.pk}/").json()
    assert (detail["status"], detail["percent"]) == ("succeeded", 100)


def test_a_planner_asks_for_a_report_through_the_api(council, districts, planner,
                                                     django_capture_on_commit_callbacks):
    url = f"/api/v1/projects/{council['project'].pk}/reports/"
    with django_capture_on_commit_callbacks() as callbacks:
        response = login(planner).post(url, {"district_layer": districts.pk},
                                       content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "queued"
    assert len(callbacks) == 1  # the task, published after commit
    created = DecisionReport.objects.get(pk=response.json()["id"])
    assert (created.requested_by, created.district_layer) == (planner, districts)


def test_the_api_refuses_a_report_to_citizens_and_anonymous_visitors(council, citizen):
    url = f"/api/v1/projects/{council['project'].pk}/reports/"
    assert login(citizen).post(url, {}, content_type="application/json").status_code == 403
    assert login().post(url, {}, content_type="application/json").status_code in (401, 403)
    assert not DecisionReport.objects.exists()


@pytest.mark.quality("geometry-type")
def test_the_api_refuses_a_district_layer_of_points(council, districts, planner):
    type(districts).objects.filter(pk=districts.pk).update(geometry_type="Point")
    response = login(planner).post(f"/api/v1/projects/{council['project'].pk}/reports/",
                                   {"district_layer": districts.pk},
                                   content_type="application/json")
    assert response.status_code == 400
    assert "polygons" in str(response.json())
    assert not DecisionReport.objects.exists()


# ---------------------------------------------------------------------- the dashboard
def test_the_dashboard_reports_pages_are_for_planners(council, planner, citizen):
    slug = council["project"].slug
    for url in ("/dashboard/reports/", f"/dashboard/reports/projects/{slug}/"):
        assert login().get(url).status_code == 302
        assert login(citizen).get(url).status_code == 403
        assert login(planner).get(url).status_code == 200
    compile_url = f"/dashboard/reports/projects/{slug}/compile/"
    assert login(citizen).post(compile_url).status_code == 403
    assert not DecisionReport.objects.exists()


def test_a_planner_compiles_and_publishes_from_the_dashboard(council, planner,
                                                             django_capture_on_commit_callbacks):
    slug = council["project"].slug
    client = login(planner)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(f"/dashboard/reports/projects/{slug}/compile/",
                               {"district_layer": ""})
    assert response.status_code == 302 and len(callbacks) == 1
    report = DecisionReport.objects.get()
    page = client.get(f"/dashboard/reports/projects/{slug}/")
    assert f"/api/v1/reports/{report.pk}/".encode() in page.content  # the bar polls it
    services.report_compile(report_id=report.pk)
    response = client.post(f"/dashboard/reports/{report.pk}/publish/", {"published": "on"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_published


def test_a_citizen_cannot_publish_from_the_dashboard(report, citizen):
    response = login(citizen).post(f"/dashboard/reports/{report.pk}/publish/",
                                   {"published": "on"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert not report.is_published


def test_a_report_is_compiled_even_for_a_project_without_votes(planner):
    project = project_make("empty", phase="ideation")
    made = services.report_request(project=project, enqueue=False)
    assert services.report_compile(report_id=made.pk) == "succeeded"
    made.refresh_from_db()
    assert made.summary["votes"] == 0


@pytest.mark.quality("private-reports")
def test_an_expired_session_is_sent_to_log_in_for_private_files(report, planner):
    claim = role_claim_submit(
        user=planner, role=role_make("neighbour"), evidence="bill",
        evidence_file=SimpleUploadedFile("b.pdf", b"%PDF-1.4 secret", "application/pdf"))
    client = login(planner)
    urls = [file_url(report, kind) for kind in ("pdf", "csv", "geojson")]
    urls.append(f"/accounts/claims/{claim.pk}/evidence/")
    assert all(client.get(url).status_code == 200 for url in urls)
    # The session cookie is still sent, but its session is over on the server.
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]
