"""Districts and neighbourhoods imported from layers, and proposals placed in them."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditAction, AuditEntry
from municipalities.models import Area, AreaLevel, Municipality
from municipalities.selectors import municipality_default
from proposals.areas import areas_import
from proposals.models import Proposal
from proposals.services import proposal_update
from tests.area_factories import box, grid_import, grid_layers, layer_of
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db

# On the 2 x 2 grid: D1 is west of 2.16, D2 east; row 1 south of 41.40, row 2 north.
IN_D2_ROW1 = {"type": "Point", "coordinates": [2.19, 41.37]}
IN_D1_ROW2 = {"type": "Point", "coordinates": [2.12, 41.43]}


def _area(level, code):
    return Area.objects.get(municipality=municipality_default(), level=level, code=code)


def test_an_import_copies_the_hierarchy_and_places_the_proposals_already_there():
    project = project_make()
    east = proposal_make(project, user_make(), geometry=IN_D2_ROW1)
    line = proposal_make(project, user_make(), geometry={
        "type": "LineString", "coordinates": [[2.11, 41.42], [2.12, 41.43], [2.13, 41.44]]})
    assert east.district_id is None  # no areas yet

    counts = grid_import(2, 2, population=lambda code: 1000)

    assert counts == {"districts": 2, "neighbourhoods": 4, "proposals": 2, "moved": 2,
                      "removed": 0}
    n21, d2 = _area(AreaLevel.NEIGHBOURHOOD, "N2-1"), _area(AreaLevel.DISTRICT, "D2")
    assert n21.parent == d2 and n21.name == "Neighbourhood N2-1"
    assert n21.population == 1000 and d2.population is None
    east.refresh_from_db()
    line.refresh_from_db()
    assert (east.district, east.neighbourhood) == (d2, n21)
    assert line.neighbourhood == _area(AreaLevel.NEIGHBOURHOOD, "N1-2")
    assert line.district == _area(AreaLevel.DISTRICT, "D1")


def test_a_neighbourhood_s_parent_may_be_named_by_a_property():
    municipality = municipality_default()
    districts, neighbourhoods = grid_layers(2, 1, with_parent=True)
    # Swap the districts' shapes: containment would give the other parent.
    for feature in districts.features.all():
        feature.geometry = box(2.16, 41.35, 2.22, 41.45) if feature.properties["CODI"] == "D1" \
            else box(2.10, 41.35, 2.16, 41.45)
        feature.save()
    areas_import(planner=None, municipality=municipality, districts_layer=districts,
                 district_code="CODI", district_name="NOM",
                 neighbourhoods_layer=neighbourhoods, neighbourhood_code="CODI",
                 neighbourhood_name="NOM", neighbourhood_parent="DISTRICTE")
    assert _area(AreaLevel.NEIGHBOURHOOD, "N1-1").parent.code == "D1"


def test_a_parent_named_but_missing_is_refused_and_nothing_changes():
    districts, neighbourhoods = grid_layers(1, 1)
    feature = neighbourhoods.features.get()
    feature.properties = {**feature.properties, "DISTRICTE": "D9"}
    feature.save()
    with pytest.raises(ValidationError, match="D9"):
        areas_import(planner=None, municipality=municipality_default(),
                     districts_layer=districts, district_code="CODI", district_name="NOM",
                     neighbourhoods_layer=neighbourhoods, neighbourhood_code="CODI",
                     neighbourhood_name="NOM", neighbourhood_parent="DISTRICTE")
    assert not Area.objects.exists()


def test_features_that_share_a_code_are_one_area_with_their_shapes_unioned():
    layer = layer_of("districts", [
        ({"CODI": "01", "NOM": "Ciutat Vella"}, box(2.10, 41.35, 2.12, 41.37)),
        ({"CODI": "01", "NOM": "Ciutat Vella"}, box(2.20, 41.43, 2.22, 41.45)),
        ({"CODI": 2, "NOM": "Eixample", "POB": "2500"}, box(2.13, 41.38, 2.15, 41.40))])
    counts = areas_import(planner=None, municipality=municipality_default(),
                          districts_layer=layer, district_code="CODI", district_name="NOM",
                          population="POB")
    assert counts["districts"] == 2
    vella = _area(AreaLevel.DISTRICT, "01")
    assert len(vella.geometry) == 2
    assert _area(AreaLevel.DISTRICT, "2").population == 2500


def test_a_second_import_keeps_the_ids_and_removes_what_is_gone():
    grid_import(2, 2)
    kept = _area(AreaLevel.DISTRICT, "D1").pk
    gone = _area(AreaLevel.NEIGHBOURHOOD, "N2-2").pk
    counts = grid_import(2, 1)  # one row: N?-2 are gone, N?-1 now cover whole districts
    assert counts["removed"] == 2
    assert _area(AreaLevel.DISTRICT, "D1").pk == kept
    assert not Area.objects.filter(pk=gone).exists()
    assert Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD).count() == 2


def test_an_area_a_project_runs_for_cannot_disappear():
    grid_import(2, 2)
    area = _area(AreaLevel.NEIGHBOURHOOD, "N2-2")
    project = project_make(scope_area=area)
    proposal = proposal_make(project, user_make(), geometry=IN_D1_ROW2)
    before = list(Area.objects.values_list("pk", "code", "parent_id").order_by("pk"))
    with pytest.raises(ValidationError, match="N2-2"):
        grid_import(2, 1)
    assert list(Area.objects.values_list("pk", "code", "parent_id").order_by("pk")) == before
    proposal.refresh_from_db()
    assert proposal.neighbourhood.code == "N1-2"


def test_layers_of_another_municipality_are_refused():
    girona = Municipality.objects.create(slug="girona", name="Girona")
    districts, _neighbourhoods = grid_layers(1, 1, municipality=girona)
    with pytest.raises(ValidationError, match="another municipality"):
        areas_import(planner=None, municipality=municipality_default(),
                     districts_layer=districts, district_code="CODI", district_name="NOM")


def test_only_the_municipality_s_planners_import_and_each_import_is_logged():
    with pytest.raises(PermissionDenied):
        grid_import(1, 1, planner=user_make())
    girona = Municipality.objects.create(slug="girona", name="Girona")
    with pytest.raises(PermissionDenied):
        grid_import(1, 1, planner=user_make(planner=True), municipality=girona)
    assert not Area.objects.exists()

    planner = user_make(planner=True)
    grid_import(1, 1, planner=planner)
    entry = AuditEntry.objects.get(action=AuditAction.AREAS_IMPORT)
    assert entry.actor_id == planner.pk
    assert entry.municipality_id == municipality_default().pk
    assert entry.details["districts"] == 1


def test_the_database_places_a_proposal_when_it_is_written_or_moved():
    grid_import(2, 2)
    author = user_make()
    project = project_make()
    proposal = proposal_make(project, author, geometry=IN_D2_ROW1)
    proposal.refresh_from_db()
    assert proposal.neighbourhood.code == "N2-1" and proposal.district.code == "D2"

    moved = proposal_update(proposal=proposal, user=author, geometry=IN_D1_ROW2)
    assert moved.neighbourhood.code == "N1-2" and moved.district.code == "D1"

    # Outside the grid (still in no area): nothing.
    Proposal.objects.filter(pk=proposal.pk).update(
        geometry=MultiPolygon(Polygon.from_bbox((3.0, 42.0, 3.01, 42.01)), srid=4326)[0])
    proposal.refresh_from_db()
    assert (proposal.district, proposal.neighbourhood) == (None, None)


def test_a_proposal_in_a_district_but_in_no_neighbourhood_counts_in_the_district():
    municipality = municipality_default()
    districts = layer_of("d", [({"CODI": "D", "NOM": "D"}, box(2.10, 41.35, 2.22, 41.45))])
    neighbourhoods = layer_of("n", [({"CODI": "N", "NOM": "N"},
                                     box(2.10, 41.35, 2.12, 41.37))])
    areas_import(planner=None, municipality=municipality, districts_layer=districts,
                 district_code="CODI", district_name="NOM",
                 neighbourhoods_layer=neighbourhoods, neighbourhood_code="CODI",
                 neighbourhood_name="NOM")
    proposal = proposal_make(project_make(), user_make(), geometry=IN_D2_ROW1)
    proposal.refresh_from_db()
    assert proposal.district.code == "D" and proposal.neighbourhood is None


def test_proposals_of_another_municipality_are_not_placed_in_these_areas():
    girona = Municipality.objects.create(slug="girona", name="Girona")
    project = project_make(municipality=girona)
    proposal = proposal_make(project, user_make(), geometry=IN_D2_ROW1)
    grid_import(2, 2)
    proposal.refresh_from_db()
    assert proposal.district is None
    fresh = proposal_make(project, user_make(), geometry=IN_D2_ROW1)
    fresh.refresh_from_db()
    assert fresh.district is None


def test_the_proposal_page_names_its_neighbourhood_and_district(client):
    from django.contrib.gis.geos import Point

    from tests.area_factories import EAST, NORTH, SOUTH, WEST

    grid_import(1, 1)
    Area.objects.filter(level=AreaLevel.NEIGHBOURHOOD).update(name="<b>Sant Antoni</b>")
    project = project_make("placed")
    proposal = proposal_make(project, user_make(), status="published",
                             geometry=Point((WEST + EAST) / 2, (SOUTH + NORTH) / 2,
                                            srid=4326))
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "In &lt;b&gt;Sant Antoni&lt;/b&gt;, District D1" in page
