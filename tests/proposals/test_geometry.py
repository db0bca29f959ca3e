"""One validator for every geometry a user sends (proposals.geometry.geometry_clean)."""

import json

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.exceptions import ValidationError

from proposals.geometry import MAX_VERTICES, geometry_clean
from tests.factories import AREA_BBOX, LINE, POINT, SQUARE

AREA = MultiPolygon(Polygon.from_bbox(AREA_BBOX), srid=4326)


def refused(raw, code: str, area=AREA) -> str:
    with pytest.raises(ValidationError) as exc:
        geometry_clean(raw, area=area)
    assert exc.value.code == code, exc.value
    return exc.value.messages[0]


@pytest.mark.parametrize("geojson", [POINT, LINE, SQUARE])
def test_points_lines_and_areas_inside_the_area_pass(geojson):
    geometry = geometry_clean(geojson, area=AREA)
    assert geometry.geom_type == geojson["type"] and geometry.srid == 4326


def test_it_takes_a_json_string_as_well():
    assert geometry_clean(json.dumps(POINT), area=AREA).coords == (2.17, 41.39)


@pytest.mark.quality("geometry-type")
def test_a_z_coordinate_is_dropped():
    geometry = geometry_clean({"type": "Point", "coordinates": [2.17, 41.39, 12.5]}, area=AREA)
    assert geometry.coords == (2.17, 41.39) and not geometry.hasz


@pytest.mark.quality("coordinates-out-of-range", "geometry-type")
def test_z_and_m_values_are_dropped_and_a_fifth_number_is_refused():
    line = {"type": "LineString", "coordinates": [[2.17, 41.39, 12.5, 7], [2.18, 41.40, 3, 8]]}
    assert geometry_clean(line, area=AREA).coords == ((2.17, 41.39), (2.18, 41.40))
    assert "longitude and a latitude" in refused(
        {"type": "Point", "coordinates": [2.17, 41.39, 1, 2, 3]}, "invalid_geometry")
    assert "finite" in refused(
        {"type": "Point", "coordinates": [float("nan"), 41.39, 1, 2]}, "invalid_geometry")


@pytest.mark.quality("self-intersection")
def test_a_self_intersecting_area_is_refused_with_the_geos_reason():
    bowtie = {"type": "Polygon", "coordinates": [[[2.15, 41.40], [2.16, 41.41], [2.16, 41.40],
                                                  [2.15, 41.41], [2.15, 41.40]]]}
    assert "Self-intersection" in refused(bowtie, "invalid_geometry")


@pytest.mark.quality("invalid-geometry")
def test_an_unclosed_ring_is_refused_not_a_crash():
    ring = {"type": "Polygon", "coordinates": [[[2.15, 41.40], [2.16, 41.40], [2.16, 41.41],
                                                [2.15, 41.41]]]}
    refused(ring, "invalid_geometry")


@pytest.mark.parametrize("raw", [
    "not json", "[1, 2]", '{"type": "Point"}', {"type": "Point", "coordinates": "2,41"},
    {"type": "Point", "coordinates": ["2.17", "41.39"]},
    {"type": "Point", "coordinates": [True, 41.39]},
    {"type": "LineString", "coordinates": [2.17, 41.39]},
    {"type": "Point", "coordinates": [2.17]},
    '{"type": "Point", "coordinates": [NaN, 41.39]}',
    '{"type": "Point", "coordinates": [Infinity, 41.39]}',
    "[" * 100_000,
])
@pytest.mark.quality("invalid-geometry")
def test_malformed_geojson_is_refused(raw):
    refused(raw, "invalid_geometry")


@pytest.mark.parametrize("coords", [[200, 41.39], [2.17, 95], [-181, 0]])
@pytest.mark.quality("coordinates-out-of-range")
def test_out_of_range_coordinates_are_refused(coords):
    assert "out of range" in refused({"type": "Point", "coordinates": coords}, "out_of_range")


@pytest.mark.quality("coordinates-out-of-range")
def test_swapped_latitude_and_longitude_are_explained():
    message = refused({"type": "Point", "coordinates": [41.39, 2.17]}, "outside_area")
    assert "swapped" in message


@pytest.mark.quality("coordinates-out-of-range")
def test_a_proposal_outside_the_area_is_refused():
    assert "outside" in refused({"type": "Point", "coordinates": [2.30, 41.39]},
                                "outside_area")


@pytest.mark.quality("coordinates-out-of-range")
def test_a_line_leaving_the_area_is_refused():
    refused({"type": "LineString", "coordinates": [[2.17, 41.39], [2.30, 41.39]]},
            "outside_area")


@pytest.mark.parametrize("kind", ["MultiPoint", "GeometryCollection", "Feature", None])
@pytest.mark.quality("geometry-type")
def test_other_types_are_refused(kind):
    refused({"type": kind, "coordinates": [[2.17, 41.39]]}, "invalid_geometry")


@pytest.mark.quality("geometry-type")
def test_a_type_not_allowed_here_is_refused():
    with pytest.raises(ValidationError) as exc:
        geometry_clean(SQUARE, area=AREA, allowed=("Point",))
    assert exc.value.code == "geometry_type"


@pytest.mark.quality("geometry-type")
def test_empty_geometries_are_refused():
    refused({"type": "LineString", "coordinates": []}, "empty_geometry")
    refused({"type": "Polygon", "coordinates": [[]]}, "empty_geometry")


@pytest.mark.quality("wrong-crs")
def test_a_crs_member_is_refused_rather_than_ignored():
    refused({**POINT, "crs": {"type": "name", "properties": {"name": "EPSG:25831"}}},
            "invalid_crs")


@pytest.mark.quality("huge-geometry")
def test_too_many_vertices_are_refused_before_geos_sees_them():
    line = {"type": "LineString",
            "coordinates": [[2.15 + i * 1e-6, 41.40] for i in range(MAX_VERTICES + 1)]}
    refused(line, "too_many_vertices")


@pytest.mark.quality("huge-geometry")
def test_a_huge_body_is_refused_before_parsing():
    refused('{"type": "Point", "coordinates": [2.17, 41.39], "pad": "' + "x" * 300_000 + '"}',
            "geometry_too_large")
