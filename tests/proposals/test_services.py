"""Creating, editing, withdrawing, flagging and moderating proposals through the services."""

import struct
import zlib
from io import BytesIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from audit.models import AuditEntry
from notifications.models import Event
from proposals import services
from proposals.models import Flag, Proposal, ProposalImage
from tests.factories import LINE, POINT, SQUARE, project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return project_make()


def create(project, author, **overrides):
    data = {"title": "Benches on Rambla", "body": "Somewhere to rest.", "category": "green",
            "geometry": POINT, **overrides}
    return services.proposal_create(project=project, author=author, **data)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "green")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (41.0, 23.0, 0.0), 3: "E", 4: (2.0, 10.0, 0.0)}  # GPS IFD
    exif[0x010F] = "PhoneMaker"
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png_bomb(width=100_000, height=100_000) -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("geometry", [POINT, LINE, SQUARE])
def test_a_citizen_places_a_point_a_line_or_an_area(project, citizen, geometry):
    proposal = create(project, citizen, geometry=geometry)
    assert proposal.status == "published"
    assert proposal.geometry.geom_type == geometry["type"]
    assert proposal.author == citizen


def test_with_pre_moderation_a_proposal_waits_as_submitted(citizen):
    project = project_make(moderate_before_publishing=True)
    assert create(project, citizen).status == "submitted"


def test_all_field_errors_come_together_and_nothing_is_stored(project, citizen):
    with pytest.raises(ValidationError) as exc:
        create(project, citizen, title="   ", category="nope",
               geometry={"type": "Point", "coordinates": [2.9, 41.39]})
    assert set(exc.value.message_dict) == {"title", "category", "geometry"}
    assert not Proposal.objects.exists()


@pytest.mark.parametrize("phase", [None, "voting", "decision", "implementation"])
def test_proposals_are_refused_outside_ideation(citizen, phase):
    project = project_make(phase=phase)
    with pytest.raises(PermissionDenied, match="ideation"):
        create(project, citizen)
    assert not Proposal.objects.exists()


def test_a_draft_project_takes_no_proposals(citizen):
    with pytest.raises(PermissionDenied, match="not open"):
        create(project_make(visibility="draft"), citizen)


def test_pictures_are_re_encoded_without_their_gps_data(project, citizen, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps(), "image/jpeg")
    assert b"PhoneMaker" in upload.read()
    upload.seek(0)
    proposal = create(project, citizen, images=[upload])
    stored = proposal.images.get()
    with Image.open(stored.image.path) as image:
        assert not image.getexif()  # no EXIF at all, so no GPS position
        assert image.size == (64, 48)
    assert "IMG_0001" not in stored.image.name


@pytest.mark.parametrize("upload, message", [
    (lambda: SimpleUploadedFile("a.jpg", b"<?php echo 1; ?>", "image/jpeg"), "not a picture"),
    (lambda: SimpleUploadedFile("bomb.png", png_bomb(), "image/png"), "too many"),
    (lambda: SimpleUploadedFile("a.gif", _gif(), "image/gif"), "JPEG, PNG or WebP"),
])
def test_bad_pictures_are_refused_and_nothing_is_stored(project, citizen, upload, message,
                                                        settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with pytest.raises(ValidationError, match=message):
        create(project, citizen, images=[upload()])
    assert not Proposal.objects.exists() and not ProposalImage.objects.exists()
    assert not any(tmp_path.rglob("*.*"))


def _gif() -> bytes:
    out = BytesIO()
    Image.new("P", (4, 4)).save(out, "GIF")
    return out.getvalue()


def test_oversized_pictures_and_too_many_pictures_are_refused(project, citizen, settings):
    settings.PROPOSAL_IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="over the limit"):
        create(project, citizen, images=[SimpleUploadedFile("a.jpg", jpeg_with_gps())])
    with pytest.raises(ValidationError, match="at most 3"):
        create(project, citizen, images=[SimpleUploadedFile(f"{i}.jpg", b"x")
                                         for i in range(4)])


def test_the_author_edits_until_voting_opens(project, citizen):
    proposal = create(project, citizen)
    services.proposal_update(proposal=proposal, user=citizen, title="Benches and shade",
                             geometry=LINE)
    proposal.refresh_from_db()
    assert proposal.title == "Benches and shade" and proposal.geometry.geom_type == "LineString"
    project.phases.filter(kind="ideation").update(ends_at=project.phases.get(
        kind="voting").starts_at)
    voting = project_make("voting-now", phase="voting")
    late = proposal_make(voting, citizen)
    with pytest.raises(PermissionDenied, match="voting has opened"):
        services.proposal_update(proposal=late, user=citizen, title="Too late")


def test_an_edit_is_validated_like_a_creation(project, citizen):
    proposal = create(project, citizen)
    with pytest.raises(ValidationError):
        services.proposal_update(proposal=proposal, user=citizen,
                                 geometry={"type": "Point", "coordinates": [200, 0]})
    proposal.refresh_from_db()
    assert proposal.geometry.coords == (2.17, 41.39)


