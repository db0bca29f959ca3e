"""The frozen weights hold whatever path writes: the dashboard, the admin, a service, the
ORM or raw SQL, on phases, weights, roles and votes (voting/migrations/0003).

The hole these close: moving the voting phase a day ahead, setting a new weight and
moving the phase back went through, with votes already cast at the old weight.

Some rules are checked when the transaction commits (a phase or a weight row deleted
and written again in the same transaction is fine). Tests run inside a transaction that
never commits, so `at_commit()` runs those checks where COMMIT would; one test commits
for real.
"""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import ClaimStatus
from proposals.models import Phase, Proposal
from tests.factories import claim_make, project_make, proposal_make, role_make, user_make
from voting import selectors, services
from voting.models import ProjectVoting, RoleWeight, Vote

pytestmark = pytest.mark.django_db
FMT = "%Y-%m-%dT%H:%M"
MOVED = "can no longer move"
FROZEN = "frozen"


def at_commit():
    """Run the checks COMMIT would run (the deferred constraint triggers) now."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def opened(voters, planner):
    """A project whose voting phase opened a day ago, with an expert weight of 3 set
    before, one proposal and the resident's vote on it."""
    def rules(project):
        services.role_weights_set(project=project, planner=planner, weights={"expert": "3"})
    project = project_make("opened", phase="voting", before_phases=rules)
    proposal = proposal_make(project, voters["nobody"])
    services.vote_cast(user=voters["resident"], proposal=proposal, value=1)
    return project


def voting_phase(project) -> Phase:
    return project.phases.get(kind="voting")


# --- the phase's start, on every path -------------------------------------------------

@pytest.mark.quality("frozen-weights")
def test_the_dashboard_refuses_to_move_an_opened_voting_phase(client, planner, opened):
    client.force_login(planner)
    phases = {p.kind: p for p in opened.phases.all()}
    local = {kind: (timezone.localtime(p.starts_at), timezone.localtime(p.ends_at))
             for kind, p in phases.items()}
    data = {"title": opened.title, "slug": opened.slug, "description": opened.description,
            "visibility": "public", "area": "", "area_feature": "",
            "categories-TOTAL_FORMS": "0", "categories-INITIAL_FORMS": "0"}
    for kind, (start, end) in local.items():
        data[f"{kind}_starts"], data[f"{kind}_ends"] = start.strftime(FMT), end.strftime(FMT)
    categories = list(opened.categories.order_by("position"))
    data["categories-TOTAL_FORMS"] = data["categories-INITIAL_FORMS"] = str(len(categories))
    for i, c in enumerate(categories):
        data |= {f"categories-{i}-pk": c.pk, f"categories-{i}-name": c.name,
                 f"categories-{i}-color": c.color}
    url = reverse("dashboard:project-edit", args=[opened.slug])
    start = voting_phase(opened).starts_at

    # The attack: the voting phase a day ahead (the ideation phase ends with it).
    ahead = dict(data, voting_starts=(local["voting"][0] + timedelta(days=1)).strftime(FMT),
                 ideation_ends=(local["voting"][0] + timedelta(days=1)).strftime(FMT))
    response = client.post(url, ahead)
    assert response.status_code == 400
    assert "Voting opened on" in response.content.decode()
    assert voting_phase(opened).starts_at == start

    # Saving the page untouched, or with the vote running longer, keeps the start to the
    # microsecond (the form shows minutes).
    longer = dict(data, title="Longer vote",
                  voting_ends=(local["voting"][1] + timedelta(days=1)).strftime(FMT),
                  decision_starts=(local["voting"][1] + timedelta(days=1)).strftime(FMT))
    response = client.post(url, longer)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert voting_phase(opened).starts_at == start
    assert voting_phase(opened).ends_at > phases["voting"].ends_at


