"""Municipalities on one deployment, the regions they form, and the areas inside them.

A municipality is the tenant: projects, datasets, stakeholder roles and planners belong
to one, and its pages and API answer under its own host name or path prefix
(municipalities/resolver.py). A region groups municipalities so that a regional planner
can see across them and a layer can be shared with them.

An `Area` is one level of the city's own hierarchy (a district, a neighbourhood inside
it), copied from an imported layer by gisdata.area_services: this app sits below
gisdata, so it stores the shapes and never reads layers itself.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from municipalities.validators import validate_prefix_free

HOST_RE = r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$"


class Region(models.Model):
    """Municipalities that compare notes: a metropolitan area, a network of cities."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("region")

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    slug = models.SlugField(
        max_length=60, unique=True, validators=[validate_prefix_free],
        help_text=_("Its path prefix: /<slug>/… serves this municipality."))
    name = models.CharField(_("name"), max_length=150)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="municipalities")
    # The host name that serves this municipality on its own (participa.example.org);
    # requests to any other host name find it by its prefix.
    host = models.CharField(
        max_length=255, unique=True, null=True, blank=True,
        validators=[RegexValidator(HOST_RE, _("A host name such as participa.example.org."))],
        help_text=_("A host name of its own, e.g. participa.example.org (optional)."))
    # The languages its pages offer, in order of preference; empty: all the site's.
    languages = ArrayField(
        models.CharField(max_length=10, choices=settings.LANGUAGES), default=list, blank=True,
        help_text=_("The languages its pages offer, the first being the default."))
    area = models.MultiPolygonField(srid=4326, null=True, blank=True)
    population = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("For participation per inhabitant."))
    colour = models.CharField(
        max_length=7, default="#1f5f8b", validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$")],
        help_text=_("The colour of its header, as #rrggbb."))
    tagline = models.CharField(max_length=200, blank=True)
    # The municipality that answers requests with no host name or prefix of their own:
    # an existing single-city deployment keeps every URL it had.
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="municipalities_one_default"),
            models.CheckConstraint(condition=Q(population__isnull=True) | Q(population__gt=0),
                                   name="municipalities_population_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def prefix(self) -> str:
        """The path every URL of this municipality starts with, on a shared host."""
        return "/" if self.is_default else f"/{self.slug}/"


class AreaLevel(models.IntegerChoices):
    """How deep an area sits in its city: the city itself is the municipality."""

    DISTRICT = 1, _("District")
    NEIGHBOURHOOD = 2, _("Neighbourhood")


class Area(models.Model):
    """A district or a neighbourhood of a municipality, with its shape."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE,
                                     related_name="areas")
    level = models.PositiveSmallIntegerField(choices=AreaLevel.choices)
    code = models.CharField(max_length=60, help_text=_("The source's code, e.g. 01."))
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="children")
    geometry = models.MultiPolygonField(srid=4326)
    population = models.PositiveIntegerField(null=True, blank=True)
    # The layer the shape was copied from (gisdata.Layer's id; no foreign key, as this
    # app sits below gisdata): a re-import of that layer can refresh it.
    source_layer_id = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["municipality", "level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "level", "code"],
                                    name="municipalities_area_code_once"),
            # A district has no parent; a neighbourhood's parent is one level up. That
            # the parent is in the same municipality is the composite key in 0002.
            models.CheckConstraint(
                condition=(Q(level=AreaLevel.DISTRICT) & Q(parent__isnull=True))
                | (Q(level__gt=AreaLevel.DISTRICT) & Q(parent__isnull=False)),
                name="municipalities_area_parent_level"),
            models.CheckConstraint(condition=~Q(parent=F("id")),
                                   name="municipalities_area_not_own_parent"),
        ]
        indexes = [models.Index(fields=["municipality", "level"])]

    def __str__(self) -> str:
        return self.name
