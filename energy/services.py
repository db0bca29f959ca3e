"""Writes of energy communities: setting one up, its tariffs, its sharing options, the
council's choice and asking for a simulation. Members' pledges are in
energy/pledges.py.

The database holds every rule that does not depend on time or on who asks (the
models' constraints and migration 0001's triggers); these functions check the same
first so that a refusal says what is wrong in the planner's words, and add the rules of
the project's phases: tariffs are frozen once voting opens (they decide what each
option gives), options are added while the project takes ideas, the council chooses
once voting has closed. Each planner action is in the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from energy.models import (
    MONTHS,
    RADIUS_DEFAULT_M,
    RADIUS_MAX_M,
    RADIUS_MIN_M,
    SHARING_KEYS,
    Community,
    Scope,
    SharingKey,
    SharingOption,
    SimulationRun,
)
from energy.selectors import pledges_active
from energy.tasks import simulate_community_task
from gisdata.models import GeometryType, Layer
from proposals import services as proposal_services
from proposals.models import Category, PhaseKind, Project, ProposalStatus, Visibility

UNSET = object()  # an argument not given: the value stays as it is
POLYGON_TYPES = (GeometryType.POLYGON, GeometryType.MULTIPOLYGON)
OPTIONS_CATEGORY = "energy-sharing"


def _require(user, permission: str, message: str) -> None:
    if not (user.is_authenticated and user.has_perm(permission)):
        raise PermissionDenied(message)


def _phase_started(project: Project, kind: str, at: datetime) -> bool:
    return project.phases.filter(kind=kind, starts_at__lte=at).exists()


def _phase_running(project: Project, kind: str, at: datetime) -> bool:
    phase = project.current_phase(at)
    return phase is not None and phase.kind == kind


def _scope(scope: str, radius_m: int | None, anchor) -> tuple[int | None, Point | None]:
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose the project's area or a radius.")})
    if scope == Scope.DISTRICT:
        return None, None
    radius_m = RADIUS_DEFAULT_M if radius_m is None else int(radius_m)
    if not RADIUS_MIN_M <= radius_m <= RADIUS_MAX_M:
        raise ValidationError({"radius_m": _(
            "The radius is between %(min)s and %(max)s metres.")
            % {"min": RADIUS_MIN_M, "max": RADIUS_MAX_M}})
    if not isinstance(anchor, GEOSGeometry) or anchor.geom_type != "Point":
        raise ValidationError({"anchor": _("Place the installation at the radius' centre.")})
    return radius_m, anchor


def _layer(layer: Layer | None, project: Project) -> Layer | None:
    if layer is None:
        return None
    # Read afresh: the layer's municipality is written by the database (gisdata 0009).
    if not Layer.objects.filter(pk=layer.pk, municipality_id=project.municipality_id,
                                is_published=True,
                                geometry_type__in=POLYGON_TYPES).exists():
        raise ValidationError({"building_layer": _(
            "The buildings must be a published layer of areas of the project's city.")})
    return layer


def _months(values: Sequence[float] | None, field: str, low: float, high: float,
            message: str) -> list[float] | None:
    if values is None:
        return None
    try:
        months = [float(v) for v in values]
    except (TypeError, ValueError) as exc:
        raise ValidationError({field: message}) from exc
    if len(months) != MONTHS or not all(low <= v <= high for v in months):
        raise ValidationError({field: message})
    return months


def _clear_sky(values):
    return _months(values, "clear_sky_index", 0.05, 1.0, _(
        "Give twelve monthly clear-sky indices, each between 0.05 and 1."))


def _temperatures(values):
    return _months(values, "temperature_c", -50.0, 50.0, _(
        "Give twelve monthly mean temperatures, each between -50 and 50 °C."))


def community_create(*, project: Project, planner, scope: str = Scope.DISTRICT,
                     radius_m: int | None = None, anchor: Point | None = None,
                     building_layer: Layer | None = None,
                     clear_sky_index: Sequence[float] | None = None,
                     temperature_c: Sequence[float] | None = None) -> Community:
    """Make `project` an energy community: its area (the project's, or `radius_m`
    around `anchor`, 2,000 m by default), the city's building layer and the weather.
    Its tariffs start at the model's defaults (`community_tariffs_set`)."""
    _require(planner, "energy.add_community", _("Only planners can set up an energy "
                                                "community."))
    radius_m, anchor = _scope(scope, radius_m, anchor)
    values = {"scope": scope, "radius_m": radius_m, "anchor": anchor,
              "building_layer": _layer(building_layer, project)}
    for name, months in (("clear_sky_index", _clear_sky(clear_sky_index)),
                         ("temperature_c", _temperatures(temperature_c))):
        if months is not None:
            values[name] = months
    try:
        with transaction.atomic():
            community = Community.objects.create(project=project, **values)
            audit_record(actor=planner, action=AuditAction.COMMUNITY_CREATE,
                         target=project, project_id=project.pk,
                         details={"scope": scope, "radius_m": radius_m,
                                  "building_layer": getattr(building_layer, "pk", None)})
    except IntegrityError as exc:
        raise ValidationError(_("This project is already an energy community."),
                              code="exists") from exc
    return community


