"""The community's page: reached from its project's page; the scope, tariffs and sums
(none below three members); each option's simulated outcome and the three scales;
the planner's "Simulate now" and the run's status; who sees what."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core import tenancy
from energy.models import SimulationRun
from municipalities.models import Municipality
from tests.energy.conftest import community_make, option_row, pledge_row
from tests.factories import project_make, user_make

pytestmark = pytest.mark.django_db
FIGURES = ("self_sufficiency", "self_consumption", "shared_kwh", "savings", "co2_avoided_kg")


def page(community) -> str:
    return reverse("energy:community", args=[community.pk])


def totals(seed: float, members: int) -> dict:
    """A scale's totals, each figure distinct per seed so a page can be searched for it."""
    return {"self_sufficiency": 0.4321, "self_consumption": 0.8765, "shared_kwh": seed,
            "savings": seed + 1, "co2_avoided_kg": seed + 2, "members": members,
            "generation_kwh": seed + 3, "demand_kwh": seed + 4}


def done_run(community, options, count: int) -> SimulationRun:
    return SimulationRun.objects.create(
        community=community, status="done", progress=100, members=count,
        finished_at=timezone.now(), results={"totals": {
            str(o.pk): {"building": totals(11111 + i * 1000, count),
                        "district": totals(22222 + i * 1000, count),
                        "city": {**totals(33333 + i * 1000, count), "pool_members": 17}}
            for i, o in enumerate(options)}})


def test_the_project_page_links_to_its_community(client, planner):
    community = community_make(planner)
    body = client.get(reverse("proposals:project", args=[community.project.slug])).content
    assert page(community).encode() in body


def test_a_project_that_is_no_community_has_no_link(client):
    project = project_make("just-a-project")
    body = client.get(reverse("proposals:project", args=[project.slug])).content
    assert b"/energy/" not in body


def test_anyone_reads_the_page_with_each_options_outcome_and_the_scales(client, planner):
    community = community_make(planner)
    options = [option_row(community, "demand"), option_row(community, "equal", "0.12")]
    pledges = [pledge_row(community, pv_kwp=3.0) for _ in range(3)]
    done_run(community, options, len(pledges))
    body = client.get(page(community)).content.decode()
    assert "9.0 kWp" in body  # pledged, summed
    for option in options:
        assert reverse("proposals:proposal", args=[option.proposal_id]) in body
    # Each option's district outcome; the first option's three scales.
    assert "22,222 kWh" in body and "23,222 kWh" in body
    assert "11,111 kWh" in body and "33,333 kWh" in body and "34,333 kWh" not in body
    assert "43%" in body and "88%" in body
    # Another option asked for: its scales.
    body = client.get(page(community), {"option": options[1].pk}).content.decode()
    assert "34,333 kWh" in body and "12,111 kWh" in body


def test_below_three_members_the_page_shows_no_sums(client, planner):
    community = community_make(planner)
    option = option_row(community)
    for _ in range(2):
        pledge_row(community, pv_kwp=3.0)
    done_run(community, [option], 2)
    body = client.get(page(community)).content.decode()
    assert "6.0 kWp" not in body and "22,222" not in body and "11,111" not in body
    assert "Fewer than three members" in body


def test_a_radius_community_shows_its_circle_in_words_and_on_the_map(client, planner):
    from tests.energy.conftest import anchor_at

    community = community_make(planner, scope="radius", radius_m=1500,
                               anchor=anchor_at(2.15))
    body = client.get(page(community)).content.decode()
    assert "within 1,500 m of the community" in body
    assert '"radius_m": 1500' in body and '"anchor": [2.15' in body


def test_a_draft_community_is_not_found_but_by_planners(client, planner):
    community = community_make(planner, visibility="draft")
    assert client.get(page(community)).status_code == 404
    client.force_login(user_make("resident"))
    assert client.get(page(community)).status_code == 404
    client.force_login(planner)
    assert client.get(page(community)).status_code == 200


def test_another_municipalitys_community_is_not_found(client, planner):
    community = community_make(planner)
    Municipality.objects.create(slug="riverton", name="Riverton")
    assert client.get(f"/riverton{page(community)}").status_code == 404
    assert client.get(page(community)).status_code == 200


def test_titles_are_escaped(client, planner):
    community = community_make(planner)
    community.project.title = "<script>alert(1)</script> Sun"
    community.project.save()
    option = option_row(community)
    option.proposal.title = "<img src=x onerror=alert(2)>"
    option.proposal.save()
    body = client.get(page(community)).content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body
    assert "<img src=x" not in body and "&lt;img src=x" in body


# ------------------------------------------------------------------ planners


def test_a_planner_sees_simulate_now_and_a_resident_does_not(client, planner):
    community = community_make(planner)
    simulate = reverse("energy:simulate", args=[community.pk]).encode()
    client.force_login(user_make("resident"))
    assert simulate not in client.get(page(community)).content
    client.force_login(planner)
    assert simulate in client.get(page(community)).content


def test_simulate_now_queues_a_run_for_a_planner(client, planner):
    community = community_make(planner)
    option_row(community)
    pledge_row(community)
    client.force_login(planner)
    response = client.post(reverse("energy:simulate", args=[community.pk]))
    assert response.status_code == 302
    run = SimulationRun.objects.get(community=community)
    assert run.status == "queued" and run.requested_by == planner
    status = client.get(reverse("energy:run-status", args=[community.pk])).json()
    assert status["run"] == run.pk and status["status"] == "queued"
    assert status["finished"] is False


def test_simulate_now_without_pledges_says_why_and_queues_nothing(client, planner):
    community = community_make(planner)
    option_row(community)
    client.force_login(planner)
    response = client.post(reverse("energy:simulate", args=[community.pk]), follow=True)
    assert "No member has pledged yet" in response.content.decode()
    assert not SimulationRun.objects.filter(community=community).exists()


def test_a_resident_cannot_simulate(client, planner):
    community = community_make(planner)
    option_row(community)
    pledge_row(community)
    client.force_login(user_make("resident"))
    assert client.post(reverse("energy:simulate", args=[community.pk])).status_code == 403
    assert not SimulationRun.objects.exists()


def test_anonymous_is_sent_to_log_in_to_simulate(client, planner):
    community = community_make(planner)
    response = client.post(reverse("energy:simulate", args=[community.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
    assert not SimulationRun.objects.exists()


def test_another_municipalitys_planner_cannot_simulate(client, planner):
    community = community_make(planner)
    option_row(community)
    pledge_row(community)
    other = Municipality.objects.create(slug="riverton", name="Riverton")
    with tenancy.working_for(other):
        theirs = user_make("riverton-planner", planner=True)
    theirs.planner_municipality = other
    theirs.save(update_fields=["planner_municipality"])
    client.force_login(theirs)
    assert reverse("energy:simulate", args=[community.pk]).encode() not in client.get(
        page(community)).content
    assert client.post(reverse("energy:simulate", args=[community.pk])).status_code == 403
    assert not SimulationRun.objects.exists()


def test_the_run_status_of_a_community_never_simulated_is_empty(client, planner):
    community = community_make(planner)
    assert client.get(reverse("energy:run-status", args=[community.pk])).json()["run"] is None
