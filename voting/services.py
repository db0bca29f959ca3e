"""Writes and rules for voting: a project's weights, and casting or withdrawing a vote.

A vote's role and weight are decided here, on the server, from the voter's verified
roles at the moment of casting (accounts.selectors.voting_weight_resolve); whatever a
client sends about them is never read. One vote per user and proposal is an upsert
(`INSERT … ON CONFLICT DO UPDATE`) against the unique constraint, so fifty identical
requests at once leave exactly one row.

Casting is one statement when it is allowed (`_cast_at_once`): the proposal's checks,
the voter's best verified role, the project's weight for it and the upsert, in one round
trip. When that statement writes nothing, the rules are checked again step by step, which
says why (or casts, for what the statement leaves to them: planners, moderators, authors,
unlisted projects opened by taking part).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import MAX_WEIGHT, ClaimStatus, StakeholderRole
from accounts.selectors import voting_weight_resolve
from audit.models import AuditAction
from audit.services import audit_record
from core import events, tenancy
from proposals.models import PhaseKind, Project, Proposal, Visibility
from proposals.selectors import proposals_visible
from proposals.vote_gates import vote_gate_refusal, vote_gates_pass_sql
from voting.models import ProjectVoting, RoleWeight, Vote, VoteValue, VotingMethod
from voting.selectors import VOTABLE_STATUSES, project_weights, voting_rules, weights_frozen


def _weight(value) -> Decimal:
    try:
        weight = Decimal(str(value))
    except ArithmeticError as exc:
        raise ValidationError(_("A weight is a number.")) from exc
    if not (Decimal("0") <= weight <= MAX_WEIGHT) or weight.as_tuple().exponent < -3:
        raise ValidationError(_("A weight is between 0 and %(max)s, "
                                "with at most three decimals.") % {"max": MAX_WEIGHT})
    return weight


def role_weights_set(*, project: Project, planner, weights: Mapping[str, object],
                     unverified_weight=None, reason: str = "") -> None:
    """Set a project's weights (role slug → weight) and, optionally, the unverified weight.

    A weight of None takes the project's own weight for that role away: the role's
    default applies again. Refused once voting has opened: the weights must be the ones
    published before it, and every vote is cast with them (docs/voting-weights.md,
    "Frozen weights").
    """
    if not (planner.is_authenticated and planner.has_perm("voting.change_roleweight")):
        raise PermissionDenied(_("Only planners can set voting weights."))
    if weights_frozen(project):
        raise ValidationError(_("Voting has opened: the weights are frozen."), code="frozen")
    # The project's municipality's roles: slugs repeat from one municipality to another.
    roles = {r.slug: r for r in StakeholderRole.objects.filter(
        slug__in=list(weights), municipality_id=project.municipality_id)}
    unknown = set(weights) - set(roles)
    if unknown:
        raise ValidationError(_("Unknown roles: %(roles)s.")
                              % {"roles": ", ".join(sorted(unknown))})
    cleaned = {slug: None if value is None else _weight(value)
               for slug, value in weights.items()}
    unverified = _weight(unverified_weight) if unverified_weight is not None else None
    current = project_weights(project)
    before = {slug: str(current[role.pk]) for slug, role in roles.items()}
    after = {}
    with transaction.atomic():
        for slug, weight in cleaned.items():
            if weight is None:
                RoleWeight.objects.filter(project=project, role=roles[slug]).delete()
                after[slug] = str(roles[slug].default_weight)
            else:
                RoleWeight.objects.update_or_create(project=project, role=roles[slug],
                                                    defaults={"weight": weight})
                after[slug] = str(weight)
        details = {"weights": {slug: [before[slug], after[slug]] for slug in cleaned}}
        if unverified is not None:
            details["unverified_weight"] = [str(voting_rules(project).unverified_weight),
                                            str(unverified)]
            ProjectVoting.objects.update_or_create(
                project=project, defaults={"unverified_weight": unverified})
        audit_record(actor=planner, action=AuditAction.WEIGHTS_SET, target=project,
                     project_id=project.pk, details=details, reason=reason)


def results_public_set(*, project: Project, planner, public: bool, reason: str = "") -> None:
    """Open the project's results page and tallies to everyone, or close them again.

    Allowed at any time (it changes no weight). Creates the project's voting rules if it
    has none yet (with an unverified weight of 0, the weight that applies without them).
    """
    if not (planner.is_authenticated and planner.has_perm("voting.change_projectvoting")):
        raise PermissionDenied(_("Only planners can publish results."))
    with transaction.atomic():
        rules, created = ProjectVoting.objects.select_for_update().get_or_create(
            project=project, defaults={"results_public": public})
        before = False if created else rules.results_public
        if before == public:
            return
        if not created:
            ProjectVoting.objects.filter(pk=rules.pk).update(results_public=public)
        audit_record(actor=planner, action=AuditAction.PROJECT_UPDATE, target=project,
                     project_id=project.pk, details={"results_public": [str(before),
                                                                        str(public)]},
                     reason=reason)
        if public:  # followers hear of it (notifications); closing them again is not news
            events.event_emit(events.RESULTS_PUBLISHED, project_id=project.pk,
                              actor_id=planner.pk)


def _check_votable(user, proposal: Proposal, at: datetime) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to vote."))
    project = proposal.project
    phase = project.current_phase(at)
    if phase is None or phase.kind != PhaseKind.VOTING:
        raise PermissionDenied(_("Votes are taken only while the voting phase is open."))
    if proposal.is_hidden or proposal.status not in VOTABLE_STATUSES:
        raise PermissionDenied(_("This proposal is not open to votes."))
    if voting_rules(project).method == VotingMethod.BUDGET:
        raise PermissionDenied(_("This project votes with a budget: pick proposals on "
                                 "its ballot."))
    if not proposals_visible(user=user, project=project).filter(pk=proposal.pk).exists():
        raise PermissionDenied(_("This proposal is not open to votes."))


# One round trip for a vote that every rule allows; no row when one of them refuses (or
# when only a privileged reader could see the proposal, or a vote gate may refuse it:
# proposals/vote_gates.py). The conditions are those of
# `_check_votable` for a proposal everyone may read, and the weight is
# `voting_weight_resolve`'s: the verified role in force whose weight in the project is
# highest (the first by position on a tie), else the weight of unverified participants.
_CAST_SQL = """
WITH target AS (
    SELECT pr.id, pr.project_id, pj.municipality_id FROM proposals_proposal pr
      JOIN proposals_project pj ON pj.id = pr.project_id
     WHERE pr.id = %(proposal)s AND NOT pr.is_hidden AND pr.status = ANY(%(votable)s)
       AND (%(served)s::bigint[] IS NULL OR pj.municipality_id = ANY(%(served)s))
       AND (NOT %(readable_projects)s OR pj.visibility = %(public)s
            OR (pj.visibility = %(unlisted)s AND pj.id = ANY(%(unlisted_ids)s)))
       AND NOT EXISTS (SELECT 1 FROM voting_projectvoting pv
                        WHERE pv.project_id = pr.project_id AND pv.method = %(budget)s)
       AND {gates}
       AND EXISTS (SELECT 1 FROM proposals_phase ph
                    WHERE ph.project_id = pr.project_id AND ph.kind = %(voting)s
                      AND ph.starts_at <= %(at)s AND ph.ends_at > %(at)s)
), resolved AS (
    SELECT t.id AS proposal_id, best.role_id,
           COALESCE(best.weight, (SELECT pv.unverified_weight FROM voting_projectvoting pv
                                   WHERE pv.project_id = t.project_id), 0) AS weight
      FROM target t LEFT JOIN LATERAL (
           SELECT r.id AS role_id, COALESCE(rw.weight, r.default_weight) AS weight
             FROM accounts_roleclaim c
             JOIN accounts_stakeholderrole r ON r.id = c.role_id
             LEFT JOIN voting_roleweight rw ON rw.project_id = t.project_id
                                           AND rw.role_id = r.id
            WHERE c.user_id = %(user)s AND c.status = %(verified)s
              AND r.municipality_id = t.municipality_id
              AND (c.expires_at IS NULL OR c.expires_at > %(at)s)
            ORDER BY 2 DESC, r.position, r.id LIMIT 1) best ON true
), written AS (
    INSERT INTO voting_vote (proposal_id, user_id, value, role_id, weight, created_at,
                             updated_at)
    SELECT proposal_id, %(user)s, %(value)s, role_id, weight, %(now)s, %(now)s
      FROM resolved WHERE weight > 0
    ON CONFLICT (user_id, proposal_id) DO UPDATE
       SET value = EXCLUDED.value, role_id = EXCLUDED.role_id, weight = EXCLUDED.weight,
           updated_at = EXCLUDED.updated_at
    RETURNING id, weight, created_at, updated_at, role_id
)
SELECT w.id, w.weight, w.created_at, w.updated_at, {role_columns}
  FROM written w LEFT JOIN accounts_stakeholderrole r ON r.id = w.role_id
