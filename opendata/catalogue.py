"""What Plaza publishes as open data: each published layer and the proposals of each
public project, as collections with stable ids, titles, extents, licence and attribution.

Everything here is the anonymous reader's view, whoever asks: open data is the same for
everyone, so answers can be cached and compared (a planner who wants drafts uses the
site). The visibility rules are the apps' own: `layers_published` from gisdata,
`proposals_readable` for an anonymous user from proposals.

Collection ids are readable words, so that a QGIS or ogrinfo user sees names they
recognise: a layer is `<dataset slug>-<layer name>` ("barcelona-fountains-fonts"), the
proposals of a project `proposals-<project slug>`. Should two layers slugify alike, or a
layer's id look like a project's, that layer falls back to `layer-<id>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Min
from django.utils.text import slugify
from django.utils.translation import gettext as _

from gisdata.models import Layer
from gisdata.selectors import layer_extent_bbox, layers_published
from proposals.models import Project
from proposals.selectors import projects_listed, proposals_readable
from voting.selectors import results_visible

LAYER = "layer"
PROPOSALS = "proposals"
PROPOSALS_PREFIX = "proposals-"


@dataclass
class Collection:
    id: str
    kind: str  # LAYER or PROPOSALS
    title: str
    description: str
    bbox: list[float] | None
    updated_at: datetime
    licence: str
    attribution: str
    layer: Layer | None = None
    project: Project | None = None
    # (first, last) creation time of its items, for proposals; None when unknown.
    interval: tuple[datetime | None, datetime | None] | None = None
    results: bool = False  # proposals: whether their tallies are public
    item_count: int | None = None


def proposals_licence() -> tuple[str, str]:
    """The licence and attribution of what participants publish on this Plaza."""
    return settings.OPENDATA_PROPOSALS_LICENCE, settings.OPENDATA_PROPOSALS_ATTRIBUTION


def _layer_ids(layers: list[Layer]) -> dict[int, str]:
    wanted = {layer.pk: f"{layer.dataset.slug}-{slugify(layer.name)}".strip("-")
              for layer in layers}
    counts: dict[str, int] = {}
    for value in wanted.values():
        counts[value] = counts.get(value, 0) + 1
    return {pk: value if counts[value] == 1 and not value.startswith(PROPOSALS_PREFIX)
            and not value.startswith("layer-") else f"layer-{pk}"
            for pk, value in wanted.items()}


def _layer_collection(layer: Layer, cid: str) -> Collection:
    dataset = layer.dataset
    description = dataset.description or _("%(layer)s, from the dataset %(dataset)s.") % {
        "layer": layer.title, "dataset": dataset.name}
    return Collection(id=cid, kind=LAYER, title=layer.title, description=description,
                      bbox=layer_extent_bbox(layer), updated_at=layer.updated_at,
                      licence=dataset.licence, attribution=dataset.attribution, layer=layer,
                      item_count=layer.feature_count)


def _proposal_collection(project: Project, interval=None) -> Collection:
    licence, attribution = proposals_licence()
    return Collection(
        id=PROPOSALS_PREFIX + project.slug, kind=PROPOSALS,
        title=_("Proposals: %(title)s") % {"title": project.title},
        description=project.description,
        bbox=list(project.area.extent), updated_at=project.updated_at, licence=licence,
        attribution=attribution, project=project, interval=interval,
        results=results_visible(AnonymousUser(), project))


def _intervals(projects: list[Project]) -> dict[int, tuple]:
    """First and last creation time of each project's public proposals (one query)."""
    rows = (proposals_readable(user=AnonymousUser()).filter(project__in=projects)
            .order_by().values("project_id")
            .annotate(first=Min("created_at"), last=Max("created_at")))
    return {row["project_id"]: (row["first"], row["last"]) for row in rows}


def collections_all() -> list[Collection]:
    """Every collection: the public projects' proposals first, then the layers."""
    projects = list(projects_listed(user=AnonymousUser()))
    intervals = _intervals(projects)
    found = [_proposal_collection(p, intervals.get(p.pk)) for p in projects]
    layers = list(layers_published().order_by("dataset__name", "name", "pk"))
    ids = _layer_ids(layers)
    found += [_layer_collection(layer, ids[layer.pk]) for layer in layers]
    return found


def collection_get(collection_id: str) -> Collection | None:
    """One collection by id, or None. A proposals id needs one query; a layer's id is
    resolved among the published layers (a city publishes tens, not thousands)."""
    if collection_id.startswith(PROPOSALS_PREFIX):
        slug = collection_id.removeprefix(PROPOSALS_PREFIX)
        project = projects_listed(user=AnonymousUser()).filter(slug=slug).first()
        if project is not None:
            return _proposal_collection(project, _intervals([project]).get(project.pk))
    layers = list(layers_published())
    for pk, cid in _layer_ids(layers).items():
        if cid == collection_id:
            return _layer_collection(next(la for la in layers if la.pk == pk), cid)
    return None

