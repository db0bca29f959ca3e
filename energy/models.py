"""Energy communities: residents share rooftop solar inside a project's area
(docs/energy.md).

A `Community` is a kind of project: its area, phases, role weights, visibility and
proposals are its project's. Members `Pledge` what they bring (a roof with a PV array, a
battery, flexible demand) and what they use; the council's `SharingOption`s (a sharing
key and an internal price) are proposals of the project, voted on as any other; a
`SimulationRun` computes, in a worker, what each option gives at building, district
and city scale, and `MemberResult` keeps each member's own figures, which only the
member and planners ever read.

What holds on every path lives in the database: the ranges of every number a member or
planner enters, prices that run export ≤ internal ≤ import, a radius community with its
radius and anchor and a district one with neither, one pledge per member and
community, one queued-or-running simulation per community, and (migration 0001's
triggers) an option's proposal in its own community's project and a chosen option of
the community's own.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.db.models import F, Func, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.tenancy import scoped_manager
from proposals.models import Project, Proposal

# The simulation's member kinds and sharing keys, in its order (energy.simulation.KINDS,
# SHARING_KEYS): a member's kind goes to the engine as its index in KINDS. Written out
# here so that the models, and every web process, never import the engine (pvlib,
# pandas).
KINDS = ("household", "shop", "office", "school", "restaurant", "workshop", "public")
SHARING_KEYS = ("fixed", "demand", "equal")
# The engine's DEFAULT_CLEAR_SKY_INDEX: the share of the clear-sky irradiance that
# reaches the ground, month by month; an assumption (docs/energy-model.md) that a
# planner replaces with the city's own values (PVGIS, NASA POWER).
DEFAULT_CLEAR_SKY_INDEX = (0.69,) * 12
DEFAULT_TEMPERATURE_C = (12.0,) * 12
# Spain's collective self-consumption allows generation and consumption up to 2 km
# apart (RD 244/2019 as amended in 2022); other rules fit within 100 m to 5 km.
RADIUS_DEFAULT_M = 2000
RADIUS_MIN_M, RADIUS_MAX_M = 100, 5000
MONTHS = 12
PRICE = {"max_digits": 7, "decimal_places": 4}


def clear_sky_index_default() -> list[float]:
    return list(DEFAULT_CLEAR_SKY_INDEX)


def temperature_default() -> list[float]:
    return list(DEFAULT_TEMPERATURE_C)


class AllBetween(Func):
    """True when every element of an array lies in [low, high]: a check on each month's
    value that the ORM cannot write with lookups. Written as a template so that the
    model's own validation (with the array's values in place of the column) and the
    database's check read the same."""

    template = "(%(low)s <= ALL(%(expressions)s) AND %(high)s >= ALL(%(expressions)s))"
    output_field = models.BooleanField()

    def __init__(self, expression, low: float, high: float):
        super().__init__(expression, low=float(low), high=float(high))


def _twelve(field: str, name: str, low: float, high: float, message) -> list:
    return [
        models.CheckConstraint(
            condition=Exact(Func(F(field), function="cardinality",
                                 output_field=models.IntegerField()), MONTHS),
            name=f"energy_community_{name}_months", violation_error_message=message),
        models.CheckConstraint(condition=AllBetween(F(field), low, high),
                               name=f"energy_community_{name}_range",
                               violation_error_message=message),
    ]


class Scope(models.TextChoices):
    DISTRICT = "district", _("The project's area")
    RADIUS = "radius", _("Within a radius of an installation")


