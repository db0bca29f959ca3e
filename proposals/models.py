"""Projects (a consultation with an area and phases) and the proposals citizens place on them.

Integrity that does not depend on the code path lives here as constraints: a phase
opens before it closes and never overlaps another of its project; a proposal's
geometry is a valid Point, LineString or Polygon in EPSG:4326; a decision carries an
official answer; a hidden proposal has a reason.
"""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import RangeOperators
from django.db.models import Exists, F, Func, OuterRef, Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact, In, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import scoped_manager
from municipalities.selectors import municipality_current_or_default_id


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = models.DateTimeField()  # only used inside the exclusion constraint


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: listed and open to all")
    UNLISTED = "unlisted", _("Unlisted: open to anyone with the link")
    DRAFT = "draft", _("Draft: planners only")


def link_key_new() -> str:
    """The random part of an unlisted project's link: 144 bits, not to be guessed."""
    return secrets.token_urlsafe(18)


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Projects a user may open: public ones; unlisted ones with their link (its key
        is in the user's `unlisted_project_ids`, proposals/access.py) or when the user
        took part in them; drafts only for planners."""
        if user.is_authenticated and user.has_perm("proposals.change_project"):
            return self
        by_link = Q(pk__in=sorted(getattr(user, "unlisted_project_ids", ())))
        if user.is_authenticated:
            by_link |= Exists(Proposal.objects.filter(project=OuterRef("pk"), author=user))
            by_link |= Exists(Comment.objects.filter(proposal__project=OuterRef("pk"),
                                                     author=user))
        return self.filter(Q(visibility=Visibility.PUBLIC)
                           | (Q(visibility=Visibility.UNLISTED) & by_link))

    def listed(self):
        return self.filter(visibility=Visibility.PUBLIC)

    def with_current_phase(self, at=None):
        """Annotate `current_phase_kind`: the kind of the phase running at `at`, or None."""
        at = at or timezone.now()
        running = Phase.objects.filter(project=models.OuterRef("pk")).running(at)
        return self.annotate(current_phase_kind=models.Subquery(running.values("kind")[:1]))


class Project(models.Model):
    """One consultation about one urban project, in one area of the city."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="projects",
        default=municipality_current_or_default_id)
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20000)
    area = models.MultiPolygonField(srid=4326, help_text=_("Where proposals may be placed."))
    visibility = models.CharField(max_length=10, choices=Visibility.choices,
                                  default=Visibility.DRAFT)
    moderate_before_publishing = models.BooleanField(
        default=False, help_text=_("New proposals wait for a planner before they are shown."))
    # An unlisted project opens only with its link, which carries this key: its slug and
    # its id are easy to guess, the key is not.
    link_key = models.CharField(max_length=32, unique=True, default=link_key_new,
                                editable=False)
    # The level the project runs at: a district or a neighbourhood of its municipality;
    # empty: the whole city.
    scope_area = models.ForeignKey(
        "municipalities.Area", on_delete=models.PROTECT, null=True, blank=True,
        related_name="projects", help_text=_("Run for one district or neighbourhood."))
    # The project this one's set-up was copied from, in another municipality
    # (dashboard.replication): the region compares the two.
    replicated_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replicas")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(ProjectQuerySet, path="municipality")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"],
                                    name="proposals_project_slug_in_municipality"),
        ]

    def __str__(self) -> str:
        return self.title

    def current_phase(self, at=None) -> "Phase | None":
        return self.phases.running(at).first()

    @property
    def link_path(self) -> str:
        """The project's page with its key: the link that opens an unlisted project."""
        return f"{reverse('proposals:project', args=[self.slug])}?key={self.link_key}"


class Category(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="categories")
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=80)
    color = models.CharField(max_length=7, default="#0b6e4f",
                             help_text=_("Marker colour on the map, as #rrggbb."))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["project", "slug"], name="proposals_category_slug"),
            models.CheckConstraint(condition=Q(color__regex=r"^#[0-9a-fA-F]{6}$"),
                                   name="proposals_category_color_hex"),
        ]

    def __str__(self) -> str:
        return self.name