def community_update(*, community: Community, planner, scope=UNSET, radius_m=UNSET,
                     anchor=UNSET, building_layer=UNSET, clear_sky_index=UNSET,
                     temperature_c=UNSET, reason: str = "") -> Community:
    """Change what is given (the others stay): the area and the building layer, fixed
    once members have pledged (their roofs were checked against them), and the
    weather, which only changes what the next simulation computes."""
    _require(planner, "energy.change_community", _("Only planners can change an energy "
                                                   "community."))
    changes = {}
    if any(value is not UNSET for value in (scope, radius_m, anchor)):
        scope = community.scope if scope is UNSET else scope
        radius, point = _scope(scope, community.radius_m if radius_m is UNSET else radius_m,
                               community.anchor if anchor is UNSET else anchor)
        changes.update(scope=scope, radius_m=radius, anchor=point)
    if building_layer is not UNSET:
        changes["building_layer"] = _layer(building_layer, community.project)
    if clear_sky_index is not UNSET:
        changes["clear_sky_index"] = _clear_sky(clear_sky_index)
    if temperature_c is not UNSET:
        changes["temperature_c"] = _temperatures(temperature_c)
    changes = {name: value for name, value in changes.items()
               if value != getattr(community, name)}
    fixed = {"scope", "radius_m", "anchor", "building_layer"} & changes.keys()
    if fixed and pledges_active(community).exists():
        raise ValidationError(_("Members have pledged: the community's area and building "
                                "layer can no longer change."), code="pledged")
    if not changes:
        return community
    with transaction.atomic():
        for name, value in changes.items():
            setattr(community, name, value)
        community.save(update_fields=[*changes, "updated_at"])
        audit_record(actor=planner, action=AuditAction.COMMUNITY_UPDATE, target=community,
                     project_id=community.pk, reason=reason,
                     details={"changed": sorted(changes)})
    return community


def _decimal(value, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("Give a number.")}) from exc
    if not number.is_finite() or number < 0:
        raise ValidationError({field: _("Give a price of zero or more.")})
    return number


def community_tariffs_set(*, community: Community, planner, import_price, export_price,
                          internal_price, sharing_fee, currency: str | None = None,
                          co2_kg_per_kwh=None, at: datetime | None = None,
                          reason: str = "") -> Community:
    """Set the prices per kWh and the grid's CO₂ factor. Frozen once voting opens: the
    members vote on what each option gives at these prices."""
    _require(planner, "energy.change_community", _("Only planners can set the tariffs."))
    prices = {"import_price": _decimal(import_price, "import_price"),
              "export_price": _decimal(export_price, "export_price"),
              "internal_price": _decimal(internal_price, "internal_price"),
              "sharing_fee": _decimal(sharing_fee, "sharing_fee")}
    if not prices["export_price"] <= prices["internal_price"] <= prices["import_price"]:
        raise ValidationError({"internal_price": _(
            "The internal price lies between the export price and the import price: "
            "sharing must pay the one who gives and the one who receives.")})
    outside = [o for o in community.options.all()
               if not prices["export_price"] <= o.internal_price <= prices["import_price"]]
    if outside:
        raise ValidationError(_("The option “%(option)s” would be priced outside the "
                                "export and import prices.") % {"option": outside[0]})
    if currency is not None:
        currency = currency.strip().upper()
        if len(currency) != 3 or not currency.isalpha() or not currency.isascii():
            raise ValidationError({"currency": _("Give the currency's ISO 4217 code, "
                                                 "e.g. EUR.")})
        prices["currency"] = currency
    if co2_kg_per_kwh is not None:
        prices["co2_kg_per_kwh"] = _decimal(co2_kg_per_kwh, "co2_kg_per_kwh")
    if _phase_started(community.project, PhaseKind.VOTING, at or timezone.now()):
        raise ValidationError(_("Voting has opened: the tariffs are frozen."), code="frozen")
    before = {name: str(getattr(community, name)) for name in prices}
    with transaction.atomic():
        for name, value in prices.items():
            setattr(community, name, value)
        community.save(update_fields=[*prices, "updated_at"])
        audit_record(actor=planner, action=AuditAction.COMMUNITY_TARIFFS, target=community,
                     project_id=community.pk, reason=reason, details={
                         "before": before,
                         "after": {name: str(value) for name, value in prices.items()}})
    return community


def _options_category(project: Project) -> Category:
    category, _created = Category.objects.get_or_create(
        project=project, slug=OPTIONS_CATEGORY,
        defaults={"name": _("Energy sharing options"), "color": "#f9a825",
                  "position": 90})
    return category


def _plain(price: Decimal) -> str:
    """0.1000 → "0.1", 10 → "10" (never "1E+1")."""
    return format(price.normalize(), "f")


