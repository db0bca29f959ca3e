"""Writes and rules for accounts: the stakeholder roles, role claims and their
verification.

Decisions use claim-by-update (`filter(status=PENDING).update(...) == 1`), so two
planners deciding at once, or one clicking twice, cannot both win; the database
constraints on RoleClaim hold the rest (one open claim per role, no self-decision,
a rejection always has a reason).
"""

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import (
    MAX_WEIGHT,
    OPEN_STATUSES,
    ClaimStatus,
    RoleClaim,
    StakeholderRole,
    User,
)
from accounts.validators import evidence_file_kind
from audit.models import AuditAction
from audit.services import audit_record
from core import tenancy
from municipalities.links import links_for


class ClaimAlreadyDecided(ValidationError):
    """The claim is no longer in the state the decision needs."""


def _require_planner(planner: User) -> None:
    if not (planner.is_active and planner.has_perm("accounts.verify_roleclaim")):
        raise PermissionDenied(_("Only planners can decide on role claims."))


ROLE_TEXTS = ("name", "description")  # translated: one column per language
ROLE_COLUMNS = frozenset(  # their other languages' columns: name_ca, description_es…
    f"{text}_{code}" for text in ROLE_TEXTS for code, _name in settings.LANGUAGES
    if code != settings.MODELTRANSLATION_DEFAULT_LANGUAGE)
ROLE_NAME_MAX = 100
WEIGHT_STEP = Decimal("0.001")  # the column's three decimals


def _role_weight(value) -> Decimal:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        weight = None
    if weight is None or not weight.is_finite() or not (0 <= weight <= MAX_WEIGHT) \
            or weight.as_tuple().exponent < -3:
        raise ValidationError({"default_weight": _(
            "A weight is between 0 and %(max)s, with at most three decimals.")
            % {"max": MAX_WEIGHT}})
    return weight.quantize(WEIGHT_STEP)


def _role_values(*, name: str, description: str, default_weight, claim_validity_days,
                 position: int, is_active: bool, translations: dict[str, str]) -> dict:
    """What the role will hold, checked: the English texts under their plain names
    (as the audit entry shows them), the other languages' by column."""
    if set(translations) - ROLE_COLUMNS:
        raise ValueError(f"Not a role's translated column: {sorted(translations)}")
    texts = {column: (text or "").strip() for column, text in sorted(translations.items())}
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the role.")})
    if any(len(text) > ROLE_NAME_MAX for column, text in [("name", name), *texts.items()]
           if column.startswith("name")):
        raise ValidationError({"name": _("Write at most %(n)s characters.")
                               % {"n": ROLE_NAME_MAX}})
    if claim_validity_days is not None and claim_validity_days < 1:
        # 0 would read as "no expiry" where a verification's expiry is computed.
        raise ValidationError({"claim_validity_days": _(
            "Give at least one day, or leave it empty: a verification then lasts until "
            "it is withdrawn.")})
    return {"name": name, "description": (description or "").strip(),
            "default_weight": _role_weight(default_weight),
            "claim_validity_days": claim_validity_days, "position": int(position),
            "is_active": bool(is_active), **texts}


def _role_column(field: str) -> str:
    """The column a value of `_role_values` goes to: the English text's for a plain name."""
    return f"{field}_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}" if field in ROLE_TEXTS \
        else field


def _role_snapshot(role: StakeholderRole, fields) -> dict:
    snapshot = {field: getattr(role, _role_column(field)) for field in fields}
    return {field: (value or "") if field in ROLE_TEXTS or field in ROLE_COLUMNS else value
            for field, value in snapshot.items()}


def _role_change(before: dict, after: dict) -> dict:
    """The audit entry's details: each changed value as [before, after], in JSON."""
    def shown(value):
        return str(value) if isinstance(value, Decimal) else value
    return {field: [shown(before.get(field)), shown(value)] for field, value in after.items()
            if before.get(field) != value}