@pytest.mark.quality("another-users-row")
def test_nobody_but_the_author_edits_or_withdraws(project, citizen, outsider, planner):
    proposal = create(project, citizen)
    for user in (outsider, planner):
        with pytest.raises(PermissionDenied):
            services.proposal_update(proposal=proposal, user=user, title="Mine now")
        with pytest.raises(PermissionDenied):
            services.proposal_withdraw(proposal=proposal, user=user)
    assert Proposal.objects.get().title == "Benches on Rambla"


def test_withdrawing_twice_is_refused(project, citizen):
    proposal = create(project, citizen)
    services.proposal_withdraw(proposal=proposal, user=citizen)
    with pytest.raises(PermissionDenied, match="withdrawn"):
        services.proposal_withdraw(proposal=proposal, user=citizen)


def test_a_user_flags_once_with_a_reason(project, citizen, outsider):
    proposal = create(project, citizen)
    with pytest.raises(ValidationError):
        services.proposal_flag(proposal=proposal, user=outsider, reason="  ")
    services.proposal_flag(proposal=proposal, user=outsider, reason="Advertising.")
    with pytest.raises(ValidationError, match="already"):
        services.proposal_flag(proposal=proposal, user=outsider, reason="Again.")
    with pytest.raises(PermissionDenied):
        services.proposal_flag(proposal=proposal, user=citizen, reason="My own.")
    assert Flag.objects.count() == 1


def test_planners_hide_and_restore_with_a_reason_and_a_log(project, citizen, planner):
    proposal = create(project, citizen)
    with pytest.raises(PermissionDenied):
        services.proposal_hide(proposal=proposal, planner=citizen, reason="x")
    with pytest.raises(ValidationError):
        services.proposal_hide(proposal=proposal, planner=planner, reason="")
    services.proposal_hide(proposal=proposal, planner=planner, reason="Insults.")
    with pytest.raises(ValidationError, match="already hidden"):
        services.proposal_hide(proposal=proposal, planner=planner, reason="Again.")
    services.proposal_restore(proposal=proposal, planner=planner, reason="Edited.")
    proposal.refresh_from_db()
    assert not proposal.is_hidden and proposal.hidden_reason == ""
    assert list(AuditEntry.objects.filter(target_id=proposal.pk).values_list(
        "action", "reason", "actor_id")) == [("proposal.restore", "Edited.", planner.pk),
                                             ("proposal.hide", "Insults.", planner.pk)]
    assert not Event.objects.filter(kind="proposal_status").exists()  # nobody hears of these


def test_status_moves_along_its_life_with_an_official_answer(project, citizen, planner):
    proposal = create(project, citizen)
    with pytest.raises(ValidationError, match="official answer"):
        services.proposal_set_status(proposal=proposal, planner=planner, status="accepted")
    with pytest.raises(ValidationError, match="cannot become"):
        services.proposal_set_status(proposal=proposal, planner=planner, status="implemented")
    with pytest.raises(PermissionDenied):
        services.proposal_set_status(proposal=proposal, planner=citizen, status="shortlisted")
    services.proposal_set_status(proposal=proposal, planner=planner, status="accepted",
                                 answer="Planned for spring.")
    services.proposal_set_status(proposal=proposal, planner=planner, status="implemented")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.official_answer) == ("implemented", "Planned for spring.")


def test_the_database_refuses_what_the_services_would(project, citizen):
    from django.contrib.gis.geos import GEOSGeometry
    from django.db import DataError, IntegrityError, transaction

    bad = [
        {"geometry": GEOSGeometry("POLYGON((2.15 41.40, 2.16 41.41, 2.16 41.40, 2.15 41.41, "
                                  "2.15 41.40))", srid=4326)},
        {"geometry": GEOSGeometry("MULTIPOINT((2.15 41.40))", srid=4326)},
        {"geometry": GEOSGeometry("POINT Z (2.15 41.40 3)", srid=4326)},
        {"status": "rejected", "official_answer": ""},
        {"is_hidden": True, "hidden_reason": ""},
    ]
    for fields in bad:
        # The column's type refuses Z itself (DataError); the constraints the rest.
        with pytest.raises((IntegrityError, DataError)), transaction.atomic():
            proposal_make(project, citizen, **fields)


def test_phases_cannot_overlap_or_run_backwards(project):
    from datetime import timedelta

    from django.db import IntegrityError, transaction

    from proposals.models import Phase

    ideation = project.phases.get(kind="ideation")
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.filter(pk=ideation.pk).update(ends_at=ideation.ends_at + timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Phase.objects.filter(pk=ideation.pk).update(ends_at=ideation.starts_at)
    other = project_make("other")
    assert other.phases.count() == 4  # another project's phases may share the dates


def test_current_phase_and_its_annotation_agree(project):
    from proposals.models import Project

    assert project.current_phase().kind == "ideation"
    assert Project.objects.with_current_phase().get(pk=project.pk).current_phase_kind == \
        "ideation"
    before = project_make("later", phase=None)
    assert before.current_phase() is None


def test_an_erased_author_leaves_the_proposal(project):
    author = user_make("leaving")
    proposal = create(project, author)
    author.delete()
    proposal.refresh_from_db()
    assert proposal.author is None