class PhaseKind(models.TextChoices):
    IDEATION = "ideation", _("Ideation: proposals open")
    VOTING = "voting", _("Voting")
    DECISION = "decision", _("Decision")
    IMPLEMENTATION = "implementation", _("Implementation")


PHASE_ORDER = [PhaseKind.IDEATION, PhaseKind.VOTING, PhaseKind.DECISION,
               PhaseKind.IMPLEMENTATION]


class PhaseQuerySet(models.QuerySet):
    def running(self, at=None):
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at)


class Phase(models.Model):
    """A stretch of a project's life; [starts_at, ends_at) with no overlap in a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(max_length=16, choices=PhaseKind.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    objects = PhaseQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="proposals_phase_once"),
            models.CheckConstraint(condition=Q(starts_at__lt=F("ends_at")),
                                   name="proposals_phase_opens_before_it_closes"),
            ExclusionConstraint(
                name="proposals_phase_no_overlap",
                expressions=[
                    (TsTzRange("starts_at", "ends_at"), RangeOperators.OVERLAPS),
                    ("project", RangeOperators.EQUAL),
                ],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.first_day:%Y-%m-%d} – {self.last_day:%Y-%m-%d})"

    # What people read: days in the site's time zone (TIME_ZONE), as on a calendar. The end
    # is exclusive, so a phase closing at midnight on 1 June runs until 31 May.
    @property
    def first_day(self) -> date:
        return timezone.localtime(self.starts_at).date()

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.ends_at - timedelta(microseconds=1)).date()


class ProposalStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted, awaiting moderation")
    PUBLISHED = "published", _("Published")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    IMPLEMENTED = "implemented", _("Implemented")
    WITHDRAWN = "withdrawn", _("Withdrawn by its author")
    # A duplicate a planner merged into another proposal (`merged_into`): its page
    # leads to that one, and it counts nowhere.
    MERGED = "merged", _("Merged into another proposal")


# What everyone may see; submitted and withdrawn proposals only their author and planners.
PUBLIC_STATUSES = [ProposalStatus.PUBLISHED, ProposalStatus.SHORTLISTED,
                   ProposalStatus.ACCEPTED, ProposalStatus.REJECTED,
                   ProposalStatus.IMPLEMENTED]
GEOMETRY_TYPES = ("Point", "LineString", "Polygon")


# "Public proposals", the one rule every published number counts: a public status and
# not hidden by a moderator. The ORM form and the SQL form below are the same rule, so
# the pages, the APIs, the open data, the reports and the dashboard count alike.
PUBLIC_Q = Q(status__in=PUBLIC_STATUSES, is_hidden=False)


def public_sql(alias: str = "p") -> str:
    """The rule as an SQL condition on the proposals table aliased `alias`, for the raw
    SQL that needs it (reports): its statuses come as the named parameter
    `%(public_statuses)s`, which `public_sql_params()` gives."""
    return f"{alias}.status = ANY(%(public_statuses)s) AND NOT {alias}.is_hidden"


def public_sql_params() -> dict:
    return {"public_statuses": [str(s) for s in PUBLIC_STATUSES]}


class ProposalQuerySet(models.QuerySet):
    def public(self) -> "ProposalQuerySet":
        """The proposals everyone may see: those every published number counts."""
        return self.filter(PUBLIC_Q)


class Proposal(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="proposals")
    # SET_NULL: an erased account leaves its proposals, shown as a former participant.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                               null=True, related_name="proposals")
    title = models.CharField(max_length=140)
    body = models.TextField(max_length=5000)
    # RESTRICT, not PROTECT: a category in use cannot be deleted on its own, but deleting
    # the whole project removes its proposals and categories together.
    category = models.ForeignKey(Category, on_delete=models.RESTRICT, related_name="proposals")
    geometry = models.GeometryField(srid=4326)
    # Where the proposal counts on a map or in a district: its point on surface (a point
    # is itself, a line one of its inner vertices, an area a point inside it), the rule of
    # proposals/districts.py. Stored, so that the map's clusters group a whole city's
    # proposals without computing it for each row on every request.
    point = models.GeneratedField(
        expression=Func(F("geometry"), function="ST_PointOnSurface",
                        output_field=models.PointField(srid=4326)),
        output_field=models.PointField(srid=4326, spatial_index=False), db_persist=True)
    status = models.CharField(max_length=12, choices=ProposalStatus.choices,
                              default=ProposalStatus.SUBMITTED)
    official_answer = models.TextField(blank=True, max_length=5000)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True, max_length=1000)
    # The language it was written in (the author's page language when proposing): full-
    # text search stems it with that language's dictionary.
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en",
                                db_default="en")
    # Set, with status "merged", when a planner merges this duplicate into another.
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="merged")
    constraint_feedback = models.JSONField(
        default=list, blank=True, help_text="What the city's constraint layers said when the "
        "geometry was drawn: [{layer, severity, message, matches}, …].")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # Where it lies in its city's hierarchy, from its point on surface (set when it is
    # placed or moved, and for every proposal when the areas are imported again).
    district = models.ForeignKey("municipalities.Area", on_delete=models.SET_NULL,
                                 null=True, blank=True, related_name="+")
    neighbourhood = models.ForeignKey("municipalities.Area", on_delete=models.SET_NULL,
                                      null=True, blank=True, related_name="+")

    objects = scoped_manager(ProposalQuerySet, path="project__municipality")

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("moderate_proposal", "Can hide and restore proposals"),
            ("answer_proposal", "Can change a proposal's status and give the official answer"),
        ]
        indexes = [
            models.Index(fields=["project", "status", "is_hidden"]),
            # The project page's list, newest first (its default order and every order's
            # tie-break): its first page is read from the top of this index, not sorted
            # out of every proposal of the project (seconds at a million).
            models.Index(fields=["project", "-created_at", "-id"],
                         name="proposals_project_newest"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(geometry__isvalid=True),
                                   name="proposals_geometry_valid"),
            models.CheckConstraint(
                condition=In(Func(F("geometry"), function="GeometryType",
                                  output_field=models.CharField()),
                             [t.upper() for t in GEOMETRY_TYPES]),
                name="proposals_geometry_type",
            ),
            models.CheckConstraint(
                condition=Exact(Func(F("geometry"), function="ST_NDims",
                                     output_field=models.IntegerField()), 2),
                name="proposals_geometry_2d",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["accepted", "rejected"]) | ~Q(official_answer=""),
                name="proposals_decision_answered",
            ),
            models.CheckConstraint(condition=~Q(is_hidden=True) | ~Q(hidden_reason=""),
                                   name="proposals_hidden_reasoned"),
            # Merged exactly when it points at the proposal it was merged into, never
            # itself.
            models.CheckConstraint(
                condition=Q(status="merged", merged_into__isnull=False)
                | ~Q(status="merged") & Q(merged_into__isnull=True),
                name="proposals_merged_into_set"),
            models.CheckConstraint(condition=Q(merged_into__isnull=True)
                                   | ~Q(merged_into=F("pk")),
                                   name="proposals_not_merged_into_itself"),
        ]

    def __str__(self) -> str:
        return self.title



def image_path(instance: "ProposalImage", filename: str) -> str:
    # Images are re-encoded to JPEG or PNG; the user's file name is not kept.
    return f"proposals/{instance.proposal_id}/{timezone.now():%Y%m%d%H%M%S%f}.{instance.ext}"


MAX_IMAGES = 3


class MapVersion(models.Model):
    """Which state of a project's map its cached cells were counted from: a new random
    version whenever a proposal of the project is added, deleted or changes what the
    map counts (project, category, geometry, status, hidden), or a category's slug
    changes. Written only by the database, in the writing transaction (migration 0011's
    triggers), so that an answer cached under a version is exact for as long as that
    version stands (proposals/clusters.py).

    No foreign key: the project's proposals are deleted before the project, and their
    trigger writes this row on the way; a deleted project's row is left, unread.
    """

    project_id = models.IntegerField(primary_key=True)
    version = models.UUIDField()

    class Meta:
        db_table = "proposals_mapversion"

    def __str__(self) -> str:
        return f"Map of project {self.project_id} at {self.version}"


class ProposalImage(models.Model):
    """A picture of a proposal, re-encoded on upload without its EXIF (and GPS) data."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to=image_path)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    alt_text = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    ext = "jpg"  # set by the service before saving; not a column

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "position"],
                                    name="proposals_image_position"),
            models.CheckConstraint(condition=Q(position__lt=MAX_IMAGES),
                                   name="proposals_image_max"),
        ]


