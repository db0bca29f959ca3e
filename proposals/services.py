"""Writes and rules for proposals: create, edit, withdraw, flag, hide, restore, answer.

Publishing, a status change and an answer emit an event (core/events.py) inside the
change's transaction; the notifications app tells the author and the followers.

Every entry point (pages, API, admin, demo) goes through these functions, and each
checks the same rules (`proposals.rules`) and the same geometry validator
(`proposals.geometry.geometry_clean`). State changes use claim-by-update, so two
planners acting at once cannot both succeed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core import events
from gisdata.constraints import constraints_check
from gisdata.models import Severity
from proposals import rules
from proposals.geometry import geometry_clean
from proposals.images import image_clean
from proposals.languages import language_active
from proposals.models import (
    MAX_IMAGES,
    Category,
    Flag,
    PhaseKind,
    Project,
    Proposal,
    ProposalImage,
    ProposalStatus,
)


def _refuse(reason: str | None) -> None:
    if reason:
        raise PermissionDenied(reason)


def _missing(label: str) -> str:
    return {"title": _("Write a title."), "description": _("Write a description."),
            "reason": _("Write a reason."), "answer": _("Write an answer.")}[label]


def _text(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: _missing(label)})
    return value


def _category(project: Project, category) -> Category:
    slug = getattr(category, "slug", category)
    found = project.categories.filter(slug=slug).first()
    if found is None:
        raise ValidationError({"category": _("Choose one of this project's categories.")})
    return found


def _geometry(project: Project, geometry):
    try:
        return geometry_clean(geometry, area=project.area)
    except ValidationError as exc:
        raise ValidationError({"geometry": exc.messages}) from exc


def geometry_for(*, project: Project, geometry):
    """A user's geometry checked by the project's rules (for feedback while drawing)."""
    return _geometry(project, geometry)


def _feedback(project: Project, geometry) -> list[dict]:
    """What the city's constraint layers say in this project (a rule may be scoped to
    some projects); a blocking rule refuses the geometry."""
    feedback = constraints_check(geometry, project_id=project.pk)
    blocking = [f.message for f in feedback if f.severity == Severity.BLOCKING]
    if blocking:
        raise ValidationError({"geometry": blocking})
    return [f.as_dict() for f in feedback]


def _images(images: Sequence) -> list[tuple]:
    if len(images) > MAX_IMAGES:
        raise ValidationError(
            {"images": _("Add at most %(count)s pictures.") % {"count": MAX_IMAGES}})
    cleaned = []
    for upload in images:
        try:
            cleaned.append(image_clean(upload))
        except ValidationError as exc:
            raise ValidationError({"images": exc.messages}) from exc
    return cleaned


def phases_as_stored(project: Project | None,
                     phases: Sequence[tuple[str, datetime, datetime]],
                     ) -> list[tuple[str, datetime, datetime]]:
    """`phases` as submitted by a form that shows dates to the minute (the dashboard) or
    the second (the admin), with each date that is the stored one so shown put back as
    stored: a planner who saves the page without touching a date has not moved it by
    the seconds it held."""
    if project is None or project.pk is None:
        return list(phases)
    stored = {p.kind: (p.starts_at, p.ends_at) for p in project.phases.all()}

    def kept(kind: str, which: int, value: datetime) -> datetime:
        old = stored.get(kind, (None, None))[which]
        if old is not None and value in (old.replace(microsecond=0),
                                         old.replace(second=0, microsecond=0)):
            return old
        return value

    return [(kind, kept(kind, 0, start), kept(kind, 1, end)) for kind, start, end in phases]


def phases_check(phases: Sequence[tuple[str, datetime, datetime]], *,
                 project: Project | None = None, at: datetime | None = None) -> None:
    """Check a project's phases before saving them: each opens before it closes, each kind
    once, in the order ideation → voting → decision → implementation, without overlap;
    and, for an existing `project`, that a voting phase which has opened keeps its start.

    The database holds the same rules as constraints and triggers (the last one in
    voting/migrations/0003); this says what is wrong in words.
    """
    from proposals.models import PHASE_ORDER

    errors = []
    opened = None
    if project is not None and project.pk is not None:
        opened = project.phases.filter(kind=PhaseKind.VOTING,
                                       starts_at__lte=at or timezone.now()).first()
    if opened is not None and (PhaseKind.VOTING, opened.starts_at) not in {
            (kind, start) for kind, start, _end in phases}:
        errors.append(_(
            "Voting opened on %(date)s: its start can no longer move, nor the phase be "
            "removed, because the voting weights are frozen from that moment.") % {
            "date": date_format(timezone.localtime(opened.starts_at), "DATETIME_FORMAT")})
    kinds = [kind for kind, _start, _end in phases]
    if len(set(kinds)) != len(kinds):
        errors.append(_("Each kind of phase may appear once."))
    for kind, start, end in phases:
        if start >= end:
            errors.append(_("The %(kind)s phase must open before it closes.") % {"kind": kind})
    ordered = sorted(phases, key=lambda p: p[1])
    if [k for k, _start, _end in ordered] != [k for k in PHASE_ORDER if k in kinds]:
        errors.append(_("Phases follow each other: ideation, voting, decision, "
                        "implementation."))
    for (kind_a, _start_a, end_a), (kind_b, start_b, _end_b) in zip(ordered, ordered[1:],
                                                                     strict=False):
        if start_b < end_a:
            errors.append(_("The %(later)s phase starts before the %(earlier)s phase ends.")
                          % {"later": kind_b, "earlier": kind_a})
    if errors:
        raise ValidationError(errors)


def proposal_create(
    *, project: Project, author, title: str, body: str, category, geometry,
    images: Sequence = (), at: datetime | None = None,
) -> Proposal:
    """Place a new proposal on the project's map while ideation is open."""
    _refuse(rules.why_not_create(author, project, at))
    errors = {}
    values = {}
    for name, check in (
        ("title", lambda: _text(title, "title", "title")),
        ("body", lambda: _text(body, "body", "description")),
        ("category", lambda: _category(project, category)),
        ("geometry", lambda: _geometry(project, geometry)),
        ("images", lambda: _images(images)),
    ):
        try:
            values[name] = check()
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "geometry" in values:
        try:
            values["feedback"] = _feedback(project, values["geometry"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    status = (ProposalStatus.SUBMITTED if project.moderate_before_publishing
              else ProposalStatus.PUBLISHED)
    stored = []
    try:
        with transaction.atomic():
            proposal = Proposal.objects.create(
                project=project, author=author, title=values["title"], body=values["body"],
                category=values["category"], geometry=values["geometry"], status=status,
                constraint_feedback=values["feedback"], language=language_active(),
            )
            # Its district and neighbourhood, set by the database (proposals 0013).
            proposal.refresh_from_db(fields=["district", "neighbourhood"])
            for position, (content, ext, (width, height)) in enumerate(values["images"]):
                picture = ProposalImage(proposal=proposal, position=position,
                                        width=width, height=height)
                picture.ext = ext
                picture.image.save(f"image.{ext}", content, save=False)
                stored.append(picture.image)
                picture.save()
            if status == ProposalStatus.PUBLISHED:
                events.event_emit(events.PROPOSAL_PUBLISHED, project_id=project.pk,
                                  proposal_id=proposal.pk, actor_id=author.pk)
    except Exception:
        for image in stored:  # files are not part of the transaction
            image.storage.delete(image.name)
        raise
    return proposal


def proposal_update(
    *, proposal: Proposal, user, title: str | None = None, body: str | None = None,
    category=None, geometry=None, at: datetime | None = None,
) -> Proposal:
    """The author changes their proposal, until voting opens."""
    _refuse(rules.why_not_edit(user, proposal, at))
    changes = {}
    if title is not None:
        changes["title"] = _text(title, "title", "title")
    if body is not None:
        changes["body"] = _text(body, "body", "description")
    if category is not None:
        changes["category"] = _category(proposal.project, category)
    if geometry is not None:
        changes["geometry"] = _geometry(proposal.project, geometry)
        changes["constraint_feedback"] = _feedback(proposal.project, changes["geometry"])
    for field, value in changes.items():
        setattr(proposal, field, value)
    proposal.save(update_fields=[*changes, "updated_at"])
    if "geometry" in changes:  # moved: the database placed it again (proposals 0013)
        proposal.refresh_from_db(fields=["district", "neighbourhood"])
    return proposal


def proposal_withdraw(*, proposal: Proposal, user, at: datetime | None = None) -> Proposal:
    _refuse(rules.why_not_withdraw(user, proposal, at))
    updated = Proposal.objects.filter(
        pk=proposal.pk, status__in=rules.WITHDRAWABLE
    ).update(status=ProposalStatus.WITHDRAWN, updated_at=timezone.now())
    if not updated:
        raise ValidationError(_("This proposal changed meanwhile; reload the page."))
    proposal.refresh_from_db()
    return proposal


def proposal_flag(*, proposal: Proposal, user, reason: str) -> Flag:
    _refuse(rules.why_not_flag(user, proposal))
    reason = _text(reason, "reason", "reason")
    try:
        with transaction.atomic():
            return Flag.objects.create(proposal=proposal, user=user, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("You have already reported this proposal."),
                              code="already_flagged") from exc


def _moderate(proposal: Proposal, planner, reason: str, *, hide: bool) -> Proposal:
    if not rules.can_moderate(planner):
        raise PermissionDenied(_("Only planners can hide or restore proposals."))
    reason = _text(reason, "reason", "reason")
    with transaction.atomic():
        updated = Proposal.objects.filter(pk=proposal.pk, is_hidden=not hide).update(
            is_hidden=hide, hidden_reason=reason if hide else "", updated_at=timezone.now())
        if not updated:
            raise ValidationError(_("This proposal is already hidden.") if hide else
                                  _("This proposal is already visible."), code="no_change")
        audit_record(actor=planner, target=proposal, reason=reason,
                     project_id=proposal.project_id,
                     action=AuditAction.PROPOSAL_HIDE if hide else AuditAction.PROPOSAL_RESTORE)
    proposal.refresh_from_db()
    return proposal


def proposal_hide(*, proposal: Proposal, planner, reason: str) -> Proposal:
    """Hide a proposal from everyone but planners and its author, saying why."""
    return _moderate(proposal, planner, reason, hide=True)


def proposal_restore(*, proposal: Proposal, planner, reason: str) -> Proposal:
    return _moderate(proposal, planner, reason, hide=False)


def proposal_flags_dismiss(*, proposal: Proposal, planner, reason: str) -> int:
    """Dismiss the reports on a proposal that breaks no rule; returns how many.

    The reports are deleted (a reporter may report again if the proposal changes) and
    the log keeps who reported what, and why the planner dismissed it.
    """
    if not rules.can_moderate(planner):
        raise PermissionDenied(_("Only planners can dismiss reports."))
    reason = _text(reason, "reason", "reason")
    with transaction.atomic():
        flags = list(Flag.objects.select_for_update().filter(proposal=proposal)
                     .order_by("created_at").values_list("user_id", "reason"))
        if not flags:
            raise ValidationError(_("This proposal has no reports to dismiss."), code="no_change")
        Flag.objects.filter(proposal=proposal).delete()
        audit_record(actor=planner, action=AuditAction.PROPOSAL_FLAGS_DISMISS,
                     target=proposal, reason=reason, project_id=proposal.project_id,
                     details={"reports": [{"user_id": u, "reason": r} for u, r in flags]})
    return len(flags)


TRANSITIONS = {
    ProposalStatus.SUBMITTED: {ProposalStatus.PUBLISHED, ProposalStatus.REJECTED},
    ProposalStatus.PUBLISHED: {ProposalStatus.SHORTLISTED, ProposalStatus.ACCEPTED,
                               ProposalStatus.REJECTED},
    ProposalStatus.SHORTLISTED: {ProposalStatus.ACCEPTED, ProposalStatus.REJECTED},
    ProposalStatus.ACCEPTED: {ProposalStatus.IMPLEMENTED},
}


def proposal_set_status(*, proposal: Proposal, planner, status: str,
                        answer: str = "") -> Proposal:
    """Move a proposal along its life (TRANSITIONS), with the city's official answer."""
    if not rules.can_answer(planner):
        raise PermissionDenied(_("Only planners can change a proposal's status."))
    current = proposal.status
    if status not in TRANSITIONS.get(current, ()):
        raise ValidationError({"status": _("A %(current)s proposal cannot become %(status)s.")
                               % {"current": current, "status": status}})
    answer = (answer or "").strip()
    if status in (ProposalStatus.ACCEPTED, ProposalStatus.REJECTED) and not answer:
        raise ValidationError({"answer": _("Accepting or rejecting needs an official answer.")})
    fields = {"status": status, "updated_at": timezone.now()}
    if answer:
        fields["official_answer"] = answer
    with transaction.atomic():
        if not Proposal.objects.filter(pk=proposal.pk, status=current).update(**fields):
            raise ValidationError(_("This proposal changed meanwhile; reload the page."))
        audit_record(actor=planner, action=AuditAction.PROPOSAL_STATUS, target=proposal,
                     reason=answer, project_id=proposal.project_id,
                     details={"status": [current, status], "answered": bool(answer)})
        # The author and the followers hear of it (a planner's own proposal: not its
        # author, who did it); moderation publishing it is news to everyone else too.
        events.event_emit(events.PROPOSAL_STATUS, project_id=proposal.project_id,
                          proposal_id=proposal.pk, actor_id=planner.pk,
                          data={"status": status, "before": current, "answer": answer})
        if current == ProposalStatus.SUBMITTED and status == ProposalStatus.PUBLISHED:
            events.event_emit(events.PROPOSAL_PUBLISHED, project_id=proposal.project_id,
                              proposal_id=proposal.pk, actor_id=planner.pk)
    proposal.refresh_from_db()
    return proposal


def proposal_answer(*, proposal: Proposal, planner, answer: str) -> Proposal:
    """Write or correct the city's official answer without changing the status."""
    if not rules.can_answer(planner):
        raise PermissionDenied(_("Only planners can answer proposals."))
    answer = _text(answer, "answer", "answer")
    if len(answer) > 5000:
        raise ValidationError({"answer": _("Write at most 5000 characters.")})
    if proposal.status == ProposalStatus.WITHDRAWN:
        raise ValidationError({"answer": _("A withdrawn proposal takes no answer.")})
    before = proposal.official_answer
    with transaction.atomic():
        if not Proposal.objects.filter(pk=proposal.pk, official_answer=before).update(
                official_answer=answer, updated_at=timezone.now()):
            raise ValidationError(_("This proposal changed meanwhile; reload the page."))
        audit_record(actor=planner, action=AuditAction.PROPOSAL_ANSWER, target=proposal,
                     reason=answer, project_id=proposal.project_id,
                     details={"before": before})
        events.event_emit(events.PROPOSAL_STATUS, project_id=proposal.project_id,
                          proposal_id=proposal.pk, actor_id=planner.pk,
                          data={"status": proposal.status, "before": proposal.status,
                                "answer": answer})
    proposal.refresh_from_db()
    return proposal
