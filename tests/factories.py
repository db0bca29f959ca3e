"""Small builders for test data: explicit, so each test shows what it relies on."""

from decimal import Decimal
from itertools import count

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.groups import PLANNER_GROUP, ensure_planner_group
from accounts.models import ClaimStatus, RoleClaim, StakeholderRole, User
from municipalities.selectors import municipality_default

PASSWORD = "correct-horse-battery-staple"
_seq = count(1)


def user_make(username: str | None = None, *, planner: bool = False, email_verified=True,
              **fields) -> User:
    username = username or f"user{next(_seq)}"
    fields.setdefault("email", f"{username}@example.org")
    fields.setdefault("is_staff", planner)
    user = User.objects.create_user(username=username, password=PASSWORD, **fields)
    EmailAddress.objects.create(user=user, email=user.email, primary=True,
                                verified=email_verified)
    if planner:
        ensure_planner_group()
        user.groups.add(Group.objects.get(name=PLANNER_GROUP))
        user.planner_municipality = municipality_default()
        user.save(update_fields=["planner_municipality"])
    return user


def role_make(slug: str, weight: str = "1", position: int = 0, **fields) -> StakeholderRole:
    return StakeholderRole.objects.create(
        slug=slug, name=fields.pop("name", slug.replace("-", " ").title()),
        default_weight=Decimal(weight), position=position, **fields,
    )


def claim_make(user: User, role: StakeholderRole, *, status=ClaimStatus.PENDING,
               decided_by: User | None = None, **fields) -> RoleClaim:
    """A claim written straight to the database, for tests that are not about services."""
    if status != ClaimStatus.PENDING:
        from django.utils import timezone

        fields.setdefault("decided_at", timezone.now())
        if status == ClaimStatus.REJECTED:
            fields.setdefault("decision_reason", "Not in the area.")
    return RoleClaim.objects.create(user=user, role=role, evidence="I live here.",
                                    status=status, decided_by=decided_by, **fields)


# ---------------------------------------------------------------- projects and proposals
AREA_BBOX = (2.10, 41.35, 2.22, 41.45)  # a part of Barcelona


def project_make(slug: str = "plaza-test", *, phase: str | None = "ideation",
                 visibility: str = "public", before_phases=None, **fields):
    """A project whose `phase` is running now (None: before any phase), with two categories.

    The four phases follow each other; the running one started a day ago.
    `before_phases(project)` runs before the phases exist: the place to set voting
    weights, which the database freezes once voting has opened.
    """
    from datetime import timedelta

    from django.contrib.gis.geos import MultiPolygon, Polygon
    from django.utils import timezone

    from proposals.models import PHASE_ORDER, Category, Phase, Project

    project = Project.objects.create(
        slug=slug, title=fields.pop("title", "Superilla del Poblenou"),
        description=fields.pop("description", "Ideas for the streets around the school."),
        area=fields.pop("area", MultiPolygon(Polygon.from_bbox(AREA_BBOX), srid=4326)),
        visibility=visibility, **fields)
    Category.objects.create(project=project, slug="green", name="Green and shade",
                            color="#2e7d32", position=1)
    Category.objects.create(project=project, slug="mobility", name="Walking and cycling",
                            color="#1565c0", position=2)
    if before_phases:
        before_phases(project)
    now = timezone.now()
    index = PHASE_ORDER.index(phase) if phase else -1
    start = now - timedelta(days=1) - timedelta(days=30) * (index if index >= 0 else -1)
    if index < 0:
        start = now + timedelta(days=1)
    for kind in PHASE_ORDER:
        Phase.objects.create(project=project, kind=kind, starts_at=start,
                             ends_at=start + timedelta(days=30))
        start += timedelta(days=30)
    return project


POINT = {"type": "Point", "coordinates": [2.17, 41.39]}
LINE = {"type": "LineString", "coordinates": [[2.15, 41.40], [2.16, 41.41], [2.17, 41.40]]}
SQUARE = {"type": "Polygon", "coordinates": [[[2.15, 41.40], [2.16, 41.40], [2.16, 41.41],
                                             [2.15, 41.41], [2.15, 41.40]]]}


def proposal_make(project, author, *, geometry=None, category="green", status=None, **fields):
    """A proposal made through the service while ideation runs, then given `status`."""
    from proposals.models import Proposal

    proposal = Proposal.objects.create(
        project=project, author=author, title=fields.pop("title", "Trees on Carrer Pujades"),
        body=fields.pop("body", "Shade for the walk to school."),
        category=project.categories.get(slug=category),
        geometry=_geos(geometry or POINT), status=status or "published", **fields)
    return proposal


def picture_make(proposal, *, size=(64, 48), colour="green", position: int = 0):
    """A picture of the proposal, stored as the proposal service stores an upload (checked
    and re-encoded by proposals/images.py, saved in the public media storage)."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from proposals.images import image_clean
    from proposals.models import ProposalImage

    out = BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    content, ext, (width, height) = image_clean(
        SimpleUploadedFile("photo.jpg", out.getvalue(), "image/jpeg"))
    picture = ProposalImage(proposal=proposal, position=position, width=width, height=height)
    picture.ext = ext
    picture.image.save(f"image.{ext}", content)
    return picture


def _geos(geojson):
    import json

    from django.contrib.gis.geos import GEOSGeometry

    if isinstance(geojson, GEOSGeometry):
        return geojson
    return GEOSGeometry(json.dumps(geojson), srid=4326)


def comment_make(proposal, author, body: str = "I agree: the street needs shade.", *,
                 parent=None, **fields):
    """A comment written straight to the database (no rules, no throttle, no e-mail)."""
    from proposals.models import Comment

    return Comment.objects.create(proposal=proposal, author=author, body=body, parent=parent,
                                  **fields)
