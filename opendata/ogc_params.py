"""The query parameters of OGC API – Features, checked the way the standard asks.

Part 1 (Core) says a server answers 400 to a parameter it does not know
(/req/core/query-param-unknown) and to an invalid value of one it knows; a limit
above the maximum is refused too, so that what the OpenAPI document says is exactly
what is served. Every error names the parameter and what it should look like.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time

from django.conf import settings
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError

from opendata.selectors import Bbox
from proposals.models import PUBLIC_STATUSES

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# Chosen in config/settings/base.py (OGC_ITEMS_DEFAULT_LIMIT, OGC_ITEMS_MAX_LIMIT): why
# there. Read once, as the API definition states them.
DEFAULT_LIMIT = settings.OGC_ITEMS_DEFAULT_LIMIT
MAX_LIMIT = settings.OGC_ITEMS_MAX_LIMIT
MAX_OFFSET = 10_000_000
MAX_ID = 2**63 - 1
FORMATS = ("json", "html")
# `crs` and `bbox-crs` (Part 2) are accepted when they name the only CRS served.
# `after` is Plaza's own: the `next` links carry the last id of the page, so that the
# next page starts there (an index look-up) instead of skipping `offset` rows again.
ITEM_PARAMS = {"f", "bbox", "limit", "offset", "after", "datetime", "crs", "bbox-crs"}
PROPOSAL_PARAMS = {"category", "status"}


def reject_unknown(params, allowed: set[str]) -> None:
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValidationError({name: [_("Unknown parameter; this resource takes %(allowed)s.")
                                      % {"allowed": ", ".join(sorted(allowed))}]
                               for name in unknown})


def wants_html(request) -> bool:
    """`?f=html|json` decides; otherwise a browser's Accept (text/html first) does."""
    fmt = request.query_params.get("f")
    if fmt is not None:
        if fmt not in FORMATS:
            raise ValidationError(
                {"f": [_("f is one of %(formats)s.") % {"formats": ", ".join(FORMATS)}]})
        return fmt == "html"
    accept = request.headers.get("Accept", "")
    return accept.split(",")[0].split(";")[0].strip() == "text/html"


def _int(params, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValidationError({name: [_("%(name)s is a whole number from %(low)s to %(high)s.")
                                      % {"name": name, "low": low, "high": f"{high:,}"}]})
    return value


BBOX_HELP = gettext_lazy(
    "bbox is minlon,minlat,maxlon,maxlat (or six numbers with heights) in WGS 84 "
    "longitude/latitude: longitudes within ±180, latitudes within ±90, minlat ≤ "
    "maxlat. A minlon above maxlon crosses the antimeridian.")


def parse_bbox(raw: str) -> Bbox:
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError as exc:
        raise ValidationError({"bbox": [BBOX_HELP]}) from exc
    if len(values) == 6:  # minx, miny, minz, maxx, maxy, maxz: heights are not filtered
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ValidationError({"bbox": [BBOX_HELP]})
    minx, miny, maxx, maxy = values
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError({"bbox": [BBOX_HELP]})
    return minx, miny, maxx, maxy


DATETIME_HELP = gettext_lazy(
    "datetime is an RFC 3339 date-time or date (2026-03-01T10:00:00Z), or an "
    "interval start/end where '..' or nothing leaves one end open.")


def _instant(raw: str, end: bool) -> datetime | None:
    if raw in ("", ".."):
        return None
    value = parse_datetime(raw)
    if value is None:
        day = parse_date(raw)
        if day is None:
            raise ValueError(raw)
        value = datetime.combine(day, time.max if end else time.min)
    # In UTC: PostgreSQL refuses offsets beyond ±15:59, which RFC 3339 allows.
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def parse_interval(raw: str) -> tuple[datetime | None, datetime | None]:
    try:
        if "/" in raw:
            first, _slash, last = raw.partition("/")
            interval = _instant(first, False), _instant(last, True)
        elif raw in ("", ".."):
            raise ValueError(raw)
        else:  # one instant, or one whole day
            interval = _instant(raw, False), _instant(raw, True)
    except (ValueError, OverflowError) as exc:  # 2026-02-30; UTC before year 1
        raise ValidationError({"datetime": [DATETIME_HELP]}) from exc
    if None not in interval and interval[0] > interval[1]:
        raise ValidationError({"datetime": [_("The interval ends before it starts.")]})
    return interval


def _crs(params, name: str) -> None:
    if name in params and params[name] != CRS84:
        raise ValidationError({name: [_("Only %(crs)s (WGS 84 longitude/latitude) is served.")
                                      % {"crs": CRS84}]})


def _csv(raw: str | None) -> tuple[str, ...]:
    return tuple(v for v in (raw or "").split(",") if v)


@dataclass(frozen=True)
class ItemsQuery:
    limit: int
    offset: int
    bbox: Bbox | None
    interval: tuple[datetime | None, datetime | None] | None
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    after: int | None = None  # the page holds the features whose id is above it

    @classmethod
    def parse(cls, params, *, proposals: bool) -> ItemsQuery:
        reject_unknown(params, ITEM_PARAMS | (PROPOSAL_PARAMS if proposals else set()))
        _crs(params, "crs")
        _crs(params, "bbox-crs")
        statuses = _csv(params.get("status"))
        unknown = set(statuses) - {str(s) for s in PUBLIC_STATUSES}
        if unknown:
            raise ValidationError({"status": [
                _("Unknown status: %(statuses)s; public statuses are %(public)s.") % {
                    "statuses": ", ".join(sorted(unknown)),
                    "public": ", ".join(str(s) for s in PUBLIC_STATUSES)}]})
        return cls(
            limit=_int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            offset=_int(params, "offset", 0, 0, MAX_OFFSET),
            after=_int(params, "after", None, 0, MAX_ID),
            bbox=parse_bbox(params["bbox"]) if "bbox" in params else None,
            interval=parse_interval(params["datetime"]) if "datetime" in params else None,
            categories=_csv(params.get("category")), statuses=statuses)
