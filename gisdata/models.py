"""Open GIS data brought into Plaza: datasets, their layers and features, and import runs.

A `Dataset` is what a planner brings in (a file or a URL); each source layer becomes a
`Layer`, whose `Feature` rows hold geometries in EPSG:4326 and attributes as JSONB.
An `ImportRun` is one attempt to read a dataset: the worker fills it in as it goes
(progress, counts, errors), so the planner can watch it.
"""

import secrets

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db.models import F, Func, Q, TextField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.tenancy import scoped_manager
from municipalities.selectors import municipality_current_or_default_id


class SourceFormat(models.TextChoices):
    SHAPEFILE = "shapefile", _("Zipped Shapefile")
    GEOJSON = "geojson", _("GeoJSON")
    GEOPACKAGE = "geopackage", _("GeoPackage")
    KML = "kml", _("KML")
    KMZ = "kmz", _("KMZ")
    CSV = "csv", _("CSV")


def dataset_upload_to(instance, filename: str) -> str:
    """A folder of its own per upload: the file keeps its name (GDAL names a GeoJSON or
    CSV layer after its file), never `name_a1B2c3D.geojson` when two share a name."""
    return f"datasets/{timezone.now():%Y/%m}/{secrets.token_hex(6)}/{filename}"


def _shared_dataset(region_id):
    return Q(shared_with_region=True, municipality__region_id=region_id)


def _shared_layer(region_id):
    # Published ones only: a planner of a neighbour previews their own drafts, not these.
    return Q(dataset__shared_with_region=True, municipality__region_id=region_id,
             is_published=True)


class Dataset(models.Model):
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, related_name="datasets",
        default=municipality_current_or_default_id)
    # Published to the region: its published layers show, read-only, in the maps, API
    # and OGC collections of the region's other municipalities.
    shared_with_region = models.BooleanField(
        default=False, help_text="Its published layers show in the region's other "
        "municipalities too (read-only).")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    licence = models.CharField(max_length=200, blank=True)
    attribution = models.CharField(max_length=500, blank=True)
    source_url = models.URLField(max_length=2000, blank=True)
    source_file = models.FileField(upload_to=dataset_upload_to, blank=True, max_length=300)
    format = models.CharField(max_length=12, choices=SourceFormat.choices, blank=True)
    source_srid = models.PositiveIntegerField(
        null=True, blank=True, help_text="EPSG code of the source, when the file has none.")
    encoding = models.CharField(max_length=40, blank=True,
                                help_text="Text encoding of the attributes (default UTF-8).")
    options = models.JSONField(default=dict, blank=True,
                               help_text="How to read it: CSV coordinate or WKT columns.")
    version = models.PositiveIntegerField(default=0, help_text="Bumped by each import.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(path="municipality", shared=_shared_dataset)

    class Meta:
        ordering = ["name"]
        permissions = [("import_dataset", "Can import datasets")]
        constraints = [
            models.CheckConstraint(condition=~Q(source_url="") | ~Q(source_file=""),
                                   name="gisdata_dataset_has_source"),
        ]

    def __str__(self) -> str:
        return self.name


class GeometryType(models.TextChoices):
    POINT = "Point"
    LINESTRING = "LineString"
    POLYGON = "Polygon"
    MULTIPOINT = "MultiPoint"
    MULTILINESTRING = "MultiLineString"
    MULTIPOLYGON = "MultiPolygon"
    MIXED = "Geometry", _("Mixed (points, lines and areas)")


class Layer(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="layers")
    # The dataset's municipality, copied by the database on every write (migration
    # 0009's trigger): what the layer's lists filter on, and what makes "one districts
    # layer" a rule of each municipality.
    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.PROTECT, null=True, editable=False,
        related_name="+")
    name = models.CharField(max_length=200, help_text="The layer's name in the source.")
    title = models.CharField(max_length=200)
    geometry_type = models.CharField(max_length=16, choices=GeometryType.choices)
    extent = models.PolygonField(srid=4326, null=True, blank=True)
    feature_count = models.PositiveIntegerField(default=0)
    schema = models.JSONField(default=list, blank=True,
                              help_text="The attributes: [{name, type}, …].")
    style = models.JSONField(default=dict, blank=True)
    # The attribute that names a feature ("Gràcia"), for pickers and breakdowns: guessed
    # at import from common names (gisdata.layer_services.label_property_guess), chosen
    # by the planner on the layer's page.
    label_property = models.CharField(
        max_length=200, blank=True,
        help_text="The attribute that names a feature, e.g. NOM; empty: numbered.")
    # Breakdowns "by district" default to this layer and never to an arbitrary one.
    is_districts = models.BooleanField(
        default=False, help_text="The city's districts: the default of breakdowns.")
    is_published = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = scoped_manager(path="municipality", shared=_shared_layer)

    class Meta:
        ordering = ["dataset__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "name"], name="gisdata_layer_once"),
            models.UniqueConstraint(fields=["municipality", "is_districts"],
                                    condition=Q(is_districts=True),
                                    name="gisdata_layer_one_districts"),
        ]

    def __str__(self) -> str:
        return self.title


