"""A member's pledge to an energy community: the roof and what is on it, and what they
use (docs/energy.md).

Members pledge while the project takes ideas (its ideation phase: the time to gather
what people bring, before they vote on how to share it) and may change their pledge
until then; withdrawing is open at any time, since no one is bound to a pledge. The
roof is the building's footprint picked on the community's building layer, or drawn;
it must count in the community (its point on surface in the project's area, or within
the radius of the installation). What the member leaves empty about the PV array is
read from the roof (energy/roofs.py). Every number is checked here in words, and by
the database's constraints on every path.
"""

from __future__ import annotations

import math
from datetime import datetime

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from energy.models import (
    FLEXIBLE_SHARE_MAX,
    KINDS,
    PV_KWP_MAX,
    YEARLY_KWH,
    Community,
    Pledge,
    PledgeStatus,
    Scope,
)
from energy.roofs import roof_defaults
from energy.selectors import roof_in_community
from gisdata.models import Feature
from proposals.geometry import geometry_clean
from proposals.models import PhaseKind, Visibility

UNSET = object()  # an argument not given: the value stays as it is


def why_not_pledge(user, community: Community, at: datetime | None = None) -> str | None:
    """Why `user` may not pledge to (or change a pledge in) `community` now; None: they may."""
    if not user.is_authenticated:
        return _("Log in to pledge.")
    project = community.project
    if project.visibility == Visibility.DRAFT:
        return _("This project is not open yet.")
    phase = project.current_phase(at or timezone.now())
    if phase is None or phase.kind != PhaseKind.IDEATION:
        return _("Pledges are taken while the project's ideation phase is open.")
    return None


def _footprint(geometry: GEOSGeometry) -> Polygon:
    """A building's roof: its polygon, or the largest of its parts."""
    roof = max(geometry, key=lambda part: part.area) if isinstance(
        geometry, MultiPolygon) else geometry.clone()
    roof.srid = 4326
    return roof


def _building(community: Community, building) -> Feature:
    if community.building_layer_id is None:
        raise ValidationError({"building": _("This community has no building layer: draw "
                                             "your roof instead.")})
    try:
        pk = int(getattr(building, "pk", building))
    except (TypeError, ValueError):
        pk = None
    found = None if pk is None else Feature.objects.filter(
        pk=pk, layer_id=community.building_layer_id).first()
    if found is None:
        raise ValidationError({"building": _("Pick a building on the community's map.")})
    if found.geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError({"building": _("This building has no outline to put a roof "
                                             "on: draw your roof instead.")})
    return found


def _roof(raw) -> Polygon:
    if isinstance(raw, GEOSGeometry):
        if raw.srid not in (None, 4326):
            raw = raw.transform(4326, clone=True)
        raw = raw.json
    try:
        return geometry_clean(raw, allowed=("Polygon",))
    except ValidationError as exc:
        raise ValidationError({"roof": exc.messages}) from exc


def _place(community: Community, roof, building) -> tuple[Polygon, int | None]:
    """The roof and the building it is on, checked: picked on the building layer (the
    footprint, unless the member drew it better) or drawn, inside the community."""
    feature = _building(community, building) if building is not None else None
    if roof is not None:
        roof = _roof(roof)
    elif feature is not None:
        roof = _footprint(feature.geometry)
    else:
        raise ValidationError({"roof": _("Pick your building on the map or draw your "
                                         "roof.")})
    if not roof_in_community(community, roof):
        message = (_("This roof is more than %(radius)s m from the community's "
                     "installation.") % {"radius": number_format(community.radius_m,
                                                                 force_grouping=True)}
                   if community.scope == Scope.RADIUS else
                   _("This roof lies outside the project's area."))
        raise ValidationError({"roof": message})
    return roof, getattr(feature, "pk", None)


def _number(value, field: str, low: float, high: float, message: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: message}) from exc
    if not (math.isfinite(number) and low <= number <= high):
        raise ValidationError({field: message})
    return number


