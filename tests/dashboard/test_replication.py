"""Replicating a project to another municipality of its region (dashboard.replication):
the set-up travels, the people do not; weights and layer rules find their match there
or are reported as skipped; only a planner allowed in both may do it, within a region,
in one transaction with an audit entry on each side."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditAction, AuditEntry
from core import tenancy
from dashboard.replication import project_replicate, replication_targets
from gisdata.models import Constraint
from proposals.models import Comment, Project, Proposal
from tests.dashboard.region_world import planner_of
from tests.factories import user_make
from voting.models import ProjectVoting, RoleWeight

pytestmark = pytest.mark.django_db

STARTS = date(2027, 3, 1)


@pytest.fixture
def skopje_planner(region_world):
    """Skopje's planner, who sees the region (and so Athens' projects)."""
    return planner_of(region_world["skopje"], region=region_world["region"], name="ana")


def _replicate(world, planner, **kwargs):
    kwargs.setdefault("to", world["skopje"])
    kwargs.setdefault("starts_on", STARTS)
    return project_replicate(planner=planner, project=world["project"], **kwargs)


def test_the_set_up_is_copied_in_every_language(region_world, skopje_planner):
    copy = _replicate(region_world, skopje_planner)
    copy.refresh_from_db()
    source = region_world["project"]
    assert copy.municipality == region_world["skopje"]
    assert copy.replicated_from == source
    assert copy.visibility == "draft"
    assert copy.slug == "synathina"  # free in Skopje
    assert (copy.title_en, copy.title_ca, copy.title_es) == (
        "SynAthina", "SynAthina (ca)", "SynAthina (es)")
    assert (copy.description_en, copy.description_ca) == ("Citizens' groups <b>act</b>.",
                                                          "Grups.")
    assert copy.moderate_before_publishing is True
    assert copy.area.equals(region_world["skopje"].area)
    assert list(copy.categories.values_list("slug", "name_en", "name_ca", "color",
                                            "position")) == [
        ("green", "Green", "Verd", "#2e7d32", 1), ("culture", "Culture", "Cultura",
                                                   "#aa00aa", 2)]
    rules = ProjectVoting.objects.get(project=copy)
    assert (rules.unverified_weight, rules.results_public) == (Decimal("0.5"), True)


def test_phases_are_shifted_keeping_lengths_and_gaps(region_world, skopje_planner):
    source = list(region_world["project"].phases.order_by("starts_at"))
    copy = _replicate(region_world, skopje_planner)
    phases = list(copy.phases.order_by("starts_at"))
    assert [p.kind for p in phases] == ["ideation", "voting"]
    first = timezone.localtime(phases[0].starts_at)
    assert first.date() == STARTS
    assert (first.hour, first.minute) == (9, 30)
    days = (STARTS - timezone.localtime(source[0].starts_at).date()).days
    for old, new in zip(source, phases, strict=True):
        for was, now in ((old.starts_at, new.starts_at), (old.ends_at, new.ends_at)):
            was, now = timezone.localtime(was), timezone.localtime(now)
            assert now.date() == was.date() + timedelta(days=days)
            assert now.time() == was.time()
    # The week's gap is a week on the calendar, across a change to summer time too.
    wall = [timezone.localtime(m).replace(tzinfo=None)
            for m in (phases[0].ends_at, phases[1].starts_at)]
    assert wall[1] - wall[0] == timedelta(days=7)


def test_weights_go_to_the_roles_of_the_same_slug_and_the_others_are_listed(
        region_world, skopje_planner):
    copy = _replicate(region_world, skopje_planner)
    weights = {w.role.slug: (w.role.municipality_id, w.weight)
               for w in RoleWeight.objects.filter(project=copy).select_related("role")}
    assert weights == {"resident": (region_world["skopje"].pk, Decimal("2.000"))}
    assert copy.skipped.roles == ("expert",)


def test_layer_rules_go_to_the_layers_of_the_same_kind(region_world, skopje_planner):
    copy = _replicate(region_world, skopje_planner)
    copied = Constraint.objects.filter(projects=copy)
    assert [(c.layer.municipality_id, c.layer.name, c.message_en, c.message_ca, c.severity)
            for c in copied] == [(region_world["skopje"].pk, "flood_zones",
                                  "In flood zone {zone}", "En zona inundable {zone}",
                                  "blocking")]
    # Skopje's heritage layer is not published: the rule waits for it, reported.
    assert copy.skipped.constraints == ("heritage: Listed building",)
    # The rule on trees speaks in every Skopje project already: not doubled.
    assert Constraint.objects.filter(layer__municipality=region_world["skopje"],
                                     message_en="Near a tree").count() == 1


def test_a_districts_layer_matches_the_targets_districts_whatever_its_name(
        region_world, skopje_planner):
    from tests.dashboard.region_world import layer_make

    athens_districts = layer_make(region_world["athens"], "dimotikes_koinotites",
                                  districts=True)
    layer_make(region_world["skopje"], "opstini", districts=True)
    rule = Constraint.objects.create(layer=athens_districts, message_en="In {name}")
    rule.projects.add(region_world["project"])
    copy = _replicate(region_world, skopje_planner)
    assert Constraint.objects.get(projects=copy, message_en="In {name}").layer.name == "opstini"


def test_participation_is_not_copied(region_world, skopje_planner):
    copy = _replicate(region_world, skopje_planner)
    with tenancy.across_all():
        assert not Proposal.objects.filter(project=copy).exists()
        assert not Comment.objects.filter(proposal__project=copy).exists()
    assert Proposal.objects.filter(project=region_world["project"]).count() == 2


def test_a_taken_slug_gets_a_suffix(region_world, skopje_planner):
    first = _replicate(region_world, skopje_planner)
    second = _replicate(region_world, skopje_planner)
    assert (first.slug, second.slug) == ("synathina", "synathina-2")


def test_one_audit_entry_in_each_municipality(region_world, skopje_planner):
    copy = _replicate(region_world, skopje_planner)
    entries = AuditEntry.objects.filter(action=AuditAction.PROJECT_REPLICATE)
    assert sorted((e.municipality_id, e.project_id) for e in entries) == sorted([
        (region_world["athens"].pk, region_world["project"].pk),
        (region_world["skopje"].pk, copy.pk)])
    target = entries.get(project_id=copy.pk)
    assert target.actor_id == skopje_planner.pk
    assert target.details["skipped_roles"] == ["expert"]


def test_planners_of_one_side_only_are_refused(region_world):
    athens_only = planner_of(region_world["athens"], name="athens-only")
    skopje_only = planner_of(region_world["skopje"], name="skopje-only")
    for planner in (athens_only, skopje_only, user_make("citizen-of-athens")):
        with pytest.raises(PermissionDenied):
            _replicate(region_world, planner)
    assert not Project.objects.filter(replicated_from=region_world["project"]).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.PROJECT_REPLICATE).exists()


def test_no_replica_across_regions_nor_onto_itself(region_world):
    admin = user_make("root", is_superuser=True)
    with pytest.raises(ValidationError, match="within its region"):
        _replicate(region_world, admin, to=region_world["lisbon"])
    with pytest.raises(ValidationError, match="another municipality"):
        _replicate(region_world, admin, to=region_world["athens"])
    lisbon_planner = planner_of(region_world["lisbon"], name="lisboeta")
    with pytest.raises(PermissionDenied):
        _replicate(region_world, lisbon_planner, to=region_world["lisbon"])


def test_a_target_without_an_area_is_refused(region_world, skopje_planner):
    skopje = region_world["skopje"]
    skopje.area = None
    skopje.save()
    with pytest.raises(ValidationError, match="set the municipality's area first"):
        _replicate(region_world, skopje_planner, to=skopje)


def test_targets_are_the_regions_others_where_the_planner_may_add(region_world,
                                                                  skopje_planner):
    admin = user_make("root", is_superuser=True)
    project = region_world["project"]
    assert list(replication_targets(planner=skopje_planner, project=project)) == [
        region_world["skopje"]]
    assert list(replication_targets(planner=admin, project=project)) == [
        region_world["skopje"]]
    athens_only = planner_of(region_world["athens"], name="athens-only")
    assert not replication_targets(planner=athens_only, project=project).exists()