class Community(models.Model):
    """A project whose residents share energy; see the module's docstring."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True,
                                   related_name="energy_community")
    scope = models.CharField(
        max_length=8, choices=Scope.choices, default=Scope.DISTRICT,
        help_text=_("Who may join: anyone in the project's area, or anyone within a "
                    "distance of an installation (collective self-consumption)."))
    radius_m = models.PositiveIntegerField(
        null=True, blank=True,
        help_text=_("For a radius: the distance in metres, 100 to 5,000 (2,000 in Spain)."))
    anchor = models.PointField(srid=4326, null=True, blank=True,
                               help_text=_("For a radius: the installation at its centre."))
    building_layer = models.ForeignKey(
        "gisdata.Layer", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text=_("The city's buildings (a published layer of polygons): members pick "
                    "their roof on it."))
    currency = models.CharField(max_length=3, default="EUR",
                                help_text=_("ISO 4217 code of every price."))
    import_price = models.DecimalField(
        default=Decimal("0.2000"), help_text=_("What a kWh bought from the grid costs."),
        **PRICE)
    export_price = models.DecimalField(
        default=Decimal("0.0500"), help_text=_("What a kWh sold to the grid earns."), **PRICE)
    internal_price = models.DecimalField(
        default=Decimal("0.1000"),
        help_text=_("What a member pays another for a shared kWh, unless an option sets "
                    "its own."), **PRICE)
    sharing_fee = models.DecimalField(
        default=Decimal("0.0200"),
        help_text=_("Charged per kWh shared over the public grid when the whole city "
                    "pools its members."), **PRICE)
    co2_kg_per_kwh = models.DecimalField(
        max_digits=5, decimal_places=3, default=Decimal("0.250"),
        help_text=_("CO₂ emitted per kWh taken from the grid, in kg: an assumption "
                    "(0.25 by default); set the country's grid factor."))
    clear_sky_index = ArrayField(
        models.FloatField(), size=MONTHS, default=clear_sky_index_default,
        help_text=_("Twelve monthly values, 0.05 to 1: the share of the clear-sky "
                    "sunshine that reaches the ground. 0.69 every month by default, an "
                    "assumption: enter the city's own (e.g. from PVGIS)."))
    temperature_c = ArrayField(
        models.FloatField(), size=MONTHS, default=temperature_default,
        help_text=_("Twelve monthly mean air temperatures, in °C."))
    chosen_option = models.ForeignKey(
        "SharingOption", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", help_text=_("The option the council decided on."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(path="project__municipality")

    class Meta:
        verbose_name = _("energy community")
        verbose_name_plural = _("energy communities")
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=Scope.values),
                                   name="energy_community_scope"),
            models.CheckConstraint(
                condition=Q(scope=Scope.RADIUS, anchor__isnull=False,
                            radius_m__gte=RADIUS_MIN_M, radius_m__lte=RADIUS_MAX_M)
                | Q(scope=Scope.DISTRICT, anchor__isnull=True, radius_m__isnull=True),
                name="energy_community_radius",
                violation_error_message=_("A radius community has an installation and a "
                                          "radius of 100 to 5,000 m; a district one has "
                                          "neither.")),
            models.CheckConstraint(
                condition=Q(export_price__gte=0, sharing_fee__gte=0, co2_kg_per_kwh__gte=0)
                & Q(internal_price__gte=F("export_price"))
                & Q(import_price__gte=F("internal_price")),
                name="energy_community_prices",
                violation_error_message=_("Prices are zero or more, and the internal price "
                                          "lies between the export and import prices.")),
            models.CheckConstraint(condition=Q(currency__regex=r"^[A-Z]{3}$"),
                                   name="energy_community_currency"),
            *_twelve("clear_sky_index", "clear_sky", 0.05, 1.0,
                     _("Give twelve monthly clear-sky indices, each between 0.05 and 1.")),
            *_twelve("temperature_c", "temperature", -50.0, 50.0,
                     _("Give twelve monthly mean temperatures, each between -50 and 50 °C.")),
        ]

    def __str__(self) -> str:
        return str(self.project)


class MemberKind(models.TextChoices):
    HOUSEHOLD = "household", _("Household")
    SHOP = "shop", _("Shop")
    OFFICE = "office", _("Office")
    SCHOOL = "school", _("School")
    RESTAURANT = "restaurant", _("Restaurant or bar")
    WORKSHOP = "workshop", _("Workshop")
    PUBLIC = "public", _("Public building")


class PledgeStatus(models.TextChoices):
    ACTIVE = "active", pgettext_lazy("pledge status", "Active")
    WITHDRAWN = "withdrawn", pgettext_lazy("pledge status", "Withdrawn")


# The ranges a pledge's numbers must keep (the service says them in words).
YEARLY_KWH = (100, 10_000_000)
PV_KWP_MAX = 1000
FLEXIBLE_SHARE_MAX = 0.5


class Pledge(models.Model):
    """What one member brings to one community and what they use. Private: only the
    member and planners see it; everyone else sees the community's sums.

    `building` names a feature of the community's building layer. It is not a foreign
    key in the database: the features table is partitioned by layer (its key is the
    feature's and the layer's id together) and a re-import replaces a layer's features,
    new ids and all. The roof is therefore copied into the pledge, which stays whole
    whatever happens to the layer; `building` only groups members of one building."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="pledges")
    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="energy_pledges")
    building = models.ForeignKey("gisdata.Feature", on_delete=models.SET_NULL, null=True,
                                 blank=True, db_constraint=False, related_name="+")
    roof = models.PolygonField(srid=4326, help_text=_("The building's footprint, or the "
                                                      "roof as the member drew it."))
    kind = models.CharField(max_length=12, choices=MemberKind.choices)
    yearly_kwh = models.FloatField(help_text=_("Electricity used in a year, in kWh."))
    pv_kwp = models.FloatField(default=0, help_text=_("Peak power of the PV array, in kWp."))
    pv_tilt = models.FloatField(default=30, help_text=_("Degrees from horizontal."))
    pv_azimuth = models.FloatField(default=180, help_text=_("Degrees from north; 180 = "
                                                            "south."))
    battery_kwh = models.FloatField(default=0)
    battery_kw = models.FloatField(default=0)
    flexible_share = models.FloatField(
        default=0, help_text=_("Share of each day's use that can move to sunny hours, "
                               "0 to 0.5."))
    coefficient = models.FloatField(
        null=True, blank=True,
        help_text=_("Under fixed shares: this member's share of the surplus; empty: in "
                    "proportion to their yearly use."))
    status = models.CharField(max_length=10, choices=PledgeStatus.choices,
                              default=PledgeStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(path="community__project__municipality")

    class Meta:
        ordering = ["community", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "member"], name="energy_pledge_once"),
            models.CheckConstraint(condition=Q(roof__isvalid=True), name="energy_pledge_roof"),
            models.CheckConstraint(condition=Q(kind__in=KINDS), name="energy_pledge_kind"),
            models.CheckConstraint(condition=Q(status__in=PledgeStatus.values),
                                   name="energy_pledge_status"),
            models.CheckConstraint(
                condition=Q(yearly_kwh__gte=YEARLY_KWH[0], yearly_kwh__lte=YEARLY_KWH[1]),
                name="energy_pledge_yearly_kwh"),
            models.CheckConstraint(condition=Q(pv_kwp__gte=0, pv_kwp__lte=PV_KWP_MAX),
                                   name="energy_pledge_pv_kwp"),
            models.CheckConstraint(condition=Q(pv_tilt__gte=0, pv_tilt__lte=90),
                                   name="energy_pledge_pv_tilt"),
            models.CheckConstraint(condition=Q(pv_azimuth__gte=0, pv_azimuth__lte=360),
                                   name="energy_pledge_pv_azimuth"),
            models.CheckConstraint(
                condition=Q(battery_kwh=0, battery_kw=0) | Q(battery_kwh__gt=0, battery_kw__gt=0),
                name="energy_pledge_battery"),
            models.CheckConstraint(
                condition=Q(flexible_share__gte=0, flexible_share__lte=FLEXIBLE_SHARE_MAX),
                name="energy_pledge_flexible_share"),
            models.CheckConstraint(condition=Q(coefficient__isnull=True) | Q(coefficient__gt=0),
                                   name="energy_pledge_coefficient"),
        ]

    def __str__(self) -> str:
        return f"Pledge {self.pk} to {self.community}"