def _taken_kwp(community: Community, building_id: int | None, *, but: int | None = None
               ) -> float:
    """The arrays other members of the community pledged on this building."""
    if building_id is None:
        return 0.0
    others = Pledge.objects.filter(community=community, building_id=building_id,
                                   status=PledgeStatus.ACTIVE).exclude(pk=but)
    return float(others.aggregate(total=Sum("pv_kwp"))["total"] or 0.0)


def _figures(values: dict, roof: Polygon | None, *, taken_kwp: float = 0.0) -> dict:
    """The pledge's numbers checked, with what the member left empty (None) about the
    array read from the roof: on a building, what its other members' arrays leave of it
    (a roof holds one array, however many households pledge it). Every problem at once,
    by field. Without a roof (it was refused) the others are still checked, so the
    member hears of every problem."""
    checks = {
        "kind": lambda v: v if v in KINDS else _fail("kind", _(
            "Choose what kind of member you are: a household, a shop, an office…")),
        "yearly_kwh": lambda v: _number(v, "yearly_kwh", *YEARLY_KWH, _(
            "Give your yearly use in kWh, between %(low)s and %(high)s.") % {
            "low": number_format(YEARLY_KWH[0], force_grouping=True),
            "high": number_format(YEARLY_KWH[1], force_grouping=True)}),
        "pv_kwp": lambda v: _number(v, "pv_kwp", 0, PV_KWP_MAX, _(
            "The array's peak power is between 0 and %(max)s kWp.") % {"max": PV_KWP_MAX}),
        "pv_tilt": lambda v: _number(v, "pv_tilt", 0, 90, _(
            "The tilt is between 0° (flat) and 90° (upright).")),
        "pv_azimuth": lambda v: _number(v, "pv_azimuth", 0, 360, _(
            "The azimuth is between 0° and 360°, 180° facing south.")),
        "battery_kwh": lambda v: _number(v, "battery_kwh", 0, math.inf, _(
            "A battery's capacity is zero or more kWh.")),
        "battery_kw": lambda v: _number(v, "battery_kw", 0, math.inf, _(
            "A battery's power is zero or more kW.")),
        "flexible_share": lambda v: _number(v, "flexible_share", 0, FLEXIBLE_SHARE_MAX, _(
            "The flexible share is between 0 and %(max)s of each day's use.")
            % {"max": FLEXIBLE_SHARE_MAX}),
        "coefficient": lambda v: None if v is None else _number(
            v, "coefficient", math.ulp(0), math.inf, _(
                "A fixed share is a number above zero, or empty.")),
    }
    array = {"pv_kwp", "pv_tilt", "pv_azimuth"}
    if roof is not None and any(values[name] is None for name in array):
        defaults = roof_defaults(roof)
        left = round(max(0.0, defaults.kwp - taken_kwp), 2)
        for name, default in (("pv_kwp", left), ("pv_tilt", defaults.tilt),
                              ("pv_azimuth", defaults.azimuth)):
            if values[name] is None:
                values[name] = default
    figures, errors = {}, {}
    for name, check in checks.items():
        if name in array and values[name] is None:  # no roof to read it from
            continue
        try:
            figures[name] = check(values[name])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not errors and (figures["battery_kwh"] > 0) != (figures["battery_kw"] > 0):
        errors["battery_kw"] = [_("A battery has a capacity (kWh) and a power (kW): give "
                                  "both, or neither.")]
    if errors:
        raise ValidationError(errors)
    return figures


def _fail(field: str, message: str):
    raise ValidationError({field: message})


def _is_once(exc: IntegrityError) -> bool:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) == "energy_pledge_once"