"""


def _served_ids() -> list[int] | None:
    visible = tenancy.visible_ids()
    return None if visible is None else sorted(visible)


def _cast_at_once(*, user, proposal_id: int, value: int, at: datetime,
                  readable_projects: bool) -> Vote | None:
    """The vote written in one statement, or None when a rule refused it or is left to
    the step-by-step path. `readable_projects` also requires the proposal's project to
    be one any voter may open (public, or unlisted with its link)."""
    fields = StakeholderRole._meta.concrete_fields
    sql = _CAST_SQL.format(role_columns=", ".join(f"r.{f.column}" for f in fields),
                           gates=vote_gates_pass_sql("pr.id"))
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            "proposal": proposal_id, "user": user.pk, "value": value, "at": at,
            "now": timezone.now(), "votable": list(VOTABLE_STATUSES),
            "readable_projects": readable_projects, "public": Visibility.PUBLIC.value,
            "unlisted": Visibility.UNLISTED.value,
            "unlisted_ids": sorted(getattr(user, "unlisted_project_ids", ())),
            "voting": PhaseKind.VOTING.value, "budget": VotingMethod.BUDGET.value,
            "verified": ClaimStatus.VERIFIED.value,
            # The municipalities being served (None: outside a request, no filter), as
            # the proposals' manager would read them; roles only the project's own.
            "served": _served_ids()})
        row = cursor.fetchone()
    if row is None:
        return None
    pk, weight, created_at, updated_at, *role_row = row
    role = (None if role_row[0] is None else
            StakeholderRole.from_db(connection.alias, [f.attname for f in fields], role_row))
    return Vote(pk=pk, user=user, proposal_id=proposal_id, value=value, role=role,
                weight=weight, created_at=created_at, updated_at=updated_at)


def vote_cast_readable(*, user, proposal_id: int, value: int) -> Vote | None:
    """The API's vote by the proposal's id, in one statement: None when the proposal is
    not one that any voter may read and vote on now, or a rule refuses the vote; then
    the caller looks the proposal up and calls `vote_cast`, which says why."""
    if not user.is_authenticated or value not in VoteValue.values:
        return None
    return _cast_at_once(user=user, proposal_id=proposal_id, value=value,
                         at=timezone.now(), readable_projects=True)


def voter_weight(*, user, project: Project, at: datetime):
    """The role and weight `user` votes with in `project` at `at` (a vote's, a budget
    ballot's); PermissionDenied, saying why, when that weight is 0."""
    rules = voting_rules(project)
    resolved = voting_weight_resolve(user=user, role_weights=project_weights(project),
                                     unverified_weight=rules.unverified_weight, at=at,
                                     municipality_id=project.municipality_id)
    if resolved.weight <= 0:
        raise PermissionDenied(
            _("In this project only participants with a verified stakeholder role may "
              "vote; claim your role on your profile page.") if resolved.role is None else
            _("In this project, votes as %(role)s do not count.")
            % {"role": resolved.role.name})
    return resolved


def vote_cast(*, user, proposal: Proposal, value: int, at: datetime | None = None) -> Vote:
    """Cast or change `user`'s vote; the role and weight are resolved now, on the server."""
    if value not in VoteValue.values:
        raise ValidationError({"value": _("Vote support, oppose or abstain.")})
    at = at or timezone.now()
    if (user.is_authenticated and not proposal.is_hidden
            and proposal.status in VOTABLE_STATUSES):
        vote = _cast_at_once(user=user, proposal_id=proposal.pk, value=value, at=at,
                             readable_projects=False)
        if vote is not None:
            vote.proposal = proposal
            return vote
    _check_votable(user, proposal, at)
    # The rules of the apps above (proposals/vote_gates.py), e.g. an energy community's
    # options are its members' to vote on. Not on withdrawing: a vote cast may be taken
    # back by whoever cast it.
    refusal = vote_gate_refusal(user=user, proposal=proposal)
    if refusal:
        raise PermissionDenied(refusal)
    resolved = voter_weight(user=user, project=proposal.project, at=at)
    vote = Vote(user=user, proposal=proposal, value=value, role=resolved.role,
                weight=resolved.weight)
    [vote] = Vote.objects.bulk_create(
        [vote], update_conflicts=True, unique_fields=["user", "proposal"],
        update_fields=["value", "role", "weight", "updated_at"])
    return vote


def vote_withdraw(*, user, proposal: Proposal, at: datetime | None = None) -> bool:
    """Take back one's vote while voting is open; False when there was none."""
    _check_votable(user, proposal, at or timezone.now())
    deleted, _ = Vote.objects.filter(user=user, proposal=proposal).delete()
    return bool(deleted)
