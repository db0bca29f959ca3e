"""Communities and options set up in the admin go through the energy services (their
rules, their audit entries); a refusal is a message and saves nothing. Pledges and runs
are there to read."""

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import AuditEntry
from energy.models import Community, Pledge, SharingOption, SimulationRun
from tests.energy.conftest import community_make, option_row, pledge_row
from tests.factories import project_make

pytestmark = pytest.mark.django_db
MONTHS = ",".join(["0.69"] * 12)
WARM = ",".join(["12.0"] * 12)


@pytest.fixture
def planner_client(planner):
    client = Client()
    client.force_login(planner)
    return client


def form(project, **values) -> dict:
    return {"project": project.pk, "scope": "district", "radius_m": "", "anchor": "",
            "building_layer": "", "clear_sky_index": MONTHS, "temperature_c": WARM,
            "import_price": "0.25", "export_price": "0.05", "internal_price": "0.11",
            "sharing_fee": "0.02", "currency": "EUR", "co2_kg_per_kwh": "0.3", **values}


def test_a_community_set_up_in_the_admin_is_the_services(planner_client, planner):
    project = project_make("energy-admin")
    response = planner_client.post(reverse("admin:energy_community_add"), form(project))
    assert response.status_code == 302, response.content.decode()[:2000]
    community = Community.objects.get()
    assert (community.pk, str(community.import_price), str(community.co2_kg_per_kwh)) == (
        project.pk, "0.2500", "0.300")
    assert set(AuditEntry.objects.values_list("action", flat=True)) == {
        "energy.community", "energy.tariffs"}


def test_prices_out_of_order_in_the_admin_save_nothing(planner_client):
    project = project_make("energy-admin")
    response = planner_client.post(reverse("admin:energy_community_add"),
                                   form(project, internal_price="0.30"))
    assert response.status_code == 200  # the form again, with the database's rule said
    assert "internal price lies between the export and import" in response.content.decode()
    assert not Community.objects.exists() and not AuditEntry.objects.exists()


def test_tariffs_changed_once_voting_opened_are_refused_with_a_message(planner_client,
                                                                       planner):
    community = community_make(planner, phase="voting")
    url = reverse("admin:energy_community_change", args=[community.pk])
    response = planner_client.post(url, form(community.project, chosen_option=""),
                                   follow=True)
    assert "the tariffs are frozen" in response.content.decode()
    community.refresh_from_db()
    assert str(community.import_price) == "0.2000"
    assert not AuditEntry.objects.filter(action="energy.tariffs").exists()


def test_an_option_added_in_the_admin_is_a_proposal(planner_client, planner):
    community = community_make(planner)
    response = planner_client.post(reverse("admin:energy_sharingoption_add"), {
        "community": community.pk, "key": "equal", "internal_price": "0.09"})
    assert response.status_code == 302
    option = SharingOption.objects.get()
    assert option.proposal.project_id == community.pk
    assert AuditEntry.objects.filter(action="energy.option").count() == 1


def test_an_option_cannot_be_changed_in_the_admin(planner_client, planner):
    option = option_row(community_make(planner))
    url = reverse("admin:energy_sharingoption_change", args=[option.pk])
    assert planner_client.get(url).status_code == 200  # to read
    planner_client.post(url, {"community": option.community_id, "key": "fixed",
                              "internal_price": "0.05"})
    option.refresh_from_db()
    assert (option.key, str(option.internal_price)) == ("demand", "0.1000")


def test_pledges_are_read_not_changed_in_the_admin(planner_client, planner):
    pledge = pledge_row(community_make(planner), yearly_kwh=4321)
    url = reverse("admin:energy_pledge_change", args=[pledge.pk])
    assert b"4321" in planner_client.get(url).content
    planner_client.post(url, {"yearly_kwh": "1"})
    pledge.refresh_from_db()
    assert pledge.yearly_kwh == 4321
    assert planner_client.get(reverse("admin:energy_pledge_add")).status_code == 403


def test_the_simulate_action_queues_a_run(planner_client, planner,
                                          django_capture_on_commit_callbacks):
    community = community_make(planner)
    option_row(community)
    pledge_row(community)
    empty = community_make(planner, slug="empty")
    url = reverse("admin:energy_community_changelist")
    with django_capture_on_commit_callbacks(execute=False):
        response = planner_client.post(url, {"action": "simulate",
                                             "_selected_action": [community.pk, empty.pk]},
                                       follow=True)
    assert "sharing option first" in response.content.decode()
    assert not SimulationRun.objects.exists()  # all or nothing
    with django_capture_on_commit_callbacks(execute=False) as published:
        planner_client.post(url, {"action": "simulate", "_selected_action": [community.pk]})
    assert SimulationRun.objects.filter(community=community, status="queued").count() == 1
    assert len(published) == 1
    assert Pledge.objects.count() == 1