def role_save(*, planner: User, role: StakeholderRole | None = None, slug: str = "",
              name: str, description: str = "", default_weight,
              claim_validity_days: int | None = None, position: int = 0,
              is_active: bool = True,
              translations: dict[str, str] | None = None) -> StakeholderRole:
    """Add a stakeholder role (`role` None, named by `slug`) or change one, with an
    audit entry of what changed.

    `name` and `description` are the English text; `translations` the others by column
    (name_ca, description_es…), '' for none. The slug stays as the role was added: the
    API, the weights' audit entries and the demo data name the role by it. A new
    default weight counts in the projects whose voting has not opened; where it has,
    the database keeps the weight that applied until then for that project (voting's
    migration 0003), so every vote there weighs what was published before it opened.
    """
    perm = "accounts.add_stakeholderrole" if role is None else "accounts.change_stakeholderrole"
    if not (planner.is_authenticated and planner.is_active and planner.has_perm(perm)):
        raise PermissionDenied(_("Only planners can change stakeholder roles."))
    after = _role_values(name=name, description=description, default_weight=default_weight,
                         claim_validity_days=claim_validity_days, position=position,
                         is_active=is_active, translations=dict(translations or {}))
    if role is None and not (slug or "").strip():
        raise ValidationError({"slug": _("Give the role a slug.")})
    try:
        with transaction.atomic():
            if role is None:
                role, before = StakeholderRole(slug=slug.strip()), {}
                after = {"slug": role.slug, **after}
            else:
                role = StakeholderRole.objects.select_for_update().get(pk=role.pk)
                before = _role_snapshot(role, after)
                if before == after:
                    return role
            for field, value in after.items():
                # An empty translation is NULL: the reader gets the English text instead.
                setattr(role, _role_column(field),
                        (value or None) if field in ROLE_COLUMNS else value)
            role.save()
            audit_record(actor=planner, target=role, details=_role_change(before, after),
                         action=AuditAction.ROLE_UPDATE if before else AuditAction.ROLE_CREATE)
    except IntegrityError as exc:
        raise ValidationError(_("Another role has this name or slug.")) from exc
    return role


def role_claim_submit(
    *, user: User, role: StakeholderRole, evidence: str, evidence_file=None
) -> RoleClaim:
    """File `user`'s claim to `role`, pending a planner's decision."""
    if not role.is_active:
        raise ValidationError({"role": _("This role no longer takes new claims.")})
    served = tenancy.current_id()
    if served is not None and role.municipality_id != served:
        # Roles are each municipality's own: a resident of one is not one of another.
        raise ValidationError({"role": _("This role is not one of this municipality's.")})
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": _("Say why you hold this role.")})
    if evidence_file is not None:
        try:
            evidence_file_kind(evidence_file)
        except ValidationError as exc:
            raise ValidationError({"evidence_file": exc.messages}) from exc
    claim = RoleClaim(user=user, role=role, evidence=evidence, evidence_file=evidence_file)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError as exc:
        if claim.evidence_file.name:  # saved to storage before the row failed
            claim.evidence_file.storage.delete(claim.evidence_file.name)
        if "accounts_claim_one_open_per_role" in str(exc):
            raise ValidationError(
                {"role": _("You already have an open claim as %(role)s.") % {"role": role.name}}
            ) from exc
        raise
    return claim


def _decide(
    *, claim_id: int, planner: User, from_status: str, now: datetime, action: str,
    **fields
) -> RoleClaim:
    _require_planner(planner)
    claim = RoleClaim.objects.select_related("user", "role__municipality").get(pk=claim_id)
    if claim.user_id == planner.pk:
        raise PermissionDenied(_("Nobody can decide on their own role claim."))
    with transaction.atomic():
        updated = RoleClaim.objects.filter(pk=claim_id, status=from_status).update(
            decided_by=planner, decided_at=now, updated_at=now, **fields
        )
        if updated != 1:
            claim.refresh_from_db(fields=["status"])
            raise ClaimAlreadyDecided(
                _("This claim is %(status)s; it cannot be decided again.")
                % {"status": claim.get_status_display().lower()}, code="already_decided",
            )
        claim.refresh_from_db()
        expires = claim.expires_at.isoformat() if claim.expires_at else None
        audit_record(actor=planner, action=action, target=claim,
                     reason=claim.decision_reason,
                     details={"citizen": claim.user.username, "role": claim.role.slug,
                              "status": [from_status, claim.status], "expires_at": expires})
        from accounts.tasks import role_claim_notify_decision_task

        role_claim_notify_decision_task.delay_on_commit(claim_id)
    return claim


def role_claim_verify(
    *, claim_id: int, planner: User, expires_at: datetime | None = None,
    now: datetime | None = None,
) -> RoleClaim:
    """Verify a pending claim. Without `expires_at`, the role's validity period applies."""
    now = now or timezone.now()
    if expires_at is None:
        days = RoleClaim.objects.filter(pk=claim_id).values_list(
            "role__claim_validity_days", flat=True
        ).first()
        expires_at = now + timedelta(days=days) if days else None
    elif expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must lie in the future.")})
    return _decide(
        claim_id=claim_id, planner=planner, from_status=ClaimStatus.PENDING, now=now,
        status=ClaimStatus.VERIFIED, expires_at=expires_at, decision_reason="",
        action=AuditAction.CLAIM_VERIFY,
    )


def role_claim_reject(
    *, claim_id: int, planner: User, reason: str, now: datetime | None = None
) -> RoleClaim:
    """Reject a pending claim, saying why (the citizen is told the reason)."""
    return _decide(
        claim_id=claim_id, planner=planner, from_status=ClaimStatus.PENDING,
        now=now or timezone.now(), status=ClaimStatus.REJECTED,
        decision_reason=_reason(reason), action=AuditAction.CLAIM_REJECT,
    )