class Feature(models.Model):
    """One feature of a layer. The table is partitioned by layer (migration 0003,
    gisdata/imports/partitions.py): an import builds a layer's partition aside and swaps it in,
    and queries for one layer read only its partition, so no index on `layer` is needed.
    The primary key in the database is (id, layer_id), as partitioning requires; ids
    come from one sequence, so `id` alone stays unique."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="features",
                              db_index=False)
    geometry = models.GeometryField(srid=4326)
    properties = models.JSONField(default=dict)
    number = models.PositiveIntegerField(
        null=True, blank=True, help_text="The feature's number in its source file, from 1.")
    repaired = models.BooleanField(
        default=False, help_text="The source geometry was invalid and was repaired.")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(geometry__isvalid=True),
                                   name="gisdata_feature_valid"),
        ]


class PlaceKind(models.TextChoices):
    POINT = "point", pgettext_lazy("kind of place", "Point")
    LINE = "line", pgettext_lazy("kind of place", "Street or line")
    AREA = "area", pgettext_lazy("kind of place", "Area")


class Place(models.Model):
    """A name a layer gives to its features ("Cambridge St", "Gràcia"), for finding a
    place by name (gisdata/places.py). One row per distinct name of a layer: a street
    drawn as forty segments is one place, at a point on one of them, framed by all.

    The database keeps these rows (gisdata migration 0011, `plaza_places_rebuild`):
    a layer's are rebuilt when its label property changes (the dashboard, the admin,
    any UPDATE) or its version is bumped (an import replaced its features), and go with
    the layer. Whether the layer is published is asked when searching."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="places")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=PlaceKind.choices)
    point = models.PointField(srid=4326, help_text="A point on the place (on surface).")
    west = models.FloatField()
    south = models.FloatField()
    east = models.FloatField()
    north = models.FloatField()
    feature_count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["layer", "name"], name="gisdata_place_once"),
        ]
        indexes = [
            # Serves `plaza_fold(name) %> plaza_fold(query)` and LIKE on the same
            # expression (gisdata/places.py writes its query with it).
            GinIndex(OpClass(Func(F("name"), function="plaza_fold", output_field=TextField()),
                             name="gin_trgm_ops"), name="gisdata_place_name_fold"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("import status", "Queued")
    RUNNING = "running", pgettext_lazy("import status", "Running")
    SUCCEEDED = "succeeded", pgettext_lazy("import status", "Succeeded")
    FAILED = "failed", pgettext_lazy("import status", "Failed")


class ImportRun(models.Model):
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="runs")
    status = models.CharField(max_length=10, choices=ImportStatus.choices,
                              default=ImportStatus.QUEUED)
    layers = models.JSONField(default=list, blank=True,
                              help_text="Source layers to import; empty: all of them.")
    attempt = models.PositiveSmallIntegerField(
        default=0, help_text="Deliveries of the task so far: a worker that died is retried.")
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    read_count = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    repaired_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True,
                              help_text="[{feature, message}, …], feature numbers from 1.")
    message = models.TextField(blank=True, help_text="Why it failed, for the planner.")
    # How the source was read where Plaza had to interpret it (a CRS identified from an
    # unnamed .prj, an encoding guessed): shown on the run, so a planner can correct it.
    notes = models.JSONField(default=list, blank=True,
                             help_text="[{layer, message}, …]: how the source was read.")
    timings = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # For people watching a run: whether its worker still moves. Whether the worker is
    # alive at all is PostgreSQL's to say (gisdata/imports/runs.py): a long step reports nothing.
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the worker last reported progress.")
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = scoped_manager(path="dataset__municipality")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(progress_done__lte=models.F("progress_total"))
                                   | Q(progress_total=0), name="gisdata_run_progress"),
            models.CheckConstraint(condition=~Q(status="failed") | ~Q(message=""),
                                   name="gisdata_run_failure_explained"),
        ]

    def __str__(self) -> str:
        return f"Import {self.pk} of {self.dataset} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        # progress_total may be an estimate until the layers are read: never past 100.
        return min(100, int(self.progress_done * 100 / self.progress_total)) \
            if self.progress_total else 0


class ConstraintRule(models.TextChoices):
    INTERSECTS = "intersects", _("Intersects a feature")
    WITHIN = "within", _("Within a distance of a feature")


class Severity(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    BLOCKING = "blocking", _("Blocking: the proposal is refused")


class Constraint(models.Model):
    """A rule that turns a layer into feedback on proposals ("In flood zone {fld_zone}")."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="constraints")
    rule = models.CharField(max_length=12, choices=ConstraintRule.choices,
                            default=ConstraintRule.INTERSECTS)
    distance_m = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("For 'within': the distance in metres."))
    severity = models.CharField(max_length=10, choices=Severity.choices,
                                default=Severity.WARNING)
    message = models.CharField(
        max_length=300, help_text=_("Shown to the citizen; {attribute} is replaced by the "
                                       "matching feature's attribute, e.g. 'In flood zone "
                                       "{fld_zone}'."))
    is_active = models.BooleanField(default=True)
    # By project id only: gisdata imports no other app. Empty: every project.
    projects = models.ManyToManyField(
        "proposals.Project", blank=True, related_name="scoped_constraints",
        help_text=_("The projects this rule speaks in; none chosen: every project."))

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(rule="within") | Q(distance_m__gt=0, distance_m__lte=10_000),
                name="gisdata_constraint_distance"),
            models.CheckConstraint(condition=~Q(message=""), name="gisdata_constraint_message"),
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.message}"