class FormFields(HTMLParser):
    """The fields of the first form on a page as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.data, self._select, self._textarea = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "file", "checkbox"):
            self.data[name] = a.get("value") or ""
        elif tag == "input" and name and a.get("type") == "checkbox" and "checked" in a:
            self.data[name] = a.get("value") or "on"
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


@pytest.mark.quality("frozen-weights")
def test_the_admin_refuses_to_move_an_opened_voting_phase(admin_client, opened):
    url = reverse("admin:proposals_project_change", args=[opened.pk])
    parser = FormFields()
    parser.feed(admin_client.get(url).content.decode())
    data = parser.data
    index = next(k.split("-")[1] for k, v in data.items()
                 if k.startswith("phases-") and k.endswith("-kind") and v == "voting")
    start = voting_phase(opened).starts_at
    later = timezone.localtime(start) + timedelta(days=1)
    moved = dict(data, **{f"phases-{index}-starts_at_0": later.strftime("%Y-%m-%d")})
    response = admin_client.post(url, moved)
    assert response.status_code == 200 and "Voting opened on" in response.content.decode()
    assert voting_phase(opened).starts_at == start
    deleted = dict(data, **{f"phases-{index}-DELETE": "on"})
    response = admin_client.post(url, deleted)
    assert response.status_code == 200 and "Voting opened on" in response.content.decode()
    # The page as shown, saved: the start (shown to the second) keeps its microseconds.
    response = admin_client.post(url, dict(data, title="Renamed"))
    assert response.status_code == 302
    assert voting_phase(opened).starts_at == start


@pytest.mark.parametrize("how", ["orm update", "raw sql", "delete", "another kind",
                                 "replaced by another plan"])
@pytest.mark.quality("frozen-weights")
def test_no_write_moves_an_opened_voting_phase(opened, how):
    phase = voting_phase(opened)
    ahead = phase.starts_at + timedelta(days=1)
    with pytest.raises(IntegrityError, match=MOVED), transaction.atomic():
        if how == "orm update":
            Phase.objects.filter(pk=phase.pk).update(starts_at=ahead)
        elif how == "raw sql":
            with connection.cursor() as cursor:
                cursor.execute("UPDATE proposals_phase SET starts_at = starts_at + '1 day' "
                               "WHERE id = %s", [phase.pk])
        elif how == "delete":
            phase.delete()
        elif how == "another kind":
            Phase.objects.filter(project=opened, kind="decision").delete()
            Phase.objects.filter(pk=phase.pk).update(kind="decision")
        else:
            plan = [(p.kind, p.starts_at, p.ends_at) for p in opened.phases.all()]
            opened.phases.all().delete()
            Phase.objects.bulk_create([
                Phase(project=opened, kind=k, starts_at=s + timedelta(days=1) if k == "voting"
                      else s, ends_at=e) for k, s, e in plan])
        at_commit()
    assert voting_phase(opened).starts_at == phase.starts_at


def test_the_same_plan_written_again_and_a_longer_vote_pass(opened):
    phase = voting_phase(opened)
    plan = [(p.kind, p.starts_at, p.ends_at) for p in opened.phases.all()]
    opened.phases.all().delete()
    Phase.objects.bulk_create([Phase(project=opened, kind=k, starts_at=s, ends_at=e)
                               for k, s, e in plan])
    Phase.objects.filter(project=opened, kind="implementation").delete()
    Phase.objects.filter(project=opened, kind="decision").update(
        starts_at=phase.ends_at + timedelta(days=5))
    Phase.objects.filter(project=opened, kind="voting").update(
        ends_at=phase.ends_at + timedelta(days=5))
    at_commit()
    assert voting_phase(opened).starts_at == phase.starts_at


def test_a_voting_phase_not_yet_open_and_without_votes_may_move(voters):
    project = project_make("later", phase="ideation")
    phase = voting_phase(project)
    Phase.objects.filter(pk=phase.pk).update(starts_at=phase.starts_at + timedelta(hours=1))
    phase.refresh_from_db()
    phase.delete()
    at_commit()
    assert not project.phases.filter(kind="voting").exists()


def test_a_project_whose_vote_opened_can_still_be_deleted(opened):
    opened.delete()
    at_commit()
    assert not Phase.objects.exists() and not RoleWeight.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("frozen-weights")
def test_the_attack_fails_when_each_step_commits(voters, planner):
    """The issue's steps, each committed: the first one already fails."""
    def rules(project):
        services.role_weights_set(project=project, planner=planner, weights={"expert": "3"})
    project = project_make("committed", phase="voting", before_phases=rules)
    phase = voting_phase(project)
    with pytest.raises(IntegrityError, match=MOVED):
        Phase.objects.filter(pk=phase.pk).update(starts_at=timezone.now() + timedelta(days=1))
    assert voting_phase(project).starts_at == phase.starts_at
    with pytest.raises(ValidationError, match=FROZEN):
        services.role_weights_set(project=project, planner=planner, weights={"expert": "9"})
    with pytest.raises(IntegrityError, match=FROZEN):
        RoleWeight.objects.filter(project=project).update(weight=Decimal("9"))
    with pytest.raises(IntegrityError, match=FROZEN):
        RoleWeight.objects.filter(project=project).delete()
    assert RoleWeight.objects.get(project=project).weight == Decimal("3")