class Flag(models.Model):
    """A signed-in user's report that a proposal breaks the rules; one per user."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    reason = models.TextField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="proposals_flag_once"),
            models.CheckConstraint(condition=~Q(reason=""), name="proposals_flag_reasoned"),
        ]


class ProposalStatusNotice(models.Model):
    """An e-mail owed to a proposal's author: a planner changed its status. An outbox.

    `proposal_set_status` writes one in the transaction of the change and publishes the
    task that sends it after commit; the task claims `notified_at` before sending, so the
    author is told once however often the task runs. What the planner did, and why, is
    in the audit log (`audit.AuditEntry`), which is the record: this table only says
    whether the author has been told.

    It is the table of the former moderation log (`ModerationEvent`), renamed and kept to
    its status changes: hiding and restoring were only ever logged, and are in the audit
    log. Keeping the table keeps its ids, which tasks already queued carry
    (proposals/migrations/0008).
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE,
                                 related_name="status_notices")
    status = models.CharField(max_length=40)
    answer = models.TextField(max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Claimed (set) by the e-mail task before it sends.
    notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]


# ---------------------------------------------------------------- comments
COMMENT_MAX_LENGTH = 5000


class Comment(models.Model):
    """A citizen's comment on a proposal, or a reply to one.

    Threads have two levels at most: a reply always points at a top-level comment (the
    service attaches a reply to a reply to the same top-level comment). Comments are
    never deleted while their proposal lives: deleting blanks the body and keeps the row,
    so the replies under it stay in their place.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    # SET_NULL: an erased account leaves its comments, shown as a former participant.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                               null=True, related_name="comments")
    # RESTRICT: a comment with replies cannot be deleted on its own (authors soft-delete),
    # but deleting the proposal removes the whole discussion at once.
    parent = models.ForeignKey("self", on_delete=models.RESTRICT, null=True, blank=True,
                               related_name="replies")
    # Blank only once deleted (constraint below).
    body = models.TextField(max_length=COMMENT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    is_hidden = models.BooleanField(default=False)
    hidden_reason = models.TextField(blank=True, max_length=1000)
    # The language it was written in, as a proposal's (full-text search).
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en",
                                db_default="en")
    # Claimed (set) by the e-mail task before it sends, so the author is told once.
    author_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = scoped_manager(path="proposal__project__municipality")

    class Meta:
        ordering = ["created_at", "pk"]
        permissions = [("moderate_comment", "Can hide and restore comments")]
        indexes = [models.Index(fields=["proposal", "parent", "created_at"],
                                name="proposals_comment_thread")]
        constraints = [
            models.CheckConstraint(condition=Q(parent__isnull=True) | ~Q(parent=F("pk")),
                                   name="proposals_comment_not_own_parent"),
            models.CheckConstraint(condition=~Q(is_hidden=True) | ~Q(hidden_reason=""),
                                   name="proposals_comment_hidden_reasoned"),
            # The body is personal data: a deleted comment keeps none of it, and a live
            # one always has some.
            models.CheckConstraint(condition=Q(is_deleted=True, body="")
                                   | Q(is_deleted=False) & ~Q(body=""),
                                   name="proposals_comment_deleted_blank"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), COMMENT_MAX_LENGTH),
                name="proposals_comment_body_length"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on proposal {self.proposal_id}"


class CommentFlag(models.Model):
    """A signed-in user's report that a comment breaks the rules; one per user."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    reason = models.TextField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"],
                                    name="proposals_comment_flag_once"),
            models.CheckConstraint(condition=~Q(reason=""),
                                   name="proposals_comment_flag_reasoned"),
        ]
