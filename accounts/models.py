"""Users, stakeholder roles and the claims that verify a user in a role.

A role's weight in a vote comes from a *verified, unexpired* claim; how several
such roles become one weight is the rule in docs/voting-weights.md, implemented
in `accounts.selectors.voting_weight_resolve`.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.storage import private_storage
from core import tenancy
from core.tenancy import scoped_manager
from municipalities.selectors import municipality_current_or_default_id

MAX_WEIGHT = Decimal("100")


class User(AbstractUser):
    """A person who uses Plaza. `display_name` is what others see, never the e-mail."""

    display_name = models.CharField(max_length=80, blank=True)
    # The language of the e-mails the workers write to this person (they have no request
    # to take it from): the one they signed up in, changed on their profile. Empty: the
    # site's LANGUAGE_CODE.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default="",
        # In the database too: rows written by SQL (bulk loads, benchmarks) get it.
        db_default="", help_text=_("The language of the e-mails Plaza sends you."))
    # Which version of the terms of use and privacy policy (settings.TERMS_VERSION) this
    # person accepted, and when. Empty for accounts made before sign-up asked: they are
    # not locked out (docs/operations.md, "Terms of use and privacy policy").
    terms_version = models.CharField(
        _("terms version accepted"), max_length=20, blank=True, default="", db_default="")
    terms_accepted_at = models.DateTimeField(_("terms accepted at"), null=True, blank=True)
    # Where this person's planner permissions apply (accounts.backends): their
    # municipality; a regional planner sees, without changing, every municipality of
    # their region. Neither: the permissions apply nowhere (a superuser's everywhere).
    planner_municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="planners", verbose_name=_("planner of"))
    planner_region = models.ForeignKey(
        "municipalities.Region", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="planners", verbose_name=_("regional planner of"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~Q(email=""), name="accounts_user_email_ci_unique"
            ),
        ]

    @property
    def public_name(self) -> str:
        return self.display_name or self.username

    @property
    def email_language(self) -> str:
        """The language to write to this person in: theirs, or the site's."""
        known = {code for code, _name in settings.LANGUAGES}
        return self.language if self.language in known else settings.LANGUAGE_CODE

    @property
    def is_planner(self) -> bool:
        return self.is_active and self.has_perm("accounts.verify_roleclaim")

    # A planner's permissions hold in their municipality only; a regional planner's
    # view permissions in every municipality of their region. Checked here, not in an
    # authentication backend, because every backend (allauth's, the lock-out's) grants
    # the groups' permissions through Django's ModelBackend.
    def has_perm(self, perm, obj=None) -> bool:
        if self.is_active and self.is_superuser:
            return True
        if not self._planner_scope_allows(perm):
            return False
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if self.is_active and self.is_superuser:
            return True
        if not self._planner_scope_allows(f"{app_label}.view_"):
            return False
        return super().has_module_perms(app_label)

    def _planner_scope_allows(self, perm: str) -> bool:
        municipality = tenancy.current()
        if municipality is None:
            return True  # no request: the shell, a task acting for a user
        if self.planner_municipality_id == municipality.pk:
            return True
        return (self.planner_region_id is not None
                and self.planner_region_id == municipality.region_id
                and perm.partition(".")[2].startswith("view_"))


class StakeholderRoleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class StakeholderRole(models.Model):
    """A kind of stakeholder the city recognises: resident, business owner, expert, …"""

    # Roles are the municipality's own: a resident of one is not a resident of another.
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="roles",
        default=municipality_current_or_default_id)
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    default_weight = models.DecimalField(
        max_digits=6, decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_WEIGHT)],
        help_text=_("Weight of a vote cast in this role unless a project overrides it."),
    )
    claim_validity_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text=_("How long a verification lasts; empty means until withdrawn."),
    )
    position = models.PositiveSmallIntegerField(default=0, help_text=_(
        "Order in lists; also breaks ties between equal weights."))
    is_active = models.BooleanField(default=True,
                                    help_text=_("Inactive roles take no new claims."))

    objects = scoped_manager(StakeholderRoleQuerySet, path="municipality")

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "slug"],
                                    name="accounts_role_slug_in_municipality"),
            models.UniqueConstraint(fields=["municipality", "name"],
                                    name="accounts_role_name_in_municipality"),
            models.CheckConstraint(
                condition=Q(default_weight__gte=0) & Q(default_weight__lte=MAX_WEIGHT),
                name="accounts_role_weight_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ClaimStatus(models.TextChoices):
    PENDING = "pending", _("Pending review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (ClaimStatus.PENDING, ClaimStatus.VERIFIED)


def evidence_path(instance: "RoleClaim", filename: str) -> str:
    # The user's own file name may hold personal data; keep only its extension.
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"role-evidence/{instance.user_id}/{timezone.now():%Y%m%d%H%M%S%f}.{suffix}"


class RoleClaimQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ClaimStatus.PENDING)

    def in_force(self, at=None):
        """Verified claims that have not expired at `at`, whatever beat has done yet."""
        at = at or timezone.now()
        return self.filter(status=ClaimStatus.VERIFIED).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=at)
        )


class RoleClaim(models.Model):
    """A user's claim to a stakeholder role, and a planner's decision on it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_claims"
    )
    role = models.ForeignKey(StakeholderRole, on_delete=models.PROTECT, related_name="claims")
    evidence = models.TextField(max_length=4000)
    evidence_file = models.FileField(
        upload_to=evidence_path, storage=private_storage, blank=True, max_length=255
    )
    status = models.CharField(
        max_length=12, choices=ClaimStatus.choices, default=ClaimStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, max_length=2000)
    expires_at = models.DateTimeField(null=True, blank=True)
    decision_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(RoleClaimQuerySet, path="role__municipality")

    class Meta:
        ordering = ["-created_at"]
        permissions = [("verify_roleclaim", "Can verify or reject stakeholder role claims")]
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            # One open (pending or verified) claim per user and role.
            models.UniqueConstraint(
                fields=["user", "role"], condition=Q(status__in=OPEN_STATUSES),
                name="accounts_claim_one_open_per_role",
            ),
            # A decision has a date; a rejection has a reason.
            models.CheckConstraint(
                condition=~Q(status__in=["verified", "rejected"]) | Q(decided_at__isnull=False),
                name="accounts_claim_decision_dated",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(decision_reason=""),
                name="accounts_claim_rejection_reasoned",
            ),
            # Nobody decides on their own claim.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("user")),
                name="accounts_claim_not_self_decided",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(decided_at__isnull=True)
                | Q(expires_at__gt=F("decided_at")),
                name="accounts_claim_expires_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.role} ({self.get_status_display()})"