# --- weights: frozen by the first vote too; deletions ---------------------------------

@pytest.mark.quality("frozen-weights")
def test_a_project_with_votes_is_frozen_even_if_its_phase_says_otherwise(voters, planner):
    """Data written before these rules (a vote in a project whose voting phase is still
    to come): the votes freeze the weights, for the services and the database."""
    project = project_make("legacy", phase="ideation")
    proposal = proposal_make(project, voters["nobody"])
    at_commit()  # no pending trigger events, so the table may be altered
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE voting_vote DISABLE TRIGGER voting_vote_checked")
        Vote.objects.create(proposal=proposal, user=voters["expert"], value=1,
                            role=voters["roles"]["expert"], weight=Decimal("2"))
        at_commit()  # Django's foreign keys are checked at commit too
        cursor.execute("ALTER TABLE voting_vote ENABLE TRIGGER voting_vote_checked")
    assert selectors.weights_frozen(project)
    with pytest.raises(ValidationError, match=FROZEN):
        services.role_weights_set(project=project, planner=planner, weights={"expert": "9"})
    with pytest.raises(IntegrityError, match=FROZEN), transaction.atomic():
        RoleWeight.objects.create(project=project, role=voters["roles"]["expert"],
                                  weight=Decimal("9"))
    with pytest.raises(IntegrityError, match=MOVED), transaction.atomic():
        voting_phase(project).delete()
        at_commit()


@pytest.mark.parametrize("table", ["role weight", "voting rules"])
@pytest.mark.quality("frozen-weights")
def test_deleting_a_frozen_weight_is_refused(voters, table):
    def rules(project):
        RoleWeight.objects.create(project=project, role=voters["roles"]["expert"],
                                  weight=Decimal("3"))
        ProjectVoting.objects.create(project=project, unverified_weight=Decimal("0.5"))
    project = project_make("deleting", phase="voting", before_phases=rules)
    with pytest.raises(IntegrityError, match=FROZEN), transaction.atomic():
        if table == "role weight":
            RoleWeight.objects.filter(project=project).delete()
        else:
            ProjectVoting.objects.filter(project=project).delete()
        at_commit()
    assert RoleWeight.objects.filter(project=project).count() == 1
    assert ProjectVoting.objects.filter(project=project).count() == 1


def test_writing_down_the_default_weight_of_a_frozen_project_changes_nothing(opened, voters):
    RoleWeight.objects.create(project=opened, role=voters["roles"]["resident"],
                              weight=Decimal("1"))
    with pytest.raises(IntegrityError, match=FROZEN), transaction.atomic():
        RoleWeight.objects.create(project=opened, role=voters["roles"]["business"],
                                  weight=Decimal("1.5"))


