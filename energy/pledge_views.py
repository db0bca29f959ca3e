"""The member's pages: the pledge form (`/energy/<id>/pledge/`), withdrawing, "My
pledge" with the member's own results, and the community's buildings for the form's
map and list (docs/energy.md, "Pages").

A pledge is private: these pages show the reader's own pledge only, to them only.
Planners read members' pledges in the admin. The rules are the pledge service's
(energy/pledges.py); a refusal is shown next to its field, with what was typed kept.
"""

from __future__ import annotations

import json
import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.bbox import BBoxError, bbox_polygon
from core.form_errors import form_add_service_errors
from energy import selectors
from energy.buildings import LIST_MAX, BuildingQuery, building_name, buildings_find
from energy.forms import PledgeForm, pledge_initial
from energy.models import SCALES, PledgeStatus
from energy.pledges import pledge_submit, pledge_update, pledge_withdraw, why_not_pledge
from energy.roofs import roof_defaults
from energy.views import FIGURES, community_or_404, map_config, scale_label


def _footprint(geometry: GEOSGeometry):
    if isinstance(geometry, MultiPolygon):
        return max(geometry, key=lambda part: part.area)
    return geometry


def _roof_of(community, building_id, roof_text: str, pledge):
    """The roof the form is about: a drawn one, the chosen building's, or the pledge's."""
    if roof_text:
        try:
            roof = GEOSGeometry(roof_text, srid=4326)
        except (GEOSException, ValueError, TypeError):
            return None
        return roof if roof.geom_type == "Polygon" and roof.valid else None
    if building_id:
        found, _more = buildings_find(community, BuildingQuery(id=building_id, limit=1))
        if found:
            return _footprint(GEOSGeometry(json.dumps(found[0]["geometry"]), srid=4326))
        return None
    return pledge.roof if pledge is not None else None


def _placeholders(roof) -> dict:
    """What the array would be with its figures left empty: the form's placeholders."""
    if roof is None:
        return {}
    defaults = roof_defaults(roof)
    return {"pv_area_m2": defaults.usable_m2, "pv_kwp": defaults.kwp,
            "pv_tilt": defaults.tilt, "pv_azimuth": defaults.azimuth}


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _pledge_context(request, community, form, pledge) -> dict:
    building_id = _int(form["building"].value())
    roof_text = (form["roof"].value() or "").strip()
    for name, value in _placeholders(_roof_of(community, building_id, roof_text,
                                              pledge)).items():
        form.fields[name].widget.attrs["placeholder"] = f"{value:g}"
    query = " ".join(request.GET.get("q", "").split())[:120]
    matches = []
    if query and community.building_layer_id:
        matches, _more = buildings_find(community, BuildingQuery(name=query, limit=LIST_MAX))
    chosen = building_name(community, building_id)
    candidates = ([{"id": building_id, "name": chosen}] if chosen else []) + [
        {"id": m["id"], "name": m["properties"]["name"]} for m in matches
        if m["id"] != building_id]
    config = {**map_config(community),
              "buildings_url": reverse("energy:buildings", args=[community.pk]),
              "layer": community.building_layer_id}
    return {"community": community, "project": community.project, "form": form,
            "pledge": pledge, "query": query, "candidates": candidates,
            "chosen_building": building_id if chosen else None, "map_config": config}


@login_required
def pledge_form(request, pk: int):
    """Pledge, or change one's active pledge; a withdrawn pledge is made again."""
    community = community_or_404(request, pk)
    user = request.user
    found = selectors.pledge_of(community=community, member=user)
    pledge = found if found is not None and found.status == PledgeStatus.ACTIVE else None
    reason = why_not_pledge(user, community)
    if request.method == "POST":
        if reason:
            messages.error(request, reason)
            return redirect("energy:community", pk=community.pk)
        form = PledgeForm(request.POST)
        if form.is_valid():
            arguments = form.service_arguments()
            try:
                if pledge is not None:
                    pledge_update(pledge=pledge, member=user, **arguments)
                else:
                    pledge_submit(community=community, member=user, **arguments)
            except ValidationError as exc:
                form_add_service_errors(form, exc)
            else:
                messages.success(request, _("Your pledge is saved. Only you and the "
                                            "city's planners see it."))
                return redirect("energy:my-pledge", pk=community.pk)
    else:
        form = PledgeForm(initial=pledge_initial(pledge) if pledge else {"kind": "household"})
    context = _pledge_context(request, community, form, pledge)
    context["why_not"] = reason
    return render(request, "energy/pledge_form.html", context,
                  status=400 if form.errors else 200)


