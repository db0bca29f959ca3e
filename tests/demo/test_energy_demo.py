"""The demo's energy community: Prague, a third municipality of the region, with
Bubeneč's real buildings as a published layer, the community on them with its members'
pledges, three sharing options in voting with members' votes, and a finished simulation
whose energy balances close; loading again adds nothing."""

import io
import math

import pytest
from django.core.management import call_command

from accounts.models import RoleClaim, User
from core.tenancy import working_for
from demo.energy_bubenec import BUILDINGS, CLEAR_SKY_INDEX, OPTIONS, SLUG, TARIFFS
from demo.energy_members import MEMBERS, PERSONA, leaning, votes_cast
from demo.people import PERSONAS
from energy.models import Community, MemberResult, Pledge, PledgeStatus, RunStatus, Scope
from gisdata.models import Feature, GeometryType, Layer
from municipalities.models import Municipality
from proposals.models import PhaseKind, Project
from voting.models import Vote

pytestmark = pytest.mark.django_db
# The loader simulates the community: the engine brings pvlib and demandlib.
pytest.importorskip("energy.simulation")
# The engine's figures are sums of floats over 8,760 hours: a balance closes to well
# within a watt-hour per MWh.
REL = 1e-9


@pytest.fixture
def prague(demo_loaded, db):
    return Municipality.objects.get(slug="prague")


@pytest.fixture
def community(prague):
    with working_for(prague):
        return Community.objects.select_related("project", "building_layer").get(
            project__slug=SLUG)


def test_prague_is_a_third_city_of_the_region_with_bubenec_s_buildings_published(prague):
    barcelona = Municipality.objects.get(slug="barcelona")
    assert prague.region_id == barcelona.region_id and not prague.is_default
    assert (prague.name, prague.languages) == ("Prague", ["en"])
    with working_for(prague):
        layer = Layer.objects.get(dataset__name=BUILDINGS)
        assert layer.is_published and layer.geometry_type == GeometryType.POLYGON
        assert layer.features.count() == 144
        uids = {f.properties["uID"] for f in layer.features.all()}
        assert uids == set(range(1, 145))
        # The city's area is Bubeneč's: every building counts in it.
        for feature in layer.features.all():
            assert prague.area.covers(feature.geometry.point_on_surface)
    with working_for(barcelona):
        assert not Layer.objects.filter(dataset__name=BUILDINGS).exists()


def test_bubenec_is_a_district_community_over_its_buildings_priced_in_czk(prague, community):
    assert community.scope == Scope.DISTRICT and community.radius_m is None
    assert community.building_layer.dataset.name == BUILDINGS
    assert community.project.municipality == prague
    assert community.currency == "CZK"
    assert (community.export_price, community.internal_price, community.import_price) == (
        TARIFFS["export_price"], TARIFFS["internal_price"], TARIFFS["import_price"])
    assert list(community.clear_sky_index) == CLEAR_SKY_INDEX
    # Prague's sunshine is its own, not the engine's default of one value all year.
    assert len(set(community.clear_sky_index)) > 1
    # The other cities' projects are no communities.
    assert not Community.objects.exclude(project__municipality=prague).exists()


def test_each_member_pledges_on_a_real_building_with_a_verified_role(prague, community):
    with working_for(prague):
        pledges = list(Pledge.objects.filter(community=community).select_related("member"))
        features = {f.pk: f for f in Feature.objects.filter(layer=community.building_layer)}
        by_user = {p.member.username: p for p in pledges}
        assert set(by_user) == {m.username for m in MEMBERS}
        assert 30 <= len(pledges) <= 40
        for member in MEMBERS:
            pledge = by_user[member.username]
            assert pledge.status == PledgeStatus.ACTIVE and pledge.kind == member.kind
            building = features[pledge.building_id]
            assert building.properties["uID"] == member.building
            assert pledge.roof.equals_exact(building.geometry, 1e-9)
            claim = RoleClaim.objects.in_force().get(user=pledge.member)
            assert claim.role.slug == member.role and claim.role.municipality == prague
        # A mix of kinds, PV on part of the roofs, a couple of batteries, and blocks
        # several members share.
        assert {"household", "shop", "school", "office"} <= {p.kind for p in pledges}
        with_pv = [p for p in pledges if p.pv_kwp > 0]
        assert 5 <= len(with_pv) < len(pledges) / 2
        assert len([p for p in pledges if p.battery_kwh > 0]) == 2
        assert len({p.building_id for p in pledges}) < len(pledges)
        # An array left empty was read from the roof.
        read = [p for p, m in zip(pledges, MEMBERS, strict=False) if m.pv_kwp is None]
        assert all(p.pv_kwp > 0 for p in read)
    # The demo's other people are no members.
    assert not Pledge.objects.filter(member__username__in=["citizen", "resident"]).exists()


