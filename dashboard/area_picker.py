"""Finding the feature a project's area is taken from: a layer of areas, then one of its
features by name. `static/js/plaza-area.js` asks this endpoint as the planner types;
without JavaScript the project form's "Find" button lists the same matches
(`dashboard.projects`), so the endpoint is a convenience, never the only way.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import get_object_or_404

from dashboard.access import planner_only
from dashboard.selectors import area_layers
from gisdata.selectors import feature_geojson, features_search

# The planners who set up projects are the ones who pick their areas.
PERMISSION = "proposals.change_project"


@planner_only(PERMISSION)
def layer_features(request, pk: int):
    """`?q=gràc`: {"results": [{id, name}, …], "more": bool}, names sorted, at most 20;
    `?id=N`: that feature of the layer as GeoJSON (404 if it is not one of them)."""
    layer = get_object_or_404(area_layers(), pk=pk)
    feature_id = request.GET.get("id", "")
    if feature_id:
        found = feature_geojson(int(feature_id), layers=area_layers().filter(pk=layer.pk)) \
            if feature_id.isdigit() else None
        if found is None:
            return JsonResponse({"detail": "No such feature in this layer."}, status=404)
        return JsonResponse(found)
    results, more = features_search(layer, request.GET.get("q", ""))
    return JsonResponse({"results": results, "more": more})