@login_required
@require_POST
def pledge_withdraw_view(request, pk: int):
    community = community_or_404(request, pk)
    pledge = selectors.pledge_of(community=community, member=request.user)
    if pledge is None or pledge.status != PledgeStatus.ACTIVE:
        raise Http404(_("You have no pledge to withdraw in this community."))
    pledge_withdraw(pledge=pledge, member=request.user)
    messages.success(request, _("Your pledge is withdrawn: the next simulation leaves it "
                                "out. You may pledge again while pledges are taken."))
    return redirect("energy:community", pk=community.pk)


def _member_scales(results: dict | None, options: list) -> list[dict]:
    """The member's own figures per option and scale, shares as per cent."""
    if not results:
        return []
    rows = []
    for option in options:
        per_scale = results.get(str(option.pk))
        if not per_scale:
            continue
        scales = []
        for scale in SCALES:
            totals = per_scale.get(scale) or {}
            shown = {name: totals.get(name) for name in (*FIGURES, "generation_kwh",
                                                         "demand_kwh", "grid_import_kwh")}
            for share in ("self_sufficiency", "self_consumption"):
                if shown[share] is not None:
                    shown[share] *= 100
            scales.append({"scale": scale, "label": scale_label(scale), "figures": shown})
        rows.append({"option": option, "scales": scales})
    return rows


@login_required
def my_pledge(request, pk: int):
    """The reader's own pledge and their own results in the latest finished run."""
    community = community_or_404(request, pk)
    pledge = selectors.pledge_of(community=community, member=request.user)
    run = selectors.run_latest_done(community)
    results = (selectors.member_results(user=request.user, community=community, run=run)
               if run is not None and pledge is not None else None)
    return render(request, "energy/my_pledge.html", {
        "community": community, "project": community.project, "pledge": pledge,
        "building": building_name(community, pledge.building_id) if pledge else None,
        "run": run, "options_results": _member_scales(results, list(community.options.all())),
        "can_change": pledge is not None and not why_not_pledge(request.user, community),
    })


def _near(raw: str) -> tuple[float, float] | None:
    try:
        lon, lat = (float(v) for v in raw.split(","))
    except ValueError:
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
            and -90 <= lat <= 90):
        return None
    return lon, lat


def buildings(request, pk: int):
    """The community's buildings as GeoJSON: in `bbox` (the map's view), nearest `near`
    (lon,lat), by name `q`, or one `id` with the array its roof holds by default."""
    community = community_or_404(request, pk)
    params = request.GET
    query = {}
    if params.get("bbox"):
        try:
            query["bbox"] = bbox_polygon(params["bbox"])
        except BBoxError:
            return JsonResponse({"detail": _("The bbox is four numbers: west, south, east, "
                                             "north.")}, status=400)
    if params.get("near"):
        query["near"] = _near(params["near"])
        if query["near"] is None:
            return JsonResponse({"detail": _("near is a longitude and a latitude.")},
                                status=400)
        query["limit"] = LIST_MAX
    if params.get("q"):
        query.update(name=" ".join(params["q"].split())[:120], limit=LIST_MAX)
    if params.get("id"):
        query.update(id=_int(params["id"]), limit=1)
        if query["id"] is None:
            return JsonResponse({"detail": _("id is a number.")}, status=400)
    if not query:
        return JsonResponse({"detail": _("Give a bbox, near, q or id.")}, status=400)
    found, more = buildings_find(community, BuildingQuery(**query))
    if "id" in query and found:
        roof = _footprint(GEOSGeometry(json.dumps(found[0]["geometry"]), srid=4326))
        found[0]["properties"]["defaults"] = _placeholders(roof)
    return JsonResponse({"type": "FeatureCollection", "features": found, "more": more})