def _option_text(key: str, price: Decimal, currency: str) -> tuple[str, str]:
    label = SharingKey(key).label
    title = _("%(key)s at %(price)s %(currency)s/kWh") % {
        "key": label, "price": _plain(price), "currency": currency}
    body = {
        SharingKey.FIXED: _("Each member receives a fixed share of the surplus, set "
                            "in advance (their coefficient, or their share of the "
                            "community's yearly use); a share a member cannot use "
                            "goes to the grid."),
        SharingKey.DEMAND: _("The surplus goes to the members who need it, in "
                             "proportion to what each needs at that hour."),
        SharingKey.EQUAL: _("The surplus is split equally among the members who need "
                            "it, none receiving more than they need."),
    }[key]
    return title, body + " " + _("A shared kWh costs %(price)s %(currency)s.") % {
        "price": _plain(price), "currency": currency}


def option_create(*, community: Community, planner, key: str, internal_price,
                  at: datetime | None = None) -> SharingOption:
    """Put a way of sharing to the members' vote: a proposal of the community's project
    (made by the proposals' own service, published at once), while the project takes
    ideas, before voting opens."""
    _require(planner, "energy.add_sharingoption", _("Only planners can add sharing "
                                                    "options."))
    if key not in SHARING_KEYS:
        raise ValidationError({"key": _("Choose fixed shares, shares by demand or equal "
                                        "shares.")})
    price = _decimal(internal_price, "internal_price")
    if not community.export_price <= price <= community.import_price:
        raise ValidationError({"internal_price": _(
            "The internal price lies between the export price (%(export)s) and the "
            "import price (%(import)s).") % {"export": community.export_price,
                                              "import": community.import_price}})
    project = community.project
    at = at or timezone.now()
    if project.visibility == Visibility.DRAFT or not _phase_running(
            project, PhaseKind.IDEATION, at):
        raise ValidationError(_("Sharing options are added while the project is open and "
                                "its ideation phase runs, before voting."), code="phase")
    title, body = _option_text(key, price, community.currency)
    try:
        with transaction.atomic():
            proposal = proposal_services.proposal_create(
                project=project, author=planner, title=title, body=body,
                category=_options_category(project),
                geometry=project.area.point_on_surface.json, at=at)
            if proposal.status == ProposalStatus.SUBMITTED:  # a moderated project
                proposal_services.proposal_set_status(
                    proposal=proposal, planner=planner, status=ProposalStatus.PUBLISHED)
            option = SharingOption.objects.create(community=community, proposal=proposal,
                                                  key=key, internal_price=price)
            audit_record(actor=planner, action=AuditAction.SHARING_OPTION_CREATE,
                         target=option, project_id=project.pk,
                         details={"key": key, "internal_price": str(price),
                                  "proposal": proposal.pk})
    except IntegrityError as exc:
        raise ValidationError(_("This community already has this option."),
                              code="exists") from exc
    return option


def community_option_choose(*, community: Community, planner, option: SharingOption | None,
                            at: datetime | None = None, reason: str = "") -> Community:
    """Record the option the council decided on (None: undecided), once voting has
    closed."""
    _require(planner, "energy.change_community", _("Only planners can record the "
                                                   "council's choice."))
    if option is not None and option.community_id != community.pk:
        raise ValidationError({"option": _("Choose one of this community's options.")})
    at = at or timezone.now()
    voting = community.project.phases.filter(kind=PhaseKind.VOTING).first()
    if voting is not None and voting.ends_at > at:
        raise ValidationError(_("The council chooses once voting has closed."),
                              code="phase")
    with transaction.atomic():
        before = community.chosen_option_id
        community.chosen_option = option
        community.save(update_fields=["chosen_option", "updated_at"])
        audit_record(actor=planner, action=AuditAction.COMMUNITY_CHOOSE, target=community,
                     project_id=community.pk, reason=reason,
                     details={"option": [before, getattr(option, "pk", None)]})
    return community


def simulation_request(*, community: Community, planner) -> SimulationRun:
    """Ask a worker to simulate the community's options at the three scales. One run
    at a time per community: the database's partial unique constraint claims the
    slot, so two planners asking at once get one run and one clear refusal."""
    _require(planner, "energy.add_simulationrun", _("Only planners can run a "
                                                    "simulation."))
    if not community.options.exists():
        raise ValidationError(_("Add a sharing option first: a simulation compares the "
                                "options."), code="no_options")
    if not pledges_active(community).exists():
        raise ValidationError(_("No member has pledged yet: there is nothing to "
                                "simulate."), code="no_pledges")
    try:
        with transaction.atomic():
            run = SimulationRun.objects.create(community=community, requested_by=planner)
            audit_record(actor=planner, action=AuditAction.SIMULATION_REQUEST,
                         target=community, project_id=community.pk,
                         details={"run": run.pk})
            simulate_community_task.delay_on_commit(run.pk)
    except IntegrityError as exc:
        raise ValidationError(_("A simulation of this community is already queued or "
                                "running; its results come first."), code="busy") from exc
    return run