class SharingKey(models.TextChoices):
    FIXED = "fixed", _("Fixed shares (static coefficients)")
    DEMAND = "demand", _("In proportion to demand")
    EQUAL = "equal", _("Equal shares")


class SharingOption(models.Model):
    """One way of sharing put to the members' vote: a key and an internal price. Its
    proposal, in the community's project, is what members vote on."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="options")
    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE,
                                    related_name="energy_option")
    key = models.CharField(max_length=8, choices=SharingKey.choices)
    internal_price = models.DecimalField(help_text=_("What a member pays another for a "
                                                     "shared kWh under this option."),
                                         **PRICE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = scoped_manager(path="community__project__municipality")

    class Meta:
        ordering = ["community", "pk"]
        verbose_name = _("sharing option")
        constraints = [
            models.UniqueConstraint(fields=["community", "key", "internal_price"],
                                    name="energy_option_once"),
            models.CheckConstraint(condition=Q(key__in=SHARING_KEYS), name="energy_option_key"),
            models.CheckConstraint(condition=Q(internal_price__gte=0),
                                   name="energy_option_price"),
        ]

    def __str__(self) -> str:
        return f"{self.get_key_display()}, {self.internal_price} {self.community.currency}/kWh"


class RunStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("simulation status", "Queued")
    RUNNING = "running", pgettext_lazy("simulation status", "Running")
    DONE = "done", pgettext_lazy("simulation status", "Done")
    FAILED = "failed", pgettext_lazy("simulation status", "Failed")


ACTIVE_RUN = (RunStatus.QUEUED, RunStatus.RUNNING)
SCALES = ("building", "district", "city")


class SimulationRun(models.Model):
    """One simulation of a community's options at the three scales, by a worker.

    `results`: {"totals": {option id: {scale: totals}}, "monthly": {option id: {scale:
    {name: twelve values}}}, "pool": {"members", "communities"}}, the community's sums
    only (energy/runs.py)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=8, choices=RunStatus.choices,
                              default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text=_("Per cent done."))
    # Deliveries of the task that took the run: a worker that died is followed by another.
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    members = models.PositiveIntegerField(default=0, help_text=_("Active pledges simulated."))
    error = models.TextField(blank=True)
    results = models.JSONField(default=dict, blank=True)
    inputs_digest = models.CharField(
        max_length=64, blank=True,
        help_text="SHA-256 of what was simulated: pledges, options, tariffs and weather.")

    objects = scoped_manager(path="community__project__municipality")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["community"], condition=Q(status__in=ACTIVE_RUN),
                                    name="energy_run_one_active"),
            models.CheckConstraint(condition=Q(status__in=RunStatus.values),
                                   name="energy_run_status"),
            models.CheckConstraint(condition=Q(progress__lte=100), name="energy_run_progress"),
            models.CheckConstraint(condition=~Q(status=RunStatus.FAILED) | ~Q(error=""),
                                   name="energy_run_failure_explained"),
            models.CheckConstraint(condition=~Q(status=RunStatus.DONE) | Q(progress=100),
                                   name="energy_run_done_complete"),
        ]

    def __str__(self) -> str:
        return f"Simulation {self.pk} of {self.community} ({self.status})"


class MemberResult(models.Model):
    """One member's figures in one run: {option id: {scale: member totals}}. Private:
    only the member and planners ever read it."""

    run = models.ForeignKey(SimulationRun, on_delete=models.CASCADE,
                            related_name="member_results")
    pledge = models.ForeignKey(Pledge, on_delete=models.CASCADE, related_name="results")
    results = models.JSONField(default=dict)

    objects = scoped_manager(path="run__community__project__municipality")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "pledge"], name="energy_member_result_once"),
        ]

    def __str__(self) -> str:
        return f"Results of pledge {self.pledge_id} in simulation {self.run_id}"
