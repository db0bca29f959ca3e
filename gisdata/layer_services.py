"""Writes on imported layers that change what citizens see: publishing, the title and
the label property, the colour the maps draw a layer in, and the constraint rules that
give feedback on proposals.

Each change is one transaction with its audit entry (`audit.services`: the
audit log is the ground floor below gisdata, so gisdata still depends on no other app).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from audit.models import AuditAction
from audit.services import audit_record
from core import tenancy
from gisdata.constraints import PLACEHOLDER
from gisdata.credits import credits_forget
from gisdata.models import Constraint, ConstraintRule, Layer, Severity

COLOUR = re.compile(r"^#[0-9a-f]{6}$")
MAX_DISTANCE_M = 10_000  # as the gisdata_constraint_distance check constraint
MESSAGE_MAX = 300
CHANGE_LAYER = "gisdata.change_layer"
TITLE_MAX = 200
# Attributes that name a feature, in the order an import tries them (case does not
# matter): Barcelona's districts have NOM, many open-data portals name or NAME, Prague
# nazev. The finer division first: Barcelona's neighbourhoods carry their district's
# name too, and are found by their own. Streets last (Cambridge's centre lines have
# Label "Cambridge St" and Street_Name "Cambridge").
LABEL_NAMES = ("name", "nom", "nombre", "nazev", "název", "nom_barri", "barri",
               "neighbourhood", "neighborhood", "nom_districte", "districte", "district",
               "label", "title", "street", "carrer", "calle")


def _require(user, layer: Layer) -> None:
    if not (user.is_authenticated and user.is_active and user.has_perm(CHANGE_LAYER)):
        raise PermissionDenied(_("Only planners can change layers."))
    served = tenancy.current_id()
    if served is not None and layer.municipality_id != served:
        # A layer the region shares shows here, read-only: its own municipality changes it.
        raise PermissionDenied(_("This layer belongs to another municipality: it is "
                                 "read-only here."))


def colour_clean(value: str) -> str:
    """A colour as the maps need it: `#rrggbb`, lower case. Anything else (names, `rgb()`,
    `url(…)`) is refused, since the value ends up in a style attribute on the map."""
    value = (value or "").strip().lower()
    if not COLOUR.match(value):
        raise ValidationError({"color": _("Give the colour as #rrggbb, e.g. #1d4ed8.")})
    return value


def attribute_names(schema) -> list[str]:
    return [str(a["name"]) for a in schema or [] if isinstance(a, dict) and a.get("name")]


def label_property_guess(schema) -> str:
    """The attribute that most likely names a feature ("NOM"), or "" when none does."""
    names = {name.lower(): name for name in attribute_names(schema)}
    return next((names[wanted] for wanted in LABEL_NAMES if wanted in names), "")


def layer_update(*, layer: Layer, user, title: str, label_property: str,
                 is_districts: bool, translations: dict[str, str] | None = None) -> Layer:
    """Rename a layer (the title citizens see in the map's layer control), choose the
    attribute that names its features, and mark it as the city's districts: the one
    layer breakdowns "by district" start from (marking it unmarks any other).

    `title` is the main text (the default language's); `translations` the title in
    other languages by column (title_ca…), '' for none, or None to leave them as they
    are (the dashboard's form edits the main text only)."""
    _require(user, layer)
    title = " ".join((title or "").split())
    titles = _title_translations(translations)
    errors = {}
    if not title:
        errors["title"] = _("Give the layer the title citizens will read.")
    elif any(len(text) > TITLE_MAX for text in [title, *titles.values()]):
        errors["title"] = _("Write at most %(n)s characters.") % {"n": TITLE_MAX}
    if label_property and label_property not in attribute_names(layer.schema):
        errors["label_property"] = _("Choose one of the layer's attributes.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Layer.objects.select_for_update().get(pk=layer.pk)
        before = {"title": _main(locked, "title"), "label_property": locked.label_property,
                  "is_districts": locked.is_districts,
                  **{column: getattr(locked, column) or "" for column in titles}}
        after = {"title": title, "label_property": label_property or "",
                 "is_districts": bool(is_districts), **titles}
        if before == after:
            return locked
        if after["is_districts"]:
            Layer.objects.filter(is_districts=True).exclude(pk=locked.pk).update(
                is_districts=False)
        with _default_language():
            for field, value in after.items():
                # An empty translation is NULL: the reader gets the main text instead.
                setattr(locked, field, (value or None) if field in titles else value)
            locked.save(update_fields=[*after, "updated_at"])
        audit_record(actor=user, action=AuditAction.LAYER_UPDATE, target=locked,
                     details={f: [before[f], after[f]] for f in after
                              if before[f] != after[f]})
    return locked


def layer_publish(*, layer: Layer, user, published: bool) -> Layer:
    """Publish a layer (maps and open-data readers see it) or take it back.

    Claim-by-update: publishing an already published layer changes nothing and
    records nothing, so a double click leaves one entry.
    """
    _require(user, layer)
    with transaction.atomic():
        if Layer.objects.filter(pk=layer.pk, is_published=not published).update(
                is_published=published):
            audit_record(actor=user, target=layer, details={"dataset": layer.dataset_id},
                         action=AuditAction.LAYER_PUBLISH if published
                         else AuditAction.LAYER_UNPUBLISH)
            credits_forget()  # an UPDATE sends no signal: the footer's credits change
    layer.is_published = published
    return layer


def layer_style_set(*, layer: Layer, user, color: str) -> Layer:
    """Set the colour the maps draw this layer in (`Layer.style["color"]`)."""
    _require(user, layer)
    color = colour_clean(color)
    with transaction.atomic():
        locked = Layer.objects.select_for_update().get(pk=layer.pk)
        before = (locked.style or {}).get("color")
        if before == color:
            return locked
        locked.style = {**(locked.style or {}), "color": color}
        locked.save(update_fields=["style", "updated_at"])
        audit_record(actor=user, action=AuditAction.LAYER_STYLE, target=locked,
                     details={"color": [before, color]})
    return locked


def _default_language():
    """The dashboard writes a layer's title and a rule's message as their main text, in
    the default language's column (the one every language falls back to), whatever
    language the planner reads; the other languages' are written in the admin."""
    return translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE)


def _title_translations(translations: dict[str, str] | None) -> dict[str, str]:
    """The title's other-language columns, their text with the spaces tidied."""
    columns = {f"title_{code}" for code, _name in settings.LANGUAGES
               if code != settings.MODELTRANSLATION_DEFAULT_LANGUAGE}
    unknown = set(translations or {}) - columns
    if unknown:
        raise ValueError(f"Not a translated title column: {sorted(unknown)}")
    return {column: " ".join((text or "").split())
            for column, text in sorted((translations or {}).items())}


def _main(instance, name: str) -> str:
    """The main text of a translated field (its default language's column)."""
    return getattr(instance, f"{name}_{settings.MODELTRANSLATION_DEFAULT_LANGUAGE}") or ""


def _constraint_values(*, rule: str, distance_m, severity: str, message: str) -> dict:
    errors = {}
    if rule not in ConstraintRule.values:
        errors["rule"] = _("Choose intersects or within a distance.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose information, warning or blocking.")
    message = " ".join((message or "").split())
    if not message:
        errors["message"] = _("Write the message citizens will read.")
    elif len(message) > MESSAGE_MAX:
        errors["message"] = _("Write at most %(n)s characters.") % {"n": MESSAGE_MAX}
    elif re.search(r"[{}]", PLACEHOLDER.sub("", message)):
        errors["message"] = _("Braces are only for attribute names, as in {NOM}; "
                              "no spaces, dots or other signs inside them.")
    if rule == ConstraintRule.WITHIN:
        if distance_m is None or not (0 < int(distance_m) <= MAX_DISTANCE_M):
            errors["distance_m"] = _("Give a distance between 1 and %(max)s metres.") % {
                "max": MAX_DISTANCE_M}
    else:
        distance_m = None
    if errors:
        raise ValidationError(errors)
    return {"rule": rule, "distance_m": int(distance_m) if distance_m else None,
            "severity": severity, "message": message}


def _snapshot(constraint: Constraint) -> dict:
    return {"rule": constraint.rule, "distance_m": constraint.distance_m,
            "severity": constraint.severity, "message": _main(constraint, "message"),
            "is_active": constraint.is_active,
            "projects": sorted(constraint.projects.values_list("pk", flat=True))}


def constraint_save(*, user, layer: Layer, constraint: Constraint | None = None,
                    rule: str, distance_m: int | None, severity: str, message: str,
                    is_active: bool = True,
                    project_ids: Iterable[int] | None = None,
                    translations: dict[str, str] | None = None) -> Constraint:
    """Add a rule to a layer (`constraint` None) or change one of its rules.

    A rule only speaks to citizens while its layer is published, and only in the
    projects of `project_ids` (ids: gisdata imports no other app); empty: in every
    project; None: a new rule in every project, a changed one where it spoke. The
    message template may name the matching feature's attributes, as in "In flood zone
    {fld_zone}". `message` is the main text (the default language's); `translations`
    the message in other languages by column (message_ca…), '' for none.
    """
    _require(user, layer)
    values = _constraint_values(rule=rule, distance_m=distance_m, severity=severity,
                                message=message)
    with transaction.atomic(), _default_language():
        if constraint is None:
            constraint = Constraint.objects.create(layer=layer, is_active=is_active, **values)
            action, before = AuditAction.CONSTRAINT_CREATE, None
        else:
            constraint = Constraint.objects.select_for_update().get(pk=constraint.pk,
                                                                     layer=layer)
            before = _snapshot(constraint)
            for field, value in {**values, "is_active": is_active}.items():
                setattr(constraint, field, value)
            action = AuditAction.CONSTRAINT_UPDATE
        for column, text in (translations or {}).items():
            setattr(constraint, column, " ".join((text or "").split()) or None)
        constraint.save()
        if project_ids is not None:
            constraint.projects.set(sorted(set(project_ids)))
        audit_record(actor=user, action=action, target=constraint,
                     details={"layer": layer.pk, "before": before,
                              "after": _snapshot(constraint)})
    return constraint


def constraint_delete(*, user, constraint: Constraint) -> None:
    _require(user, constraint.layer)
    with transaction.atomic():
        audit_record(actor=user, action=AuditAction.CONSTRAINT_DELETE, target=constraint,
                     details={"layer": constraint.layer_id, "before": _snapshot(constraint)})
        constraint.delete()
