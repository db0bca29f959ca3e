"""An open city: public and private data side by side, so each test can show that the
public part is served and the rest is not."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import SimpleRateThrottle

from gisdata.models import Dataset, Feature, Layer
from tests.factories import comment_make, project_make, proposal_make, role_make, user_make
from voting.models import ProjectVoting, Vote

VOTER_NAMES = ("ballot-voter-one", "ballot-voter-two", "ballot-voter-three")


def layer_make(name="fountains", *, published=True, points=(), props=None, dataset=None,
               **fields) -> Layer:
    dataset = dataset or Dataset.objects.create(
        name=f"Dataset {name}", slug=f"ds-{name}", source_url="https://example.org/x.geojson",
        licence="CC BY 4.0", attribution="City of Barcelona <Open Data>")
    layer = Layer.objects.create(dataset=dataset, name=name, title=name.title(),
                                 geometry_type=fields.pop("geometry_type", "Point"),
                                 is_published=published, **fields)
    Feature.objects.bulk_create([
        Feature(layer=layer, geometry=GEOSGeometry(f"POINT({lon} {lat})", srid=4326),
                properties=(props(i) if props else {"name": f"F{i}", "n": i}))
        for i, (lon, lat) in enumerate(points)])
    if points:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        layer.extent = Polygon.from_bbox((min(xs), min(ys), max(xs), max(ys)))
        layer.extent.srid = 4326
        layer.feature_count = len(points)
        layer.save()
    return layer


def grid(n: int, origin=(2.15, 41.38), step=0.001) -> list[tuple[float, float]]:
    """n points on a grid, row by row, ten to a row."""
    return [(round(origin[0] + (i % 10) * step, 6), round(origin[1] + (i // 10) * step, 6))
            for i in range(n)]


@pytest.fixture(autouse=True)
def _roomy_throttles(monkeypatch):
    """These tests send hundreds of requests from one address: the rates are raised for
    them, and counted in a cache of their own, so that the tests after them do not find
    the address's budget spent."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {
        **SimpleRateThrottle.THROTTLE_RATES, "anon": "100000/min", "user": "100000/min"})
    monkeypatch.setattr(SimpleRateThrottle, "cache", LocMemCache("opendata-throttles", {}))


@pytest.fixture
def city(db, planner):
    """A public project in its voting phase with public results, its proposals (public,
    hidden, submitted), ballots and comments; a draft project; a published layer of 25
    points and an unpublished one."""
    author = user_make("author", display_name="Ada Author")
    # One role per voter, weighing 1, 2 and 3, made before voting opens (a role made
    # later is pinned at the weight of unverified participants); the database accepts a
    # vote only with the weight its role has in the project.
    roles = [role_make(slug, str(1 + i), position=10 * (1 + i))
             for i, slug in enumerate(("resident", "business-owner", "expert"))]
    project = project_make("open-city", phase="voting")
    ProjectVoting.objects.create(project=project, results_public=True)
    public = [proposal_make(project, author, title=f"Idea {i}",
                            geometry={"type": "Point", "coordinates": [2.15 + i / 100, 41.39]},
                            category="green" if i % 2 else "mobility") for i in range(4)]
    hidden = proposal_make(project, author, title="Hidden idea", is_hidden=True,
                           hidden_reason="Insults a neighbour.")
    submitted = proposal_make(project, author, title="Awaiting moderation",
                              status="submitted")
    voters = [user_make(name, display_name=name.replace("-", " ").title())
              for name in VOTER_NAMES]
    for i, voter in enumerate(voters):
        Vote.objects.create(proposal=public[0], user=voter, value=1 if i < 2 else -1,
                            role=roles[i], weight=Decimal("1.000") + i)
    Vote.objects.create(proposal=public[1], user=voters[0], value=0, role=roles[0],
                        weight=Decimal("1.000"))
    comment_make(public[0], voters[0], "Yes please, by the school.")
    draft = project_make("secret-draft", visibility="draft")
    proposal_make(draft, author, title="Draft idea")
    layer = layer_make("fountains", points=grid(25))
    hidden_layer = layer_make("unpublished", published=False, points=grid(3))
    return {"project": project, "public": public, "hidden": hidden, "submitted": submitted,
            "voters": voters, "roles": roles, "author": author, "draft": draft, "layer": layer,
            "hidden_layer": hidden_layer}
