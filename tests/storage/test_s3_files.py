"""Plaza's files on S3 (a real S3-compatible server process on loopback, moto's): what
each feature stores lands in the bucket, under media/ or private/, comes back only
through Plaza's views, and goes when it is deleted; nothing is read by a local path."""

from __future__ import annotations

import hashlib
import json
import os
from email.utils import formatdate
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts import privacy_registry
from accounts.models import RoleClaim
from accounts.services import role_claim_submit
from gisdata.imports import services as gisdata_services
from gisdata.layer_services import layer_publish
from gisdata.models import Dataset, ImportStatus, Layer
from proposals.models import ProposalImage
from reports import services as report_services
from tests.factories import PASSWORD, POINT, picture_make, project_make, proposal_make

pytestmark = pytest.mark.django_db


def jpeg() -> bytes:
    out = BytesIO()
    Image.new("RGB", (64, 48), "green").save(out, "JPEG")
    return out.getvalue()


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def not_on_disk(*names: str) -> bool:
    roots = [Path(settings.MEDIA_ROOT), Path(settings.TEST_FILES_ROOT) / "private"]
    return not any((root / name).exists() for root in roots for name in names)


def test_a_picture_sent_with_the_form_lands_in_the_bucket_and_media_serves_it(
        client, bucket, citizen):
    project = project_make()
    client.force_login(citizen)
    response = client.post(reverse("proposals:propose", args=[project.slug]), {
        "title": "Shade for the market", "body": "Trees.", "category": "green",
        "geometry": json.dumps(POINT),
        "images": SimpleUploadedFile("IMG_0001.jpg", jpeg(), "image/jpeg")})
    assert response.status_code == 302
    picture = ProposalImage.objects.get()
    key = f"media/{picture.image.name}"
    assert bucket.keys() == {key}
    # Its URL is Plaza's own /media/ view, never a (signed) link into the bucket.
    assert picture.image.url == f"/media/{picture.image.name}"
    page = client.get(reverse("proposals:proposal", args=[picture.proposal_id]))
    assert picture.image.url in page.content.decode()
    served = client.get(picture.image.url)
    assert served.status_code == 200
    assert body(served) == bucket.read(key)
    assert served["Content-Length"] == str(len(bucket.read(key)))
    assert served["Content-Type"] == "image/jpeg"
    assert not_on_disk(picture.image.name)