def pledge_submit(*, community: Community, member, kind: str, yearly_kwh: float,
                  roof=None, building=None, pv_kwp: float | None = None,
                  pv_tilt: float | None = None, pv_azimuth: float | None = None,
                  battery_kwh: float = 0.0, battery_kw: float = 0.0,
                  flexible_share: float = 0.0, coefficient: float | None = None,
                  at: datetime | None = None) -> Pledge:
    """Pledge to a community: the building (a feature of its building layer) or a drawn
    roof (GeoJSON or a polygon), and the figures. The array's kWp, tilt and azimuth
    left empty are read from the roof. A member who withdrew pledges again with this."""
    reason = why_not_pledge(member, community, at)
    if reason:
        raise PermissionDenied(reason)
    errors, values = {}, {}
    try:
        values["roof"], values["building_id"] = _place(community, roof, building)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        values.update(_figures({
            "kind": kind, "yearly_kwh": yearly_kwh, "pv_kwp": pv_kwp, "pv_tilt": pv_tilt,
            "pv_azimuth": pv_azimuth, "battery_kwh": battery_kwh, "battery_kw": battery_kw,
            "flexible_share": flexible_share, "coefficient": coefficient},
            values.get("roof"), taken_kwp=_taken_kwp(community, values.get("building_id"))))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return Pledge.objects.create(community=community, member=member, **values)
    except IntegrityError as exc:
        if not _is_once(exc):
            raise
    with transaction.atomic():
        again = Pledge.objects.filter(community=community, member=member,
                                      status=PledgeStatus.WITHDRAWN).update(
            status=PledgeStatus.ACTIVE, updated_at=timezone.now(), **values)
    if not again:
        raise ValidationError(_("You have already pledged to this community: change your "
                                "pledge instead."), code="exists")
    return Pledge.objects.get(community=community, member=member)


def pledge_update(*, pledge: Pledge, member, at: datetime | None = None, roof=UNSET,
                  building=UNSET, kind=UNSET, yearly_kwh=UNSET, pv_kwp=UNSET,
                  pv_tilt=UNSET, pv_azimuth=UNSET, battery_kwh=UNSET, battery_kw=UNSET,
                  flexible_share=UNSET, coefficient=UNSET) -> Pledge:
    """The member changes what is given; the rest stays. A new building brings its
    footprint unless a roof is drawn too; None for the kWp, tilt or azimuth reads it
    from the (new) roof again."""
    if not member.is_authenticated or pledge.member_id != member.pk:
        raise PermissionDenied(_("Only its member can change a pledge."))
    reason = why_not_pledge(member, pledge.community, at)
    if reason:
        raise PermissionDenied(reason)
    if pledge.status != PledgeStatus.ACTIVE:
        raise ValidationError(_("This pledge was withdrawn: pledge again instead."),
                              code="withdrawn")
    given = {name: value for name, value in {
        "kind": kind, "yearly_kwh": yearly_kwh, "pv_kwp": pv_kwp, "pv_tilt": pv_tilt,
        "pv_azimuth": pv_azimuth, "battery_kwh": battery_kwh, "battery_kw": battery_kw,
        "flexible_share": flexible_share, "coefficient": coefficient}.items()
        if value is not UNSET}
    place = {}
    if roof is not UNSET or building is not UNSET:
        kept_roof = pledge.roof if building is UNSET else None
        place["roof"], place["building_id"] = _place(
            pledge.community, kept_roof if roof is UNSET else roof,
            pledge.building_id if building is UNSET else building)
    current = {name: getattr(pledge, name) for name in (
        "kind", "yearly_kwh", "pv_kwp", "pv_tilt", "pv_azimuth", "battery_kwh",
        "battery_kw", "flexible_share", "coefficient")}
    building_id = place.get("building_id", pledge.building_id)
    figures = _figures({**current, **given}, place.get("roof", pledge.roof),
                       taken_kwp=_taken_kwp(pledge.community, building_id, but=pledge.pk))
    changes = {**place, **figures}
    with transaction.atomic():
        if not Pledge.objects.filter(pk=pledge.pk, status=PledgeStatus.ACTIVE).update(
                updated_at=timezone.now(), **changes):
            raise ValidationError(_("This pledge changed meanwhile; reload the page."))
    pledge.refresh_from_db()
    return pledge


def pledge_withdraw(*, pledge: Pledge, member) -> Pledge:
    """Take a pledge back, at any time; the next simulation leaves it out."""
    if not member.is_authenticated or pledge.member_id != member.pk:
        raise PermissionDenied(_("Only its member can withdraw a pledge."))
    if not Pledge.objects.filter(pk=pledge.pk, status=PledgeStatus.ACTIVE).update(
            status=PledgeStatus.WITHDRAWN, updated_at=timezone.now()):
        raise ValidationError(_("This pledge is already withdrawn."), code="no_change")
    pledge.refresh_from_db()
    return pledge
