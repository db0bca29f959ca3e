"""Vector tiles of imported layers: `GET /tiles/{layer}/{z}/{x}/{y}.pbf`.

A plain Django view, not DRF: the answer is protobuf bytes, cached by browsers and
proxies for published layers. The ETag carries the layer's version (bumped by every
import), so a re-imported layer is fetched again once the max-age has passed, and a
revalidation answers 304 without querying the features.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from core.db_router import replica_reads
from gisdata import selectors

CONTENT_TYPE = "application/vnd.mapbox-vector-tile"
MAX_AGE = 3600


@replica_reads
@require_safe
def layer_tile(request, layer_id: int, z: int, x: int, y: int):
    if not selectors.tile_in_range(z, x, y):
        raise Http404("No such tile.")
    # Published layers first, without touching the session: their tiles are the same
    # for everyone, so the answer carries no `Vary: Cookie` and shared caches keep it.
    layer = selectors.layer_published_for_tiles(layer_id)
    if layer is None:
        readable = selectors.layers_readable(user=request.user).select_related(None)
        layer = get_object_or_404(readable.only(*selectors.TILE_LAYER_FIELDS), pk=layer_id)
    etag = f'"layer{layer.pk}-v{layer.version}-{z}-{x}-{y}"'
    if layer.is_published:
        cache_control = f"public, max-age={MAX_AGE}"
    else:  # a planner's preview of an unpublished layer: never in a shared cache
        cache_control = "private, no-cache"
    if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponseNotModified()
    else:
        data = selectors.layer_tile(layer, z, x, y)
        response = HttpResponse(data, content_type=CONTENT_TYPE,
                                status=200 if data else 204)
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    if not layer.is_published:
        patch_vary_headers(response, ["Cookie"])
    return response