# --- roles ----------------------------------------------------------------------------

@pytest.mark.quality("frozen-weights")
def test_a_roles_new_default_weight_leaves_frozen_projects_as_published(opened, voters):
    resident = voters["roles"]["resident"]
    later = project_make("next-year", phase="ideation")
    resident.default_weight = Decimal("4")
    resident.save()
    assert selectors.project_weights(opened)[resident.pk] == Decimal("1")
    assert selectors.project_weights(later)[resident.pk] == Decimal("4")
    proposal = opened.proposals.get()
    vote = services.vote_cast(user=voters["resident"], proposal=proposal, value=-1)
    assert vote.weight == Decimal("1")


@pytest.mark.quality("frozen-weights")
def test_a_role_created_after_voting_opened_counts_as_no_verified_role(opened, voters,
                                                                       planner):
    ProjectVoting.objects.filter(project=opened).update(unverified_weight=Decimal("0"))
    newcomer = role_make("school-board", "50", position=5)
    assert selectors.project_weights(opened)[newcomer.pk] == Decimal("0")
    member = user_make("board-member")
    claim_make(member, newcomer, status=ClaimStatus.VERIFIED, decided_by=planner)
    with pytest.raises(PermissionDenied, match="as School Board do not count"):
        services.vote_cast(user=member, proposal=opened.proposals.get(), value=1)
    later = project_make("next-year", phase="voting")
    vote = services.vote_cast(user=member, proposal=proposal_make(later, member), value=1)
    assert vote.weight == Decimal("50")


# --- votes ----------------------------------------------------------------------------

@pytest.mark.quality("vote-outside-phase")
def test_a_vote_is_written_only_while_voting_is_open(voters):
    before = project_make("before", phase="ideation")
    proposal = proposal_make(before, voters["nobody"])
    with pytest.raises(IntegrityError, match="only while its voting phase is open"), \
            transaction.atomic():
        Vote.objects.create(proposal=proposal, user=voters["expert"], value=1,
                            role=voters["roles"]["expert"], weight=Decimal("2"))


@pytest.mark.parametrize("weight", ["1", "2.001", "100"])
@pytest.mark.quality("vote-outside-phase")
def test_a_vote_carries_the_weight_of_its_role_and_nothing_else(opened, voters, weight):
    proposal = opened.proposals.get()
    with pytest.raises(IntegrityError, match="weighs 3.000"), transaction.atomic():
        Vote.objects.create(proposal=proposal, user=voters["expert"], value=1,
                            role=voters["roles"]["expert"], weight=Decimal(weight))
    vote = Vote.objects.get(proposal=proposal)
    with pytest.raises(IntegrityError, match="weighs 1.000"), transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(weight=Decimal(weight) + 1)
    with pytest.raises(IntegrityError, match="weighs 0.000"), transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(role=None)
    assert Vote.objects.get(pk=vote.pk).weight == Decimal("1")


@pytest.mark.quality("vote-outside-phase")
def test_after_voting_closed_votes_stay_but_voters_may_be_erased(opened, voters):
    proposal = opened.proposals.get()
    Phase.objects.filter(project=opened, kind="voting").update(
        ends_at=timezone.now() - timedelta(minutes=1))
    vote = Vote.objects.get(proposal=proposal)
    with pytest.raises(IntegrityError, match="only while its voting phase is open"), \
            transaction.atomic():
        Vote.objects.filter(pk=vote.pk).update(value=-1)
    with pytest.raises(IntegrityError, match="withdrawn only while voting is open"), \
            transaction.atomic():
        vote.delete()
        at_commit()
    voters["resident"].delete()  # erasure: the vote stays, anonymised
    at_commit()
    assert Vote.objects.get(proposal=proposal).user_id is None
    Proposal.objects.filter(pk=proposal.pk).delete()  # with its proposal it may go
    at_commit()
    assert not Vote.objects.exists()
