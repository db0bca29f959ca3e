"""The Barcelona neighbourhoods project's proposals, placed on the city's open data.

Each idea of `demo/neighbourhood_ideas.py` is put on a real site of `demo/barcelona/`
(`demo/sites.py`): a drinking fountain, a Bicing station or a bike lane, named as the
city names it, so the demo map shows the city as it is. A fixed seed makes the demo the
same on every machine. Proposals go through `proposal_create`, the same service as the
site, so the demo cannot hold anything the site would refuse.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from pathlib import Path

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.utils import timezone

from demo.districts import METRIC_SRID, TO_METRIC, TO_WGS84
from demo.neighbourhood_ideas import IDEAS
from demo.sites import Site, sites_find
from proposals.models import Project, Proposal
from proposals.services import proposal_create

SEED = 2026
TITLE_MAX = 140  # Proposal.title; the service does not check the length, the column does


def _rounded(coords):
    """GeoJSON coordinates to 7 decimals (about a centimetre), as a map client sends them."""
    if isinstance(coords[0], int | float):
        return [round(coords[0], 7), round(coords[1], 7)]
    return [_rounded(item) for item in coords]


def _small_area(site: Site, rng: random.Random) -> dict:
    """A square or hexagon about 40 m across around the site, drawn in metres so that it
    is true on the ground."""
    centre = site.geometry.transform(TO_METRIC, clone=True)
    sides, radius, turn = rng.choice((4, 6)), rng.uniform(18, 26), rng.uniform(0, math.pi)
    ring = [(centre.x + radius * math.cos(turn + 2 * math.pi * i / sides),
             centre.y + radius * math.sin(turn + 2 * math.pi * i / sides))
            for i in range(sides)]
    polygon = Polygon([*ring, ring[0]], srid=METRIC_SRID)
    polygon.transform(TO_WGS84)
    return {"type": "Polygon", "coordinates": _rounded(polygon.coords)}


def _shape(site: Site, kind: str, rng: random.Random) -> dict:
    """The GeoJSON of a proposal on a site: the point, the lane, or a small area around."""
    if kind == "Polygon":
        return _small_area(site, rng)
    return {"type": site.geometry.geom_type, "coordinates": _rounded(site.geometry.coords)}


def _pools(sites: dict[str, list[Site]], names: list[str], rng: random.Random) -> dict:
    """The sites of each (source, district), shuffled: the same on every machine."""
    pools = {(source, name): [site for site in found if site.district == name]
             for source, found in sites.items() for name in names}
    for pool in pools.values():
        rng.shuffle(pool)
    return pools


def _place(idea, candidates, *, project: Project, authors: dict, used: set,
           rng: random.Random) -> Proposal | None:
    """The idea as a proposal on the first candidate site the service accepts, whose
    place no other idea took and whose title fits; None if none does."""
    kind, category, _source, author, title, body = idea
    for site in candidates:
        text = title.format(place=site.place)
        if site.place in used or len(text) > TITLE_MAX:
            continue
        try:
            proposal = proposal_create(
                project=project, author=authors[author], title=text, body=body,
                category=category, geometry=_shape(site, kind, rng),
            )
        except ValidationError:
            continue  # e.g. a site on the edge of the area; the next one will do
        used.add(site.place)
        return proposal
    return None


def _backdate(proposals: list[Proposal], since: datetime, rng: random.Random) -> None:
    """Spread over the days ideation has been open, as if neighbours wrote them one by
    one (the service dates a proposal now; the demo's have a past)."""
    span = (timezone.now() - since).total_seconds()
    for proposal in proposals:
        moment = since + timedelta(seconds=rng.uniform(0, span))
        Proposal.objects.filter(pk=proposal.pk).update(created_at=moment)


def proposals_create(*, project: Project, authors: dict, districts, data_dir: Path,
                     since: datetime) -> list[Proposal]:
    """Put each idea on a real site, turning through the districts so all have some."""
    rng = random.Random(SEED)  # noqa: S311 - a repeatable demo layout, not a secret
    names = [name for name, _ in districts]
    pools = _pools(sites_find(data_dir, districts), names, rng)
    used, created = set(), []
    for index, idea in enumerate(IDEAS):
        # Its own district first; if nothing there works, the next ones in turn.
        order = names[index % len(names):] + names[:index % len(names)]
        candidates = (site for name in order for site in pools[(idea[2], name)])
        proposal = _place(idea, candidates, project=project, authors=authors, used=used,
                          rng=rng)
        if proposal is not None:
            created.append(proposal)
    _backdate(created, since, rng)
    return created