def role_claim_revoke(
    *, claim_id: int, planner: User, reason: str, now: datetime | None = None
) -> RoleClaim:
    """Withdraw a verification given earlier (the role was wrongly granted), saying why.

    Votes already cast keep the weight they were cast with; see docs/voting-weights.md.
    """
    return _decide(
        claim_id=claim_id, planner=planner, from_status=ClaimStatus.VERIFIED,
        now=now or timezone.now(), status=ClaimStatus.REJECTED,
        decision_reason=_reason(reason), action=AuditAction.CLAIM_REVOKE,
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the citizen a reason.")})
    return reason


def role_claim_set_expiry(
    *, claim_id: int, planner: User, expires_at: datetime | None, reason: str = "",
    now: datetime | None = None,
) -> RoleClaim:
    """Change when a verified claim expires (None: never), e.g. a lease's end date.

    The citizen is not e-mailed again: the claim stays verified; their profile shows
    the new date.
    """
    _require_planner(planner)
    now = now or timezone.now()
    if expires_at is not None and expires_at <= now:
        raise ValidationError({"expires_at": _("The expiry must lie in the future.")})
    claim = RoleClaim.objects.select_related("user", "role").get(pk=claim_id)
    if claim.user_id == planner.pk:
        raise PermissionDenied(_("Nobody can decide on their own role claim."))
    before = claim.expires_at
    with transaction.atomic():
        if not RoleClaim.objects.filter(pk=claim_id, status=ClaimStatus.VERIFIED).update(
                expires_at=expires_at, updated_at=now):
            raise ClaimAlreadyDecided(_("Only a verified claim has an expiry to change."),
                                      code="not_verified")
        claim.refresh_from_db()
        audit_record(actor=planner, action=AuditAction.CLAIM_EXPIRY, target=claim,
                     reason=reason, details={
                         "citizen": claim.user.username, "role": claim.role.slug,
                         "expires_at": [before.isoformat() if before else None,
                                        expires_at.isoformat() if expires_at else None]})
    return claim


def role_claim_withdraw(*, claim_id: int, user: User) -> None:
    """The citizen takes back their own pending or verified claim."""
    updated = RoleClaim.objects.filter(
        pk=claim_id, user=user, status__in=OPEN_STATUSES
    ).update(status=ClaimStatus.WITHDRAWN, updated_at=timezone.now())
    if updated != 1:
        raise ValidationError(_("This claim is not open, or is not yours."), code="not_open")


def role_claims_expire(*, now: datetime | None = None) -> int:
    """Mark verified claims past their expiry as expired; returns how many.

    Weights never depend on this having run (selectors check `expires_at`); it keeps
    the status that citizens and planners read truthful.
    """
    now = now or timezone.now()
    return RoleClaim.objects.filter(
        status=ClaimStatus.VERIFIED, expires_at__lte=now
    ).update(status=ClaimStatus.EXPIRED, updated_at=now)


def role_claim_notify_decision(*, claim_id: int) -> bool:
    """E-mail the citizen the decision on their claim, at most once.

    The claim on `decision_notified_at` is taken before sending and given back
    if sending fails, so a retry sends, and a duplicate delivery does not.
    """
    now = timezone.now()
    if not RoleClaim.objects.filter(pk=claim_id, decision_notified_at__isnull=True).exclude(
        status=ClaimStatus.PENDING
    ).update(decision_notified_at=now):
        return False
    claim = RoleClaim.objects.select_related("user", "role").get(pk=claim_id)
    if not claim.user.email:
        return False
    context = {"claim": claim, "site_name": settings.SITE_NAME}
    try:
        # The worker has no request: the citizen's language, the role's municipality.
        with translation.override(claim.user.email_language), \
                links_for(claim.role.municipality) as origin:
            context["site_url"] = origin
            send_mail(
                subject=_("[%(site)s] Your claim as %(role)s: %(status)s") % {
                    "site": settings.SITE_NAME, "role": claim.role.name,
                    "status": claim.get_status_display().lower()},
                message=render_to_string("accounts/email/claim_decided.txt", context),
                from_email=None,
                recipient_list=[claim.user.email],
            )
    except Exception:
        RoleClaim.objects.filter(pk=claim_id).update(decision_notified_at=None)
        raise
    return True


def user_language_set(*, user: User, language: str) -> bool:
    """Keep `language` as the one Plaza writes to `user` in (their e-mails), when it is
    one of the site's; False when it is not, or was already theirs."""
    if language not in dict(settings.LANGUAGES) or user.language == language:
        return False
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return True


def user_terms_accept(*, user: User, version: str, at: datetime | None = None) -> None:
    """Record that `user` accepted the terms of use and privacy policy `version` at `at`.

    Written on the user being signed up (allauth saves it next); an account that exists
    is updated in the database too."""
    user.terms_version = version
    user.terms_accepted_at = at or timezone.now()
    if user.pk:
        User.objects.filter(pk=user.pk).update(terms_version=user.terms_version,
                                               terms_accepted_at=user.terms_accepted_at)
