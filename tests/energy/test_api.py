"""The energy API: communities as their project's visibility allows, in the municipality
served; a simulation's sums for an option at each scale; never a member's figures, and
no sums at all below three members."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from energy.models import MemberResult, SimulationRun
from municipalities.models import Municipality
from tests.energy.conftest import community_make, option_row, pledge_row
from tests.factories import user_make

pytestmark = pytest.mark.django_db
LIST = reverse("api:energy-community-list")
KEYS = ("generation_kwh", "demand_kwh", "self_consumed_kwh", "shared_kwh", "received_kwh",
        "grid_import_kwh", "grid_export_kwh", "battery_losses_kwh", "self_consumption",
        "self_sufficiency", "savings", "co2_avoided_kg")


def simulation(community) -> str:
    return reverse("api:energy-community-simulation", args=[community.pk])


def members(community, count: int, *, kwp: float = 4.0):
    return [pledge_row(community, pv_kwp=kwp) for _ in range(count)]


def scale_totals(seed: float, members: int) -> dict:
    """Totals as the run stores them, distinct per seed so each can be told apart."""
    return {**{key: seed + i for i, key in enumerate(KEYS)}, "cost": seed * 7,
            "baseline_cost": seed * 9, "members": members}


def done_run(community, options, pledges, *, seed: float = 987654.0) -> SimulationRun:
    """A finished run written as the worker writes it, with each member's own figures
    (MEMBER_MARK, a value no sum has)."""
    totals = {str(o.pk): {"building": scale_totals(seed + 100 * i, len(pledges)),
                          "district": scale_totals(seed + 100 * i + 30, len(pledges)),
                          "city": {**scale_totals(seed + 100 * i + 60, len(pledges)),
                                   "pool_members": len(pledges) + 5}}
              for i, o in enumerate(options)}
    run = SimulationRun.objects.create(
        community=community, status="done", progress=100, members=len(pledges),
        finished_at=timezone.now(), results={"totals": totals, "monthly": {}})
    for pledge in pledges:
        MemberResult.objects.create(run=run, pledge=pledge, results={
            str(o.pk): {"district": {"generation_kwh": MEMBER_MARK}} for o in options})
    return run


MEMBER_MARK = 4242.4242


# ------------------------------------------------------------------ the list


def test_the_list_shows_a_public_communitys_sums(client, planner):
    community = community_make(planner)
    option = option_row(community, "equal", "0.12")
    members(community, 3, kwp=4.5)
    pledge_row(community, pv_kwp=100, status="withdrawn")  # not counted
    [row] = client.get(LIST).json()["results"]
    assert (row["id"], row["title"], row["scope"], row["radius_m"]) == (
        community.pk, community.project.title, "district", None)
    assert row["area"]["type"] == "MultiPolygon" and row["anchor"] is None
    assert (row["members"], row["pledged_kwp"], row["totals_public"]) == (3, 13.5, True)
    assert row["options"] == [{"id": option.pk, "key": "equal", "internal_price": "0.1200",
                               "proposal": option.proposal_id}]
    assert row["tariffs"]["currency"] == "EUR" and row["simulation"] is None
    assert row["chosen_option"] is None


def test_the_list_withholds_the_sums_of_fewer_than_three_members(client, planner):
    community = community_make(planner)
    members(community, 2, kwp=7.77)
    [row] = client.get(LIST).json()["results"]
    assert (row["members"], row["pledged_kwp"], row["totals_public"]) == (None, None, False)
    assert b"15.54" not in client.get(LIST).content


def test_the_list_gives_the_latest_simulations_status(client, planner):
    community = community_make(planner)
    option = option_row(community)
    done_run(community, [option], members(community, 3))
    latest = SimulationRun.objects.create(community=community)
    [row] = client.get(LIST).json()["results"]
    assert (row["simulation"]["id"], row["simulation"]["status"]) == (latest.pk, "queued")


def test_a_radius_community_gives_its_anchor(client, planner):
    from tests.energy.conftest import anchor_at
    community_make(planner, scope="radius", anchor=anchor_at(2.15), radius_m=800)
    [row] = client.get(LIST).json()["results"]
    assert (row["scope"], row["radius_m"], row["area"]) == ("radius", 800, None)
    assert row["anchor"]["type"] == "Point"


def test_a_draft_projects_community_is_the_planners_only(client, planner, citizen):
    community_make(planner, slug="draft", visibility="draft")
    assert client.get(LIST).json()["results"] == []
    client.force_login(citizen)
    assert client.get(LIST).json()["results"] == []
    client.force_login(planner)
    assert len(client.get(LIST).json()["results"]) == 1


def test_another_municipality_lists_none_of_this_ones(client, planner):
    community_make(planner)
    Municipality.objects.create(slug="b-town", name="B town")
    assert client.get(f"/b-town{LIST}").json()["results"] == []
    assert len(client.get(LIST).json()["results"]) == 1


# ------------------------------------------------------------------ a simulation


def test_the_simulation_gives_the_district_totals_of_the_first_option(client, planner):
    community = community_make(planner)
    first, second = option_row(community, "demand"), option_row(community, "equal")
    run = done_run(community, [first, second], members(community, 3))
    answer = client.get(simulation(community)).json()
    stored = run.results["totals"][str(first.pk)]
    assert (answer["option"]["id"], answer["scale"], answer["run"]["id"]) == (
        first.pk, "district", run.pk)
    assert {key: answer[key] for key in KEYS} == {key: stored["district"][key] for key in KEYS}
    assert answer["members"] == 3 and answer["totals_public"] and answer["note"] == ""
    assert answer["scales"]["city"]["pool_members"] == 8
    assert answer["scales"]["building"]["generation_kwh"] == stored["building"]["generation_kwh"]
    assert [o["id"] for o in answer["options"]] == [first.pk, second.pk]
    assert "cost" not in answer["scales"]["district"]


def test_the_chosen_option_comes_first_and_any_option_or_scale_may_be_asked(client, planner):
    community = community_make(planner)
    first, chosen = option_row(community, "demand"), option_row(community, "fixed")
    run = done_run(community, [first, chosen], members(community, 3))
    community.chosen_option = chosen
    community.save()
    assert client.get(simulation(community)).json()["option"]["id"] == chosen.pk
    answer = client.get(simulation(community), {"option": first.pk, "scale": "city"}).json()
    city = run.results["totals"][str(first.pk)]["city"]
    assert (answer["option"]["id"], answer["scale"]) == (first.pk, "city")
    assert answer["generation_kwh"] == city["generation_kwh"]


def test_a_bad_option_or_scale_is_a_clear_400(client, planner):
    community = community_make(planner)
    option = option_row(community)
    done_run(community, [option], members(community, 3))
    foreign = option_row(community_make(planner, slug="other"))
    answer = client.get(simulation(community), {"option": foreign.pk})
    assert answer.status_code == 400
    assert "is not one of this community's" in answer.json()["option"][0]
    assert client.get(simulation(community), {"scale": "planet"}).status_code == 400
    assert client.get(simulation(community), {"option": "first"}).status_code == 400
    assert client.get(simulation(community), {"scale": "city"}).status_code == 200


def test_no_finished_simulation_is_a_404(client, planner):
    community = community_make(planner)
    option = option_row(community)
    members(community, 3)
    SimulationRun.objects.create(community=community)  # queued, not done
    answer = client.get(simulation(community))
    assert answer.status_code == 404 and "not been simulated" in answer.json()["detail"]
    later = option_row(community, "equal")
    done_run(community, [option], community.pledges.all())
    assert client.get(simulation(community), {"option": later.pk}).status_code == 404
    assert client.get(simulation(community), {"option": option.pk}).status_code == 200


def test_fewer_than_three_members_publish_no_totals_and_say_why(client, planner):
    community = community_make(planner)
    option = option_row(community)
    pledges = members(community, 3)
    done_run(community, [option], pledges)
    pledges[0].status = "withdrawn"  # two are left
    pledges[0].save()
    answer = client.get(simulation(community)).json()
    assert answer["totals_public"] is False and "Fewer than three" in answer["note"]
    assert all(answer[key] is None for key in KEYS) and answer["members"] is None
    assert answer["scales"] == {"building": None, "district": None, "city": None}
    assert b"987654" not in client.get(simulation(community)).content


def test_a_run_of_two_members_publishes_nothing_either(client, planner):
    community = community_make(planner)
    option = option_row(community)
    pledges = members(community, 3)
    run = done_run(community, [option], pledges[:2])
    assert run.members == 2
    assert client.get(simulation(community)).json()["totals_public"] is False


def test_no_answer_carries_a_members_own_figures(client, planner):
    community = community_make(planner)
    option = option_row(community)
    pledges = members(community, 3)
    done_run(community, [option], pledges)
    member = pledges[0].member
    for reader in (None, member, planner):
        if reader:
            client.force_login(reader)
        for url in (LIST, simulation(community)):
            body = client.get(url).content
            assert str(MEMBER_MARK).encode() not in body and b"yearly_kwh" not in body


def test_a_hidden_projects_simulation_is_a_404(client, planner, citizen):
    community = community_make(planner, slug="draft", visibility="draft")
    option = option_row(community)
    done_run(community, [option], members(community, 3))
    assert client.get(simulation(community)).status_code == 404
    client.force_login(citizen)
    assert client.get(simulation(community)).status_code == 404
    client.force_login(planner)
    assert client.get(simulation(community)).status_code == 200


def test_another_municipality_does_not_serve_the_simulation(client, planner):
    community = community_make(planner)
    done_run(community, [option_row(community)], members(community, 3))
    Municipality.objects.create(slug="b-town", name="B town")
    assert client.get(f"/b-town{simulation(community)}").status_code == 404
    assert client.get(simulation(community)).status_code == 200


def test_an_unlisted_projects_community_opens_with_its_link():
    planner = user_make("planner", planner=True)
    community = community_make(planner, slug="unlisted", visibility="unlisted")
    done_run(community, [option_row(community)], members(community, 3))
    api = APIClient()
    assert api.get(simulation(community)).status_code == 404
    key = community.project.link_key
    assert api.get(simulation(community), {"key": key}).status_code == 200
