"""Setting up a consultation: a project's text, area, phases, categories and visibility.

One service writes it all in one transaction with one audit entry, so a project is
never half set up (phases of the old plan with categories of the new one). The area
comes either from a drawing (GeoJSON, checked by `proposals.geometry.geometry_clean`)
or from a feature of an imported layer, such as a district; either way it is stored as
the MultiPolygon the project model holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import RestrictedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from gisdata.models import Feature
from municipalities.models import Area
from municipalities.selectors import municipality_current_or_default_id
from proposals.geometry import geometry_clean
from proposals.models import Category, Phase, Project
from proposals.services import phases_as_stored, phases_check

COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
RESERVED_SLUGS = {"new"}  # /dashboard/projects/new/ is the set-up page of a new project
KEEP = object()  # project_save's scope_area when the caller does not change it


@dataclass(frozen=True)
class CategoryInput:
    name: str
    color: str
    pk: int | None = None
    slug: str = ""
    delete: bool = False
    # The name in the other languages, by column (name_ca, name_es); '' for none.
    translations: dict[str, str] = field(default_factory=dict)


def _english(name: str) -> str:
    """The column of a translated field's English text (title_en), the one written from
    the plain form field whatever language the planner reads the dashboard in."""
    return f"{name}_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}"


def _set_texts(instance, english: dict[str, str], translations: dict[str, str]) -> None:
    for name, value in english.items():
        setattr(instance, _english(name), value)
    for column, value in translations.items():
        setattr(instance, column, value or None)  # empty: the English text is shown


def area_from_feature(feature_id: int) -> MultiPolygon:
    """The area of one imported feature (a district, a neighbourhood) as a MultiPolygon."""
    feature = Feature.objects.filter(pk=feature_id).only("geometry").first()
    if feature is None:
        raise ValidationError({"area_feature": _("That feature no longer exists.")})
    return _multipolygon(feature.geometry, "area_feature")


def area_from_geojson(raw: str) -> MultiPolygon:
    """A drawn area: GeoJSON in longitude/latitude, one polygon."""
    try:
        geometry = geometry_clean(raw)
    except ValidationError as exc:
        raise ValidationError({"area": exc.messages}) from exc
    return _multipolygon(geometry, "area")


def _multipolygon(geometry: GEOSGeometry, field: str) -> MultiPolygon:
    if geometry.srid != 4326:
        geometry = geometry.transform(4326, clone=True)
    if geometry.geom_type == "Polygon":
        geometry = MultiPolygon(geometry, srid=4326)
    if geometry.geom_type != "MultiPolygon" or geometry.empty:
        raise ValidationError({field: _("A project's area is a polygon: draw an area, or "
                                        "choose a feature of a layer of areas.")})
    if not geometry.valid:
        raise ValidationError({field: _("The area is not valid: %(reason)s.")
                                      % {"reason": geometry.valid_reason}})
    return geometry


def _scope(scope_area, project: Project | None) -> Area | None:
    """The district or neighbourhood (an id) the project runs for, of its municipality;
    None: the whole city. The database checks the municipality too (proposals 0014)."""
    if scope_area is None:
        return None
    municipality_id = project.municipality_id if project is not None \
        else municipality_current_or_default_id()
    area = (Area.objects.filter(pk=getattr(scope_area, "pk", scope_area),
                                municipality_id=municipality_id).first())
    if area is None:
        raise ValidationError({"scope_area": _("Choose a district or neighbourhood of "
                                               "this municipality.")})
    return area


def _slug(title: str, slug: str, project: Project | None) -> str:
    slug = slugify(slug or title)[:80].strip("-")
    if not slug or slug in RESERVED_SLUGS:
        raise ValidationError({"slug": _("Give the project an address made of letters "
                                         "and digits (not “new”).")})
    taken = Project.objects.filter(slug=slug)
    if project is not None:
        taken = taken.exclude(pk=project.pk)
    if taken.exists():  # a friendly message; the unique constraint still decides
        raise ValidationError({"slug": _("Another project already has this address.")})
    return slug


def _categories(project: Project, categories: list[CategoryInput]) -> None:
    keep = [c for c in categories if not c.delete]
    if not keep:
        raise ValidationError({"categories": _("A project needs at least one category.")})
    for c in keep:
        if not COLOUR.match(c.color or ""):
            raise ValidationError({"categories": _("The colour of “%(name)s” must be #rrggbb.")
                                                 % {"name": c.name}})
    for position, c in enumerate(categories, start=1):
        existing = project.categories.filter(pk=c.pk).first() if c.pk else None
        if c.delete:
            if existing is not None:
                try:
                    existing.delete()
                except RestrictedError as exc:
                    raise ValidationError({"categories": _(
                        "“%(name)s” has proposals: it cannot be removed.")
                        % {"name": existing.name}}) from exc
            continue
        category = existing or Category(project=project)
        _set_texts(category, {"name": c.name.strip()}, c.translations)
        category.slug = slugify(c.slug or c.name)[:50] or f"category-{position}"
        category.color = c.color.lower()
        category.position = position
        category.save()


def _phases(project: Project, phases: list[tuple[str, datetime, datetime]]) -> None:
    # Deleted first, then created: the no-overlap constraint sees the new plan only.
    project.phases.all().delete()
    Phase.objects.bulk_create([Phase(project=project, kind=kind, starts_at=start,
                                     ends_at=end) for kind, start, end in phases])


def project_save(*, planner, project: Project | None = None, title: str, slug: str = "",
                 description: str, visibility: str, moderate_before_publishing: bool,
                 area: MultiPolygon | None, phases: list[tuple[str, datetime, datetime]],
                 categories: list[CategoryInput],
                 translations: dict[str, str] | None = None, scope_area=KEEP) -> Project:
    """Create a project (`project` None) or change one: everything on its set-up page.

    `title` and `description` are the English text; `translations` the others by column
    (title_ca, description_es…), '' for none. `scope_area`: the id of the district or
    neighbourhood of the municipality it runs for, None for the whole city; without an
    `area`, the project's area is that district's or neighbourhood's shape."""
    perm = "proposals.add_project" if project is None else "proposals.change_project"
    if not (planner.is_authenticated and planner.has_perm(perm)):
        raise PermissionDenied(_("Only planners can set up projects."))
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("Give the project a title.")})
    if scope_area is not KEEP:
        scope_area = _scope(scope_area, project)
        if area is None and scope_area is not None and (
                project is None or scope_area.pk != project.scope_area_id):
            area = scope_area.geometry
    if area is None and project is None:
        raise ValidationError({"area": _("Draw the project's area or take it from a layer.")})
    phases = phases_as_stored(project, phases)
    try:
        phases_check(phases, project=project)
    except ValidationError as exc:
        raise ValidationError({"phases": exc.messages}) from exc
    values = {"title": title, "slug": _slug(title, slug, project),
              "description": (description or "").strip(), "visibility": visibility,
              "moderate_before_publishing": moderate_before_publishing}
    if scope_area is not KEEP:
        values["scope_area_id"] = scope_area.pk if scope_area is not None else None
    translations = dict(translations or {})
    texts = {"title": values.pop("title"), "description": values.pop("description")}
    # What the audit entry compares: the English text under its plain name, as before.
    tracked = {**texts, **values, **{c: v or None for c, v in translations.items()}}
    before = {f: getattr(project, _english(f) if f in texts else f) for f in tracked} \
        if project else {}
    old_phases = _phase_list(project) if project else []
    try:
        with transaction.atomic():
            if project is None:
                project = Project(area=area, **values)
            else:
                for name, value in values.items():
                    setattr(project, name, value)
            _set_texts(project, texts, translations)
            if project.pk is None:
                project.save(force_insert=True)
            else:
                if area is not None:
                    project.area = area
                project.save()
            _phases(project, phases)
            _categories(project, categories)
            changed = {f: [before.get(f), tracked[f]] for f in tracked
                       if before.get(f) != tracked[f]}
            if area is not None:
                changed["area"] = "new area"
            new_phases = _phase_list(project)
            if new_phases != old_phases:
                changed["phases"] = [old_phases, new_phases]
            audit_record(actor=planner, target=project, project_id=project.pk,
                         action=AuditAction.PROJECT_UPDATE if before
                         else AuditAction.PROJECT_CREATE, details=changed)
    except IntegrityError as exc:
        raise ValidationError(_("This project changed meanwhile; reload the page.")) from exc
    return project


def _phase_list(project: Project) -> list[list[str]]:
    return [[p.kind, p.starts_at.isoformat(), p.ends_at.isoformat()]
            for p in project.phases.order_by("starts_at")]
