"""Setting up a community, its tariffs and options, the council's choice and asking for a
simulation: who may, when, and what each refusal says."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from energy import services
from energy.models import Community, RunStatus, SimulationRun
from municipalities.models import Municipality
from proposals.models import ProposalStatus
from tests.energy.conftest import (
    BUILDING_LONS,
    LAT,
    anchor_at,
    community_make,
    layer_of,
    option_make,
    option_row,
    pledge_make,
    pledge_row,
    rectangle,
)
from tests.factories import project_make

pytestmark = pytest.mark.django_db


def messages(exc) -> str:
    return " ".join(exc.value.messages)


# ------------------------------------------------------------------ set-up


def test_a_planner_makes_a_project_an_energy_community(planner, buildings):
    project = project_make("energy-here")
    community = services.community_create(project=project, planner=planner,
                                          building_layer=buildings)
    assert project.energy_community == community and community.scope == "district"
    assert AuditEntry.objects.filter(action="energy.community", project_id=project.pk).exists()


def test_a_citizen_cannot_set_up_a_community(citizen):
    with pytest.raises(PermissionDenied):
        services.community_create(project=project_make("energy-here"), planner=citizen)
    assert not Community.objects.exists()


def test_a_project_is_one_community_at_most(planner):
    community = community_make(planner)
    with pytest.raises(ValidationError) as refusal:
        services.community_create(project=community.project, planner=planner)
    assert "already an energy community" in messages(refusal)


def test_a_radius_is_two_kilometres_unless_said(planner):
    anchor = anchor_at(2.15)
    default = community_make(planner, scope="radius", anchor=anchor)
    assert (default.radius_m, default.anchor) == (2000, anchor)
    assert community_make(planner, slug="near", scope="radius", anchor=anchor,
                          radius_m=500).radius_m == 500


@pytest.mark.parametrize(("settings", "field"), [
    ({"scope": "radius", "radius_m": 99}, "radius_m"),
    ({"scope": "radius", "radius_m": 5001}, "radius_m"),
    ({"scope": "radius", "radius_m": 1000, "anchor": None}, "anchor"),
    ({"scope": "galaxy"}, "scope"),
    ({"clear_sky_index": [0.7] * 11}, "clear_sky_index"),
    ({"clear_sky_index": [0.7] * 11 + [0.01]}, "clear_sky_index"),
    ({"temperature_c": ["warm"] * 12}, "temperature_c"),
])
def test_a_community_with_a_bad_area_or_weather_is_refused(planner, settings, field):
    settings = {"anchor": anchor_at(2.15), **settings}
    if settings.get("scope") != "radius":
        settings.pop("anchor")
    with pytest.raises(ValidationError) as refusal:
        community_make(planner, **settings)
    assert field in refusal.value.message_dict
    assert not Community.objects.exists()


def test_the_buildings_are_a_published_layer_of_areas_of_the_city(planner, buildings):
    unpublished = layer_of("drafts", [rectangle(2.15, LAT)], published=False)
    points = layer_of("trees", [anchor_at(2.15)], geometry_type="Point")
    elsewhere = layer_of("elsewhere", [rectangle(2.15, LAT)],
                         municipality=Municipality.objects.create(slug="b-town", name="B"))
    for slug, layer in (("a", unpublished), ("b", points), ("c", elsewhere)):
        with pytest.raises(ValidationError) as refusal:
            community_make(planner, slug=slug, building_layer=layer)
        assert "published layer of areas" in messages(refusal)
    assert community_make(planner, building_layer=buildings).building_layer == buildings


def test_the_area_and_buildings_are_fixed_once_members_pledged(planner, community,
                                                               buildings):
    services.community_update(community=community, planner=planner, scope="radius",
                              anchor=anchor_at(2.15))
    assert community.radius_m == 2000
    pledge_make(community)
    with pytest.raises(ValidationError) as refusal:
        services.community_update(community=community, planner=planner, radius_m=1000)
    assert "can no longer change" in messages(refusal)
    # The weather changes only what the next simulation computes: still open.
    services.community_update(community=community, planner=planner,
                              clear_sky_index=[0.5] * 12)
    community.refresh_from_db()
    assert community.clear_sky_index == [0.5] * 12 and community.radius_m == 2000


# ------------------------------------------------------------------ tariffs


def tariffs(**prices):
    return {"import_price": "0.25", "export_price": "0.04", "internal_price": "0.12",
            "sharing_fee": "0.03", **prices}


def test_a_planner_sets_the_tariffs(planner, community):
    services.community_tariffs_set(community=community, planner=planner, currency="czk",
                                   co2_kg_per_kwh="0.4", **tariffs())
    community.refresh_from_db()
    assert (community.import_price, community.internal_price, community.currency,
            community.co2_kg_per_kwh) == (Decimal("0.25"), Decimal("0.12"), "CZK",
                                          Decimal("0.4"))
    assert AuditEntry.objects.filter(action="energy.tariffs").count() == 1


@pytest.mark.parametrize(("prices", "field"), [
    ({"internal_price": "0.30"}, "internal_price"),
    ({"internal_price": "0.03"}, "internal_price"),
    ({"sharing_fee": "-0.01"}, "sharing_fee"),
    ({"import_price": "cheap"}, "import_price"),
    ({"export_price": "NaN"}, "export_price"),
])
def test_tariffs_out_of_order_are_refused(planner, community, prices, field):
    with pytest.raises(ValidationError) as refusal:
        services.community_tariffs_set(community=community, planner=planner,
                                       **tariffs(**prices))
    assert field in refusal.value.message_dict
    community.refresh_from_db()
    assert community.import_price == Decimal("0.2")


def test_a_currency_is_an_iso_code(planner, community):
    with pytest.raises(ValidationError) as refusal:
        services.community_tariffs_set(community=community, planner=planner,
                                       currency="euro", **tariffs())
    assert "currency" in refusal.value.message_dict


def test_the_tariffs_freeze_when_voting_opens(planner):
    voting = community_make(planner, phase="voting")
    with pytest.raises(ValidationError) as refusal:
        services.community_tariffs_set(community=voting, planner=planner, **tariffs())
    assert "frozen" in messages(refusal)
    ideation = community_make(planner, slug="still-ideas")
    services.community_tariffs_set(community=ideation, planner=planner, **tariffs())


def test_tariffs_that_would_leave_an_option_outside_them_are_refused(planner, community):
    option_make(community, planner, price="0.15")
    with pytest.raises(ValidationError) as refusal:
        services.community_tariffs_set(community=community, planner=planner,
                                       **tariffs(import_price="0.14", internal_price="0.1"))
    assert "outside the export and import prices" in messages(refusal)


def test_a_citizen_cannot_set_the_tariffs(citizen, community):
    with pytest.raises(PermissionDenied):
        services.community_tariffs_set(community=community, planner=citizen, **tariffs())


# ------------------------------------------------------------------ options


def test_an_option_is_a_published_proposal_of_the_project(planner, community):
    option = option_make(community, planner, key="equal", price="0.12")
    proposal = option.proposal
    assert proposal.project_id == community.pk and proposal.status == ProposalStatus.PUBLISHED
    assert proposal.category.slug == services.OPTIONS_CATEGORY
    assert "0.12 EUR/kWh" in proposal.title and proposal.author == planner
    assert community.project.area.covers(proposal.geometry)


def test_an_option_in_a_moderated_project_is_published_too(planner, community):
    community.project.moderate_before_publishing = True
    community.project.save()
    assert option_make(community, planner).proposal.status == ProposalStatus.PUBLISHED


def test_options_are_added_while_ideas_are_taken(planner):
    voting = community_make(planner, phase="voting")
    with pytest.raises(ValidationError) as refusal:
        option_make(voting, planner)
    assert "ideation phase" in messages(refusal)
    draft = community_make(planner, slug="draft", visibility="draft")
    with pytest.raises(ValidationError):
        option_make(draft, planner)


def test_an_options_price_lies_between_export_and_import(planner, community):
    with pytest.raises(ValidationError) as refusal:
        option_make(community, planner, price="0.30")
    assert "internal_price" in refusal.value.message_dict
    with pytest.raises(ValidationError):
        option_make(community, planner, price="0.01")
    assert option_make(community, planner, price="0.05").internal_price == Decimal("0.05")


def test_an_option_is_offered_once(planner, community):
    option_make(community, planner, key="fixed", price="0.1")
    with pytest.raises(ValidationError) as refusal:
        option_make(community, planner, key="fixed", price="0.10")
    assert "already has this option" in messages(refusal)
    assert community.options.count() == 1
    option_make(community, planner, key="fixed", price="0.11")


def test_an_option_needs_a_known_key_and_a_planner(planner, citizen, community):
    with pytest.raises(ValidationError) as refusal:
        option_make(community, planner, key="lottery")
    assert "key" in refusal.value.message_dict
    with pytest.raises(PermissionDenied):
        option_make(community, citizen)


def test_the_council_chooses_once_voting_has_closed(planner):
    decided = community_make(planner, phase="decision")
    option = option_row(decided)
    services.community_option_choose(community=decided, planner=planner, option=option)
    decided.refresh_from_db()
    assert decided.chosen_option == option
    voting = community_make(planner, slug="voting", phase="voting")
    with pytest.raises(ValidationError) as refusal:
        services.community_option_choose(community=voting, planner=planner,
                                         option=option_row(voting))
    assert "once voting has closed" in messages(refusal)


def test_the_council_chooses_one_of_the_communitys_options(planner):
    decided = community_make(planner, phase="decision")
    other = community_make(planner, slug="other", phase="decision")
    with pytest.raises(ValidationError) as refusal:
        services.community_option_choose(community=decided, planner=planner,
                                         option=option_row(other))
    assert "option" in refusal.value.message_dict


# ------------------------------------------------------------------ simulations


def test_a_simulation_is_queued_once_and_published_after_commit(
        planner, community, django_capture_on_commit_callbacks):
    option_make(community, planner)
    pledge_make(community)
    with django_capture_on_commit_callbacks(execute=False) as published:
        run = services.simulation_request(community=community, planner=planner)
    assert run.status == RunStatus.QUEUED and run.requested_by == planner
    assert len(published) == 1
    with pytest.raises(ValidationError) as refusal:
        services.simulation_request(community=community, planner=planner)
    assert "already queued or running" in messages(refusal)
    assert SimulationRun.objects.count() == 1
    SimulationRun.objects.filter(pk=run.pk).update(status="done", progress=100)
    with django_capture_on_commit_callbacks(execute=False):
        services.simulation_request(community=community, planner=planner)
    assert SimulationRun.objects.count() == 2


def test_a_simulation_needs_options_and_pledges(planner, community):
    pledge_row(community)
    with pytest.raises(ValidationError) as refusal:
        services.simulation_request(community=community, planner=planner)
    assert "sharing option first" in messages(refusal)
    empty = community_make(planner, slug="empty")
    option_row(empty)
    with pytest.raises(ValidationError) as refusal:
        services.simulation_request(community=empty, planner=planner)
    assert "nothing to simulate" in messages(refusal)
    assert not SimulationRun.objects.exists()


def test_a_citizen_cannot_run_a_simulation(citizen, planner, community):
    option_row(community)
    pledge_row(community)
    with pytest.raises(PermissionDenied):
        services.simulation_request(community=community, planner=citizen)


def test_a_withdrawn_pledge_is_not_something_to_simulate(planner, community):
    option_row(community)
    pledge_row(community, status="withdrawn")
    with pytest.raises(ValidationError):
        services.simulation_request(community=community, planner=planner)
    pledge_row(community, roof=rectangle(BUILDING_LONS[1], LAT))
    assert services.simulation_request(community=community, planner=planner)
