"""The JSON documents of OGC API – Features: landing page, conformance, collections.

Link relations and media types follow Part 1 (OGC 17-069r4): `self` and `alternate`
on every document, `service-desc` (the OpenAPI 3.0 document) and `service-doc` (its
browsable page), `conformance`, `data` (the collections), `items` and `collection`.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from core import geojson
from opendata.catalogue import Collection
from opendata.ogc_params import CRS84

GEOJSON = geojson.MEDIA_TYPE
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
TRS = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
]


def url(request, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(f"ogc:{name}", args=args))


def link(href: str, rel: str, media_type: str, title: str) -> dict:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def self_links(href: str, html: bool, title: str) -> list[dict]:
    """`self` for the format being served, `alternate` for the other one."""
    json_link = link(f"{href}?f=json", "alternate" if html else "self", JSON,
                     _("%(title)s as JSON") % {"title": title})
    html_link = link(f"{href}?f=html", "self" if html else "alternate", HTML,
                     _("%(title)s as HTML") % {"title": title})
    return [html_link, json_link] if html else [json_link, html_link]


def landing(request, html: bool) -> dict:
    return {
        "title": _("%(site_name)s open data") % {"site_name": settings.SITE_NAME},
        "description": _("Published GIS layers and the proposals of public projects, as "
                         "OGC API – Features (GeoJSON, WGS 84 longitude/latitude)."),
        "links": [
            *self_links(url(request, "landing"), html, _("This page")),
            link(url(request, "api"), "service-desc", OPENAPI,
                 _("The API definition (OpenAPI 3.0)")),
            link(url(request, "api-docs"), "service-doc", HTML, _("The API documentation")),
            link(url(request, "conformance"), "conformance", JSON,
                 _("The conformance classes implemented")),
            link(url(request, "collections"), "data", JSON, _("The collections")),
        ],
    }


def conformance(request, html: bool) -> dict:
    return {"conformsTo": CONFORMANCE,
            "links": self_links(url(request, "conformance"), html, _("Conformance"))}


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def collection(request, c: Collection, html: bool = False, *, own_links=True) -> dict:
    href = url(request, "collection", c.id)
    items = url(request, "items", c.id)
    extent: dict = {}
    if c.bbox:
        extent["spatial"] = {"bbox": [c.bbox], "crs": CRS84}
    if c.interval:
        extent["temporal"] = {"interval": [[_iso(c.interval[0]), _iso(c.interval[1])]],
                              "trs": TRS}
    links = self_links(href, html, c.title) if own_links else [
        link(href, "self", JSON, c.title)]
    links += [link(items, "items", GEOJSON, _("The items of %(title)s") % {"title": c.title}),
              link(f"{items}?f=html", "items", HTML,
                   _("The items of %(title)s as HTML") % {"title": c.title})]
    if c.licence.startswith(("http://", "https://")):
        links.append(link(c.licence, "license", HTML, _("Licence")))
    doc = {"id": c.id, "title": c.title, "description": c.description,
           "itemType": "feature", "crs": [CRS84], "storageCrs": CRS84,
           "license": c.licence, "attribution": c.attribution, "links": links}
    if extent:
        doc["extent"] = extent
    if c.item_count is not None:
        doc["numberOfFeatures"] = c.item_count
    return doc


def collections(request, found: list[Collection], html: bool) -> dict:
    return {"links": self_links(url(request, "collections"), html, _("Collections")),
            "collections": [collection(request, c, own_links=False) for c in found]}


def page_links(request, c: Collection, *, limit: int, offset: int, returned: int,
               matched: int, html: bool, last_id: int | None = None) -> list[dict]:
    """self/alternate for this page, the collection, and next/prev pages, keeping the
    reader's other parameters. `next` carries `after`, the last id of this page, so the
    next page starts with an index look-up rather than skipping `offset` rows again."""
    base = url(request, "items", c.id)

    def at(new_offset: int, fmt: str, after: int | None = None) -> str:
        params = request.query_params.copy()
        params["offset"], params["limit"], params["f"] = new_offset, limit, fmt
        params.pop("after", None)
        if after is not None:
            params["after"] = after
        return f"{base}?{params.urlencode()}"

    kind = HTML if html else GEOJSON
    fmt, other = ("html", "json") if html else ("json", "html")
    this = request.query_params.get("after")
    links = [link(at(offset, fmt, this), "self", kind, _("This page")),
             link(at(offset, other, this), "alternate", GEOJSON if html else HTML,
                  _("This page in the other format")),
             link(url(request, "collection", c.id), "collection", JSON, c.title)]
    if returned == limit and offset + returned < matched:
        links.append(link(at(offset + limit, fmt, last_id), "next", kind, _("Next page")))
    if offset > 0:
        links.append(link(at(max(0, offset - limit), fmt), "prev", kind, _("Previous page")))
    return links