def test_a_picture_on_s3_answers_304_when_unchanged_and_404_when_hidden(client, bucket,
                                                                         citizen, outsider):
    picture = picture_make(proposal_make(project_make(), citizen))
    assert bucket.keys() == {f"media/{picture.image.name}"}
    first = client.get(picture.image.url)
    assert first.status_code == 200 and "Last-Modified" in first
    again = client.get(picture.image.url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304
    older = formatdate(0, usegmt=True)
    assert client.get(picture.image.url, HTTP_IF_MODIFIED_SINCE=older).status_code == 200
    proposal = picture.proposal
    proposal.is_hidden, proposal.hidden_reason = True, "Off topic."
    proposal.save()
    client.force_login(outsider)
    assert client.get(picture.image.url).status_code == 404


def test_role_evidence_lands_under_private_and_only_its_owner_and_planners_get_it(
        client, bucket, citizen, outsider, planner, roles):
    client.force_login(citizen)
    response = client.post(reverse("accounts:claim-create"), {
        "role": roles["resident"].pk, "evidence": "I live at Carrer Gran 1",
        "evidence_file": SimpleUploadedFile("bill.pdf", b"%PDF-1.7 bill", "application/pdf"),
    })
    assert response.status_code == 302
    claim = RoleClaim.objects.get(user=citizen)
    key = f"private/{claim.evidence_file.name}"
    assert bucket.keys() == {key}
    assert bucket.read(key) == b"%PDF-1.7 bill"
    with pytest.raises(ValueError, match="no public URL"):
        claim.evidence_file.url  # noqa: B018 - the property is what refuses
    url = reverse("accounts:claim-evidence", args=[claim.pk])
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: log in first
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    filename = claim.evidence_file.name.rsplit("/", 1)[-1]
    for user in (citizen, planner):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert body(response) == b"%PDF-1.7 bill"
        assert response["Content-Length"] == str(len(b"%PDF-1.7 bill"))
        assert f'filename="{filename}"' in response["Content-Disposition"]
        assert response["Content-Type"] == "application/pdf"
    assert not_on_disk(claim.evidence_file.name)


def test_erasing_an_account_deletes_its_evidence_from_the_bucket(
        bucket, citizen, roles, django_capture_on_commit_callbacks):
    claim = role_claim_submit(
        user=citizen, role=roles["resident"], evidence="bill",
        evidence_file=SimpleUploadedFile("b.pdf", b"%PDF-1.4 secret", "application/pdf"))
    assert bucket.keys() == {f"private/{claim.evidence_file.name}"}
    with django_capture_on_commit_callbacks(execute=True):
        privacy_registry.account_erase(user=citizen, password=PASSWORD)
    assert bucket.keys() == set()


def test_a_refused_claim_leaves_no_object_in_the_bucket(bucket, citizen, roles):
    first = role_claim_submit(
        user=citizen, role=roles["resident"], evidence="bill",
        evidence_file=SimpleUploadedFile("a.pdf", b"%PDF-1.4 one", "application/pdf"))
    with pytest.raises(Exception, match="already have an open claim"):
        role_claim_submit(
            user=citizen, role=roles["resident"], evidence="again",
            evidence_file=SimpleUploadedFile("b.pdf", b"%PDF-1.4 two", "application/pdf"))
    assert bucket.keys() == {f"private/{first.evidence_file.name}"}


def test_a_reports_files_are_written_to_the_bucket_and_downloaded_through_its_view(
        client, bucket, planner):
    project = project_make("empty", phase="ideation")
    report = report_services.report_request(project=project, enqueue=False)
    assert report_services.report_compile(report_id=report.pk) == "succeeded"
    report.refresh_from_db()
    folder = f"private/reports/{project.pk}/{report.pk}/1/"
    names = {kind: report.file(kind).name for kind in ("pdf", "csv", "geojson")}
    assert bucket.keys() == {f"private/{name}" for name in names.values()}
    assert all(f"private/{name}".startswith(folder) for name in names.values())
    client.force_login(planner)
    for kind, name in names.items():
        response = client.get(f"/reports/{report.pk}/files/{kind}/")
        assert response.status_code == 200
        content = bucket.read(f"private/{name}")
        assert body(response) == content
        assert response["Content-Length"] == str(len(content))
        assert f'filename="empty-report-{report.pk}.{kind}"' in response["Content-Disposition"]
    with pytest.raises(ValueError, match="no public URL"):
        report.file("pdf").url  # noqa: B018
    assert not_on_disk(*names.values())


def test_a_later_attempt_lists_and_deletes_what_a_killed_one_left_in_the_bucket(
        bucket, planner):
    from django.core.files.storage import storages

    from reports.models import DecisionReport

    project = project_make("empty", phase="ideation")
    report = report_services.report_request(project=project, enqueue=False)
    DecisionReport.objects.filter(pk=report.pk).update(status="running", attempt=1)
    left = storages["private"].save(f"reports/{project.pk}/{report.pk}/1/half.pdf",
                                    ContentFile(b"%PDF-1.7"))
    assert bucket.keys() == {f"private/{left}"}
    assert report_services.report_compile(report_id=report.pk) == "succeeded"
    keys = bucket.keys()
    assert f"private/{left}" not in keys
    assert {key.split("/")[4] for key in keys} == {"2"} and len(keys) == 3


def test_a_dataset_on_s3_is_imported_from_the_bucket_and_published(client, bucket,
                                                                    planner):
    features = [{"type": "Feature", "properties": {"name": f"Fountain {n}"},
                 "geometry": {"type": "Point", "coordinates": [2.15 + n / 100, 41.39]}}
                for n in range(3)]
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    run = gisdata_services.dataset_import(
        user=planner, name="Fountains",
        source_file=ContentFile(content, name="fountains.geojson"))
    dataset = run.dataset
    key = f"media/{dataset.source_file.name}"
    assert bucket.keys() == {key} and key.endswith("/fountains.geojson")
    # What the worker runs, here in the test process: it reads the upload from the
    # bucket into its scratch folder, never by a path in MEDIA_ROOT.
    assert gisdata_services.import_run_execute(run_id=run.pk) == ImportStatus.SUCCEEDED
    layer = Layer.objects.get(dataset=dataset)
    assert layer.feature_count == 3
    layer_publish(layer=layer, user=planner, published=True)
    response = client.get(f"/api/v1/layers/{layer.pk}/features.geojson")
    assert response.status_code == 200
    names = {f["properties"]["name"] for f in json.loads(body(response))["features"]}
    assert names == {"Fountain 0", "Fountain 1", "Fountain 2"}
    assert not_on_disk(dataset.source_file.name)
    scratch = Path(settings.GISDATA_SCRATCH_ROOT)
    assert not list(scratch.glob(f"run-{run.pk}-*"))  # the copy went with the attempt


def test_an_upload_of_several_parts_is_copied_whole_into_the_scratch_folder(bucket, planner,
                                                                             tmp_path):
    """Larger than a part of a multipart upload (8 MB) and than what a read keeps in
    memory (2.5 MB): the copy the worker makes is the upload, byte for byte."""
    content = os.urandom(12 * 1024 * 1024)
    dataset = Dataset.objects.create(name="Big", slug="big",
                                     source_file=ContentFile(content, name="big.gpkg"))
    assert bucket.keys() == {f"media/{dataset.source_file.name}"}
    dataset.refresh_from_db()
    copy = gisdata_services._stored_copy(dataset.source_file, tmp_path / "upload" / "big.gpkg")
    assert hashlib.sha256(copy.read_bytes()).digest() == hashlib.sha256(content).digest()


def test_an_upload_gone_from_the_bucket_fails_the_import_with_a_reason(bucket, planner):
    run = gisdata_services.dataset_import(
        user=planner, name="Gone", source_file=ContentFile(b'{"type": "FeatureCollection", '
                                                          b'"features": []}', name="g.geojson"))
    bucket.empty()  # deleted behind Plaza's back
    assert gisdata_services.import_run_execute(run_id=run.pk) == ImportStatus.FAILED
    run.refresh_from_db()
    assert "gone from the storage" in run.message
