"""Bulk exports, streamed: a project's proposals with their results, a published layer's
features, as GeoJSON or CSV, in constant memory whatever their size.

Rows come from a server-side cursor (`core/cursors.py`: a named cursor inside a
transaction, so PostgreSQL hands out `CHUNK` rows per FETCH instead of materialising the
result, planned for reading them all) and go out as they come. GeoJSON features are built by
PostGIS; CSV rows are written by Python's csv module, with every text cell that a
spreadsheet would run as a formula neutralised (see `cell`), the header's included.

Licence and attribution travel with the data: GeoJSON carries them at the top level
(`licence`, `attribution`), CSV in the `Link` header of the response (rel="license"
and rel="describedby", whose `title*` states both), so that the file stays a plain table
that every tool reads.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, QuerySet

from core import geojson
from core.cursors import rows_streamed
from gisdata.models import Feature, Layer
from proposals.models import Project
from voting.selectors import ranking_queryset, results_visible

CHUNK = 2000
# OWASP's list: a cell starting with one of these is a formula to Excel, LibreOffice
# and Google Sheets (and a tab or carriage return can hide the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> object:
    """A CSV cell: text that a spreadsheet would evaluate gets a leading apostrophe
    (shown as text, not run); numbers stay numbers; lists and objects become JSON."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Export:
    name: str  # the file name, without extension
    title: str
    licence: str
    attribution: str
    columns: list[str]  # CSV columns after `id`, before `geometry_wkt`
    sql: str  # rows: id, GeoJSON feature text, WKT, then one value per column
    params: tuple
    json_values: bool = False  # the column values are JSON texts (a layer's attributes)


def _rows(export: Export) -> Iterator[tuple]:
    """The export's rows through a server-side cursor, CHUNK at a time."""
    return rows_streamed(export.sql, export.params, chunk=CHUNK)


def geojson_stream(export: Export) -> Iterator[str]:
    """One feature a line: the file is read in editors and compared with diff."""
    head = {"name": export.name, "title": export.title, "licence": export.licence,
            "attribution": export.attribution}
    return geojson.collection_stream((row[1] for row in _rows(export)), head=head,
                                     one_per_line=True)


def csv_stream(export: Export) -> Iterator[str]:
    # The rows' server is chosen now, while the view runs (core/cursors.py).
    return _csv_lines(export, _rows(export))


def _csv_lines(export: Export, rows: Iterator[tuple]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # The header too: a layer's column names are its imported file's attribute names.
    writer.writerow(["id", *(cell(name) for name in export.columns), "geometry_wkt"])
    for n, row in enumerate(rows, start=1):
        values = [json.loads(v) if v is not None else None for v in row[3:]] \
            if export.json_values else row[3:]
        writer.writerow([row[0], *(cell(v) for v in values), row[2]])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


_FEATURE_ROW = """
SELECT t.id,
       {feature}::text,
       ST_AsText(t.geometry){columns}
FROM ({inner}) t
"""


def _sql(qs: QuerySet, *, properties: str, columns: str) -> tuple[str, tuple]:
    inner, params = qs.query.sql_with_params()
    feature = geojson.feature_sql(id="t.id", geometry="t.geometry", properties=properties)
    return _FEATURE_ROW.format(inner=inner, feature=feature, columns=columns), params


def layer_export(layer: Layer) -> Export:
    """Every feature of a layer, by id; the CSV has one column per attribute of the
    layer's schema (values as text, JSON for lists and objects)."""
    names = [a["name"] for a in layer.schema if isinstance(a, dict) and a.get("name")]
    qs = Feature.objects.filter(layer_id=layer.pk).order_by("pk").values(
        "id", "geometry", "properties")
    # Each attribute as JSON text, decoded in Python: numbers stay numbers in the CSV.
    sql, params = _sql(qs, properties="t.properties",
                       columns="".join(", (t.properties -> %s)::text" for _ in names))
    dataset = layer.dataset
    return Export(name=f"{dataset.slug}-{layer.name}", title=layer.title,
                  licence=dataset.licence, attribution=dataset.attribution, columns=names,
                  sql=sql, params=(*names, *params), json_values=True)


PROPOSAL_COLUMNS = ["project", "title", "body", "category", "category_name", "status",
                    "official_answer", "created_at", "updated_at"]
RESULT_COLUMNS = ["supporters", "opponents", "abstentions", "support_weight",
                  "oppose_weight", "score_weighted", "score_equal", "rank_weighted",
                  "rank_equal"]


def project_export(project: Project, licence: str, attribution: str) -> Export:
    """The project's public proposals, best ranked first, each with its tally and both
    ranks when the project's results are public (in id order, without them, before)."""
    with_results = results_visible(AnonymousUser(), project)
    columns = PROPOSAL_COLUMNS + (RESULT_COLUMNS if with_results else [])
    qs = ranking_queryset(project)
    if not with_results:
        qs = qs.order_by("pk")
    qs = qs.annotate(project_ref=F("project_id"), category_slug=F("category__slug"),
                     category_name=F("category__name"))
    fields = ["id", "geometry", "project_ref", "title", "body", "category_slug",
              "category_name", "status", "official_answer", "created_at", "updated_at"]
    qs = qs.values(*fields, *(RESULT_COLUMNS if with_results else []))
    sources = ["t.project_ref", *(f"t.{f}" for f in fields[3:]),
               *(f"t.{c}" for c in (RESULT_COLUMNS if with_results else []))]
    properties = "json_build_object(" + ", ".join(
        f"'{name}', {src}" for name, src in zip(columns, sources, strict=True)) + ")"
    sql, params = _sql(qs, properties=properties,
                       columns="".join(f", {src}" for src in sources))
    return Export(name=f"proposals-{project.slug}", title=f"Proposals: {project.title}",
                  licence=licence, attribution=attribution, columns=columns, sql=sql,
                  params=params)
