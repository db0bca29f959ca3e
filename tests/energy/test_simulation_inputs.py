"""Bad input to the simulation is refused with a message that names what is wrong, and
good input is taken as given; the package imports without Django."""

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from energy.simulation import (
    DEFAULT_CLEAR_SKY_INDEX,
    KINDS,
    SHARING_KEYS,
    Members,
    Site,
    Supply,
    Tariff,
    simulate,
)

ROOT = Path(__file__).resolve().parents[2]


def members(n=3, **columns):
    return Members.build(n, **{"yearly_kwh": 3000.0, **columns})


def test_the_interface_names_the_kinds_and_keys_the_app_stores():
    assert KINDS == ("household", "shop", "office", "school", "restaurant", "workshop",
                     "public")
    assert SHARING_KEYS == ("fixed", "demand", "equal")
    assert len(DEFAULT_CLEAR_SKY_INDEX) == 12


def test_a_site_with_twelve_months_is_taken_as_given():
    site = Site(latitude=50.1, longitude=14.4, altitude_m=200,
                clear_sky_index=[0.4 + 0.03 * m for m in range(12)],
                temperature_c=range(-1, 11))
    assert site.clear_sky_index[11] == pytest.approx(0.73)
    assert site.temperature_c == tuple(float(t) for t in range(-1, 11))
    assert site.timezone == "Etc/GMT-1"
    assert Site(40.7, -74.0, utc_offset_hours=-5).timezone == "Etc/GMT+5"


@pytest.mark.parametrize(("change", "message"), [
    ({"clear_sky_index": (0.6,) * 13}, "clear_sky_index: 12 monthly values expected, got 13"),
    ({"temperature_c": (10.0,) * 11}, "temperature_c: 12 monthly values expected, got 11"),
    ({"clear_sky_index": (0.6,) * 11 + (0.0,)}, "clear_sky_index: month 12 is 0.0"),
    ({"clear_sky_index": (1.2,) * 12}, "clear_sky_index: month 1 is 1.2"),
    ({"clear_sky_index": (math.nan,) * 12}, "clear_sky_index: month 1 is nan"),
    ({"latitude": 91}, "latitude is 91.0"),
    ({"longitude": "east"}, "longitude: a number expected"),
    ({"utc_offset_hours": 1.5}, "utc_offset_hours is 1.5"),
    ({"utc_offset_hours": 15}, "utc_offset_hours is 15"),
])
def test_a_site_with_a_wrong_value_is_refused_with_its_name(change, message):
    values = {"latitude": 50.1, "longitude": 14.4, **change}
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        Site(**values)


def test_members_with_valid_columns_are_taken_as_arrays():
    group = members(3, kind=[0, 2, 6], kwp=[0, 5.5, 10], coefficient=[np.nan, 0.3, 1.0],
                    flexible_share=[0, 0.5, 0.2])
    assert len(group) == 3
    assert group.kind.tolist() == [0, 2, 6]
    assert group.kwp.dtype == np.float64
    assert np.isnan(group.coefficient[0])
    assert group.take(np.array([2, 0])).kwp.tolist() == [10.0, 0.0]


@pytest.mark.parametrize(("column", "values", "message"), [
    ("yearly_kwh", [3000, -1, 2000], "yearly_kwh: member 1 has -1.0"),
    ("yearly_kwh", [3000, np.nan, 2000], "yearly_kwh: member 1 has no value"),
    ("kwp", [1, 2], "kwp: 3 values expected .one per member., got shape .2,."),
    ("kwp", [[1, 2, 3]], "kwp: 3 values expected"),
    ("tilt", [30, 95, 30], "tilt: member 1 has 95.0"),
    ("azimuth", [180, 180, -10], "azimuth: member 2 has -10.0"),
    ("battery_kwh", [0, 0, -5], "battery_kwh: member 2 has -5.0"),
    ("flexible_share", [0.6, 0, 0], "flexible_share: member 0 has 0.6"),
    ("coefficient", [0.5, 1.5, np.nan], "coefficient: member 1 has 1.5"),
    ("kind", [0, 7, 1], "kind: member 1 has 7"),
    ("kind", [0.5, 1, 1], "kind: whole numbers expected"),
    ("yearly_kwh", ["a", "b", "c"], "yearly_kwh: numbers expected"),
])
def test_members_with_a_wrong_value_are_refused_with_the_member_named(column, values,
                                                                      message):
    with pytest.raises(ValueError, match=message):
        members(3, **{column: values})


def test_no_members_at_all_is_refused():
    with pytest.raises(ValueError, match="kind: a list of at least one member"):
        Members.build(0)


def test_a_tariff_refuses_a_negative_price_and_takes_a_zero_one():
    assert Tariff(import_price=0.3, export_price=0, internal_price=0.1).export_price == 0
    with pytest.raises(ValueError, match="export_price is -0.05"):
        Tariff(import_price=0.3, export_price=-0.05, internal_price=0.1)
    with pytest.raises(ValueError, match="co2_kg_per_kwh is nan"):
        Tariff(import_price=0.3, export_price=0, internal_price=0.1, co2_kg_per_kwh=math.nan)


def flat_supply(n: int, hours: int = 24) -> Supply:
    return Supply(pv=np.zeros((1, hours)), orientations=np.zeros((0, 2)),
                  orientation=np.zeros(n, dtype=np.intp),
                  demand_shape=np.full((len(KINDS), hours), 1 / hours),
                  month=np.zeros(hours, dtype=np.intp))


def test_simulate_runs_with_matching_members_supply_and_groups():
    result = simulate(members(3), flat_supply(3), key="equal", groups=np.zeros(3),
                      tariff=Tariff(0.3, 0.05, 0.1))
    assert result.demand.tolist() == pytest.approx([3000.0] * 3)


@pytest.mark.parametrize(("change", "message"), [
    ({"key": "lottery"}, "key 'lottery': one of fixed, demand, equal expected"),
    ({"groups": np.zeros(2)}, "groups: 3 labels expected"),
    ({"supply": flat_supply(4)}, "supply: prepared for 4 members, given 3"),
    ({"supply": flat_supply(3, hours=30)}, "supply: whole days of hours"),
])
def test_simulate_refuses_a_mismatch_with_a_clear_message(change, message):
    arguments = {"key": "equal", "groups": np.zeros(3), "supply": flat_supply(3), **change}
    supply = arguments.pop("supply")
    with pytest.raises(ValueError, match=message):
        simulate(members(3), supply, tariff=Tariff(0.3, 0.05, 0.1), **arguments)


def test_a_period_outside_the_supply_is_refused():
    supply = flat_supply(3, hours=48)
    assert supply.days(1, 1).hours == 24
    with pytest.raises(ValueError, match="days 1 to 2: outside the 2 days"):
        supply.days(1, 2)


def test_the_simulation_imports_without_django():
    """A worker, the benchmark or a notebook can run it alone; Django is not loaded."""
    code = ("import sys, energy.simulation, bench.energy_reference; "
            "sys.exit(1 if any(m.split('.')[0] == 'django' for m in sys.modules) else 0)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env={"PATH": "/usr/bin:/bin"}, check=False)
    assert done.returncode == 0, done.stderr
    # The twin: the same check notices a module that brings Django in.
    code_with = code.replace("bench.energy_reference", "django.conf")
    assert subprocess.run([sys.executable, "-c", code_with], cwd=ROOT,
                          capture_output=True, check=False).returncode == 1
