"""What a simulation is given: the site, the members, the tariff (docs/energy-model.md).

Plain dataclasses, checked when built: a bad value is refused here with a ValueError that
names the field and, for a member, the first member at fault, so that no number is ever
guessed for the user further down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

# What a member is, in the order the app stores it (Members.kind is an index into it).
KINDS = ("household", "shop", "office", "school", "restaurant", "workshop", "public")
SHARING_KEYS = ("fixed", "demand", "equal")
# One value for every month: the share of clear-sky irradiation that reaches the ground
# on average. Why 0.69, and how to do better, in docs/energy-model.md ("Weather").
DEFAULT_CLEAR_SKY_INDEX = (0.69,) * 12
DEFAULT_TEMPERATURE_C = (12.0,) * 12
# The calendar of the simulated year: a non-leap year, so 8,760 hours, whose weekdays
# the load profiles follow (1 January 2025 is a Wednesday). No public holidays.
YEAR = 2025
HOURS = 8760
MAX_FLEXIBLE_SHARE = 0.5


def _monthly(name: str, values: Any, low: float, high: float) -> tuple[float, ...]:
    try:
        numbers = tuple(float(v) for v in values)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: 12 monthly numbers expected ({error}).") from None
    if len(numbers) != 12:
        raise ValueError(f"{name}: 12 monthly values expected, got {len(numbers)}.")
    for month, value in enumerate(numbers, start=1):
        if not (math.isfinite(value) and low <= value <= high):
            raise ValueError(f"{name}: month {month} is {value}; it must lie between "
                             f"{low} and {high}.")
    return numbers


def _number(name: str, value: Any, low: float, high: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: a number expected, got {value!r}.") from None
    if not (math.isfinite(number) and low <= number <= high):
        raise ValueError(f"{name} is {number}; it must lie between {low} and {high}.")
    return number


@dataclass(frozen=True)
class Site:
    """Where the community is. Hours are the zone's standard time all year (no summer
    time), so the year has 8,760 of them and the sun is at its highest near noon."""

    latitude: float
    longitude: float
    altitude_m: float = 0
    utc_offset_hours: int = 1
    clear_sky_index: tuple[float, ...] = DEFAULT_CLEAR_SKY_INDEX
    temperature_c: tuple[float, ...] = DEFAULT_TEMPERATURE_C

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "latitude", _number("latitude", self.latitude, -90, 90))
        set_(self, "longitude", _number("longitude", self.longitude, -180, 180))
        # From the Dead Sea shore to the highest towns: beyond, a typing error.
        set_(self, "altitude_m", _number("altitude_m", self.altitude_m, -500, 6000))
        offset = self.utc_offset_hours
        if isinstance(offset, bool) or not isinstance(offset, int | np.integer) \
                or not -12 <= offset <= 14:
            raise ValueError(f"utc_offset_hours is {offset!r}; whole hours from -12 to "
                             f"14 expected (the zone's standard time).")
        set_(self, "utc_offset_hours", int(offset))
        set_(self, "clear_sky_index",
             _monthly("clear_sky_index", self.clear_sky_index, 0.05, 1.0))
        set_(self, "temperature_c", _monthly("temperature_c", self.temperature_c, -60, 60))

    @property
    def timezone(self) -> str:
        """The IANA name of the fixed offset: Etc/GMT-1 is UTC+1 (the sign is POSIX's)."""
        return f"Etc/GMT{-self.utc_offset_hours:+d}"


# name, lowest, highest (inclusive); NaN is refused except where said.
MEMBER_FIELDS = {
    "yearly_kwh": (0.0, 1e9),
    "kwp": (0.0, 1e6),
    "tilt": (0.0, 90.0),
    "azimuth": (0.0, 360.0),
    "battery_kwh": (0.0, 1e7),
    "battery_kw": (0.0, 1e7),
    "flexible_share": (0.0, MAX_FLEXIBLE_SHARE),
    "coefficient": (0.0, 1.0),  # or NaN: proportional to yearly use
}


@dataclass(frozen=True)
class Members:
    """N members as arrays of length N (struct of arrays: the engine works on them whole).

    kind: index into KINDS; yearly_kwh: yearly electricity use; kwp: PV peak power
    (0: no array); tilt and azimuth in degrees (azimuth 180 = south, 90 = east);
    battery_kwh, battery_kw: usable capacity and power (0: none); flexible_share: the
    share of each day's use that can move to sunny hours (0 to 0.5); coefficient: the
    member's share of the group's surplus under the fixed key (0 to 1), NaN for a share
    of what the others leave, proportional to yearly use.
    """

    kind: np.ndarray
    yearly_kwh: np.ndarray
    kwp: np.ndarray
    tilt: np.ndarray
    azimuth: np.ndarray
    battery_kwh: np.ndarray
    battery_kw: np.ndarray
    flexible_share: np.ndarray
    coefficient: np.ndarray

    def __post_init__(self):
        kind = np.asarray(self.kind)
        if kind.ndim != 1 or kind.size == 0:
            raise ValueError(f"kind: a list of at least one member expected, got shape "
                             f"{kind.shape}.")
        n = kind.size
        if kind.dtype.kind not in "iu" and not (
                kind.dtype.kind == "f" and np.all(np.isfinite(kind))
                and np.all(kind == np.round(kind))):
            raise ValueError("kind: whole numbers expected (indices into KINDS).")
        bad = np.flatnonzero((kind < 0) | (kind >= len(KINDS)))
        if bad.size:
            raise ValueError(f"kind: member {bad[0]} has {kind[bad[0]]}; 0 to "
                             f"{len(KINDS) - 1} expected ({', '.join(KINDS)}).")
        object.__setattr__(self, "kind", kind.astype(np.intp))
        for name, (low, high) in MEMBER_FIELDS.items():
            values = _member_array(name, getattr(self, name), n)
            missing = np.isnan(values)
            if name != "coefficient" and missing.any():
                raise ValueError(f"{name}: member {np.flatnonzero(missing)[0]} has no "
                                 f"value (NaN).")
            wrong = ~missing & ~((values >= low) & (values <= high))
            if wrong.any():
                first = np.flatnonzero(wrong)[0]
                raise ValueError(f"{name}: member {first} has {values[first]}; it must "
                                 f"lie between {low:g} and {high:g}.")
            object.__setattr__(self, name, values)

    def __len__(self) -> int:
        return self.kind.size

    @classmethod
    def build(cls, n: int, **columns: Any) -> Members:
        """N members from scalars or arrays, the rest at their defaults: a household of
        no use and no PV, tilt 30, south, no battery, nothing flexible, NaN coefficient."""
        defaults: dict[str, Any] = dict(kind=0, yearly_kwh=0.0, kwp=0.0, tilt=30.0,
                                        azimuth=180.0, battery_kwh=0.0, battery_kw=0.0,
                                        flexible_share=0.0, coefficient=np.nan)
        unknown = set(columns) - set(defaults)
        if unknown:
            raise ValueError(f"unknown member fields: {', '.join(sorted(unknown))}.")
        defaults.update(columns)
        # A scalar stands for every member; a list is taken as it is (and checked).
        return cls(**{name: np.full(n, value) if np.ndim(value) == 0 else value
                      for name, value in defaults.items()})

    def take(self, index: np.ndarray) -> Members:
        """The members at `index` (positions or a boolean mask), in that order."""
        return Members(**{name: getattr(self, name)[index] for name in FIELD_NAMES})


FIELD_NAMES = ("kind", *MEMBER_FIELDS)


def _member_array(name: str, values: Any, n: int) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: numbers expected.") from None
    if array.shape != (n,):
        raise ValueError(f"{name}: {n} values expected (one per member), got shape "
                         f"{array.shape}.")
    return array.copy()


@dataclass(frozen=True)
class Tariff:
    """Prices per kWh in the project's currency: bought from the grid, paid for what is
    exported, paid by a receiver to a giver inside the community; `sharing_fee` is what
    the grid charges for each kWh shared over it (city scale); `co2_kg_per_kwh` is the
    grid's emission factor, for the CO2 that local use avoids."""

    import_price: float
    export_price: float
    internal_price: float
    sharing_fee: float = 0.0
    co2_kg_per_kwh: float = 0.25

    def __post_init__(self):
        for name in ("import_price", "export_price", "internal_price", "sharing_fee"):
            object.__setattr__(self, name, _number(name, getattr(self, name), 0, 1e6))
        object.__setattr__(self, "co2_kg_per_kwh",
                           _number("co2_kg_per_kwh", self.co2_kg_per_kwh, 0, 5))
