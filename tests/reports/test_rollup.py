"""Participation rolled up from neighbourhood to district to city to region."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.contrib.gis.geos import Point
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from municipalities.models import Area, AreaLevel, Municipality
from municipalities.selectors import municipality_default
from proposals.areas import areas_import
from proposals.models import Proposal
from reports.rollup import COUNTS, participation_rollup
from tests.area_factories import grid_import, grid_layers
from tests.factories import comment_make, project_make, proposal_make, user_make
from voting.models import ProjectVoting, Vote

pytestmark = pytest.mark.django_db
ADDITIVE = [k for k in COUNTS if k != "participants"]


def _voting_project(slug="plaza-test"):
    """A project in its voting phase where every vote weighs 1.5 (no verified roles)."""
    return project_make(slug, phase="voting", before_phases=lambda project: (
        ProjectVoting.objects.create(project=project, unverified_weight=Decimal("1.5"))))


def _vote(proposal, user, value=1):
    return Vote.objects.create(proposal=proposal, user=user, value=value,
                               weight=Decimal("1.5"))


def _sum(nodes):
    total = dict.fromkeys(ADDITIVE, 0)
    for counts in nodes:
        for k in ADDITIVE:
            total[k] += counts[k]
    return total


def _assert_additive(tree):
    for city in tree["municipalities"]:
        for district in city["districts"]:
            parts = [n["counts"] for n in district["neighbourhoods"]] + [district["outside"]]
            assert _sum(parts) == {k: district["counts"][k] for k in ADDITIVE}
        parts = [d["counts"] for d in city["districts"]] + [city["outside"]]
        assert _sum(parts) == {k: city["counts"][k] for k in ADDITIVE}
    if tree["region"] is not None:
        assert _sum([c["counts"] for c in tree["municipalities"]]) == \
            {k: tree["region"]["counts"][k] for k in ADDITIVE}


def _find(tree, code):
    for city in tree["municipalities"]:
        for district in city["districts"]:
            if district["code"] == code:
                return district
            for n in district["neighbourhoods"]:
                if n["code"] == code:
                    return n
    raise KeyError(code)


def test_the_numbers_of_a_city_by_district_and_neighbourhood():
    grid_import(2, 2, population=lambda code: 2000)
    project = _voting_project()
    ana, ben, cai = user_make(), user_make(), user_make()
    east = proposal_make(project, ana, geometry={"type": "Point", "coordinates": [2.19, 41.37]})
    west = proposal_make(project, ben, geometry={"type": "Point", "coordinates": [2.12, 41.43]})
    far = proposal_make(project, cai, geometry={"type": "Point", "coordinates": [2.30, 41.50]})
    proposal_make(project, cai, status="submitted")  # not public: not counted
    proposal_make(project, cai, is_hidden=True, hidden_reason="Spam")
    comment_make(east, ben)
    comment_make(east, cai, is_hidden=True, hidden_reason="Rude")  # not public
    _vote(east, ben, 1)
    _vote(east, cai, -1)
    _vote(west, ana, 1)
    _vote(far, ana, 0)

    tree = participation_rollup(municipalities=[municipality_default()])

    assert tree["region"] is None
    n21 = _find(tree, "N2-1")
    assert n21["counts"] == {"proposals": 1, "comments": 1, "votes": 2,
                             "support_weight": Decimal("1.5"), "participants": 3}
    assert n21["per_1000"]["participants"] == Decimal("1.50")
    assert _find(tree, "N1-2")["counts"]["participants"] == 2  # ben wrote, ana voted
    city = tree["municipalities"][0]
    assert city["outside"]["proposals"] == 1 and city["outside"]["participants"] == 2
    # Participants at the city: ana, ben, cai, each once though they act in several places.
    assert city["counts"]["participants"] == 3
    assert city["counts"]["proposals"] == 3 and city["counts"]["votes"] == 4
    assert city["per_1000"] is None  # no population given for the city
    _assert_additive(tree)


@pytest.mark.quality("rollup-adds-up")
def test_a_region_sums_its_municipalities_and_counts_its_people_once():
    girona = Municipality.objects.create(slug="girona", name="Girona", population=100000)
    home = municipality_default()
    home.population = 1600000
    home.save()
    grid_import(1, 1)
    ana = user_make()
    here = project_make()
    there = project_make("girona-test", municipality=girona)
    proposal_make(here, ana)
    proposal_make(there, ana)
    tree = participation_rollup(municipalities=[home, girona])
    assert tree["region"]["counts"]["proposals"] == 2
    assert tree["region"]["counts"]["participants"] == 1
    assert tree["region"]["population"] == 1700000
    _assert_additive(tree)
    only = participation_rollup(municipalities=[home], project=here)
    assert only["municipalities"][0]["counts"]["proposals"] == 1


def test_the_public_view_counts_listed_projects_and_public_results_only():
    grid_import(1, 1)
    listed = _voting_project()
    draft = project_make("draft", visibility="draft")
    secret_votes = proposal_make(listed, user_make())
    proposal_make(draft, user_make())
    voter = user_make()
    _vote(secret_votes, voter)
    home = municipality_default()
    public = participation_rollup(municipalities=[home], public=True)["municipalities"][0]
    assert public["counts"]["proposals"] == 1
    assert public["counts"]["votes"] == 0 and public["counts"]["participants"] == 1
    ProjectVoting.objects.filter(project=listed).update(results_public=True)
    public = participation_rollup(municipalities=[home], public=True)["municipalities"][0]
    assert public["counts"]["votes"] == 1 and public["counts"]["participants"] == 2
    everything = participation_rollup(municipalities=[home])["municipalities"][0]
    assert everything["counts"]["proposals"] == 2


# The grid of the property test: 3 districts of 4 x 10 cells of 0.01°, each cut into 2
# neighbourhoods of 4 x 5 cells, but for N3-2, missing: its cells are in D3 and in no
# neighbourhood. Points are at cell centres, from 2 cells outside the grid to 2 beyond.
CELLS = st.tuples(st.integers(-2, 13), st.integers(-2, 11))
ACT = st.tuples(st.integers(0, 4), st.sampled_from(["comment", "support", "oppose"]))
PROPOSAL = st.tuples(CELLS, st.integers(0, 4), st.lists(ACT, max_size=3))


def _expected_place(ix, iy):
    if not (0 <= ix < 12 and 0 <= iy < 10):
        return None, None
    district, row = ix // 4 + 1, iy // 5 + 1
    neighbourhood = None if (district, row) == (3, 2) else f"N{district}-{row}"
    return f"D{district}", neighbourhood


@pytest.fixture
def grid_with_a_gap():
    districts, neighbourhoods = grid_layers(3, 2)
    neighbourhoods.features.filter(properties__CODI="N3-2").delete()
    areas_import(planner=None, municipality=municipality_default(),
                 districts_layer=districts, district_code="CODI", district_name="NOM",
                 neighbourhoods_layer=neighbourhoods, neighbourhood_code="CODI",
                 neighbourhood_name="NOM")
    return _voting_project(), [user_make() for _ in range(5)]


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(proposals=st.lists(PROPOSAL, max_size=12))
@pytest.mark.quality("rollup-adds-up")
def test_every_level_equals_the_sum_of_its_parts_and_a_direct_count(grid_with_a_gap,
                                                                   proposals):
    project, people = grid_with_a_gap
    codes = dict(Area.objects.values_list("pk", "code"))
    with transaction.atomic():
        expected = defaultdict(lambda: {"proposals": 0, "comments": 0, "votes": 0,
                                        "support_weight": Decimal("0"), "people": set()})
        for (ix, iy), author, acts in proposals:
            where = Point(2.10 + ix * 0.01 + 0.005, 41.35 + iy * 0.01 + 0.005, srid=4326)
            proposal = proposal_make(project, people[author], geometry=where)
            district, neighbourhood = _expected_place(ix, iy)
            keys = ["city", f"{district}/{neighbourhood}" if district else "outside"]
            if district:
                keys.append(district)
            if neighbourhood:
                keys.append(neighbourhood)
            seen = set()
            for who, kind in acts:
                for key in keys:
                    expected[key]["people"].add(who)
                if kind == "comment":
                    comment_make(proposal, people[who])
                    for key in keys:
                        expected[key]["comments"] += 1
                elif who not in seen:
                    seen.add(who)
                    _vote(proposal, people[who], 1 if kind == "support" else -1)
                    for key in keys:
                        expected[key]["votes"] += 1
                        if kind == "support":
                            expected[key]["support_weight"] += Decimal("1.5")
            for key in keys:
                expected[key]["proposals"] += 1
                expected[key]["people"].add(author)

        tree = participation_rollup(municipalities=[municipality_default()])

        def want(key):
            found = expected.get(key)
            if found is None:
                return {k: 0 for k in COUNTS}
            return {**{k: found[k] for k in ADDITIVE}, "participants": len(found["people"])}

        _assert_additive(tree)
        city = tree["municipalities"][0]
        assert city["counts"] == want("city")
        assert city["outside"] == want("outside")
        for district in city["districts"]:
            assert district["counts"] == want(district["code"])
            assert district["outside"] == want(f"{district['code']}/None")
            for n in district["neighbourhoods"]:
                assert n["counts"] == want(n["code"])
                assert f"{district['code']}/{n['code']}" in {
                    f"{codes[a.parent_id]}/{a.code}" for a in
                    Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD)}
        assert Proposal.objects.count() == len(proposals)
        transaction.set_rollback(True)