def test_three_sharing_options_are_in_voting_with_most_members_votes(prague, community):
    with working_for(prague):
        project = Project.objects.get(slug=SLUG)
        assert project.current_phase().kind == PhaseKind.VOTING
        options = list(community.options.order_by("pk"))
        assert [(o.key, o.internal_price) for o in options] == [
            (str(key), price) for key, price in OPTIONS]
        assert {o.proposal.project_id for o in options} == {project.pk}
        votes = Vote.objects.filter(proposal__in=[o.proposal for o in options])
        voters = [m for n, m in enumerate(MEMBERS) if votes_cast(m, n)]
        assert 20 <= len(voters) < len(MEMBERS)
        assert votes.count() == 3 * len(voters)
        for member in voters:
            cast = [votes.get(user__username=member.username, proposal=o.proposal)
                    for o in options]
            assert tuple(v.value for v in cast) == leaning(member)
            assert cast[0].role.slug == member.role  # counted with the verified role
        school = votes.filter(user__username="bubenec01").first()
        assert school.weight > votes.filter(user__username="bubenec03").first().weight
        # The persona has not voted: whoever logs in as her does.
        assert not votes.filter(user__username=PERSONA.username).exists()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-6)


def test_the_loader_s_simulation_is_done_and_its_balances_close(prague, community):
    with working_for(prague):
        run = community.runs.get()
        assert run.status == RunStatus.DONE and run.members == len(MEMBERS)
        assert MemberResult.objects.filter(run=run).count() == len(MEMBERS)
        totals = run.results["totals"]
        assert set(totals) == {str(o.pk) for o in community.options.all()}
    for by_scale in totals.values():
        assert set(by_scale) == {"building", "district", "city"}
        for scale, t in by_scale.items():
            assert t["generation_kwh"] > 0 and t["demand_kwh"] > t["generation_kwh"] / 10
            assert _close(t["generation_kwh"], t["self_consumed_kwh"] + t["shared_kwh"]
                          + t["grid_export_kwh"] + t["battery_losses_kwh"])
            assert _close(t["demand_kwh"], t["self_consumed_kwh"] + t["received_kwh"]
                          + t["grid_import_kwh"])
            if scale != "city":  # the city pool's givers are beyond the community too
                assert _close(t["shared_kwh"], t["received_kwh"])
        # Sharing across the district shares more than inside each building.
        assert by_scale["district"]["shared_kwh"] > by_scale["building"]["shared_kwh"] > 0


def test_loading_the_demo_again_adds_nothing(prague):
    from demo.loader import demo_load

    def counts():
        return (User.objects.count(), RoleClaim.objects.count(), Project.objects.count(),
                Pledge.objects.count(), Vote.objects.count(),
                Feature.objects.count(), MemberResult.objects.count(),
                Community.objects.count(),
                sum(c.runs.count() for c in Community.objects.all()))

    before = counts()
    demo_load()
    assert counts() == before


def test_the_logins_make_run_prints_name_one_energy_member(prague):
    out = io.StringIO()
    call_command("load_demo", allow_production=True, stdout=out)
    lines = out.getvalue().splitlines()
    energy = [line for line in lines if "energy community" in line]
    members = [p.username for p in PERSONAS if p.energy_member]
    assert len(energy) == 1 == len(members)
    assert energy[0].split()[0] == members[0] == PERSONA.username
    assert any(line.split()[:2] == ["/prague/", "Prague"] for line in lines)


def test_the_public_api_shows_the_community_s_simulated_totals_at_once(client, community):
    listed = client.get("/prague/api/v1/energy/communities/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [community.pk]
    answer = client.get(f"/prague/api/v1/energy/communities/{community.pk}/simulation/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["totals_public"] and body["currency"] == "CZK"
    assert body["generation_kwh"] > 0 and body["shared_kwh"] > 0
    assert set(body["scales"]) == {"building", "district", "city"}
    # Barcelona, served at /, has no community.
    elsewhere = client.get("/api/v1/energy/communities/").json()
    assert (elsewhere["results"] if isinstance(elsewhere, dict) else elsewhere) == []
