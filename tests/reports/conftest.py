"""A project whose vote is on, with votes in every role, comments, constraint feedback,
an official answer, and a district layer of two halves: West and East."""

from __future__ import annotations

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from accounts.models import ClaimStatus
from gisdata.models import Dataset, Feature, Layer
from proposals.models import Proposal
from tests.factories import (
    AREA_BBOX,
    claim_make,
    comment_make,
    project_make,
    proposal_make,
    role_make,
    user_make,
)
from voting.models import ProjectVoting
from voting.services import vote_cast

MIDDLE = (AREA_BBOX[0] + AREA_BBOX[2]) / 2  # lon 2.16: West of it, East of it
WEST = {"type": "Point", "coordinates": [2.13, 41.40]}
EAST = {"type": "Point", "coordinates": [2.19, 41.40]}
EAST_LINE = {"type": "LineString", "coordinates": [[2.18, 41.38], [2.20, 41.39]]}
WEST_SQUARE = {"type": "Polygon", "coordinates": [[[2.12, 41.42], [2.13, 41.42],
                                                   [2.13, 41.43], [2.12, 41.43],
                                                   [2.12, 41.42]]]}
FEEDBACK = [{"layer": "Flood zones", "severity": "warning",
             "message": "This lies in the 100-year flood zone AE.", "matches": 1}]
# Per voter group, its vote on each proposal (1 for, -1 against, 0 abstain). Weights:
# resident 1, business owner 1, expert 2, no verified role 0.5. Weighted scores: Bike
# lane 5.5, Fountain 3, Benches 1.5, Play street -1.5; with equal weights Bike lane and
# Benches tie at 4, Fountain 1, Play street 0: the weights move Benches down (1 → 3)
# and Fountain up (3 → 2).
LEANINGS = {
    "resident": [1, 1, -1, 1],
    "business": [-1, 1, 1, 0],
    "expert": [1, -1, 1, -1],
    "nobody": [1, 1, 0, -1],
}
GROUPS = {"resident": 3, "business": 2, "expert": 2, "nobody": 1}


def _weights(project):
    ProjectVoting.objects.create(project=project, unverified_weight="0.5",
                                 results_public=False)


@pytest.fixture
def council(db, planner):
    """The project, its four public proposals (best first by weighted score), a hidden
    one, and its voters by group; `council["proposals"]` is in ballot order."""
    roles = {"resident": role_make("resident", "1", position=10),
             "business": role_make("business-owner", "1", position=20),
             "expert": role_make("expert", "2", position=30)}
    project = project_make("council", phase="voting", title="Poblenou superblock",
                           before_phases=_weights)
    author = user_make("author")
    proposals = [
        proposal_make(project, author, title="Bike lane", geometry=EAST_LINE,
                      category="mobility", constraint_feedback=FEEDBACK),
        proposal_make(project, author, title="Benches", geometry=WEST),
        proposal_make(project, author, title="Fountain", geometry=EAST),
        proposal_make(project, author, title="Play street", geometry=WEST_SQUARE),
    ]
    hidden = proposal_make(project, author, title="Hidden idea", is_hidden=True,
                           hidden_reason="Off topic.")
    voters = {}
    for group, count in GROUPS.items():
        for n in range(count):
            user = user_make(f"{group}{n}")
            if group in roles:
                claim_make(user, roles[group], status=ClaimStatus.VERIFIED, decided_by=planner)
            voters.setdefault(group, []).append(user)
            for proposal, value in zip(proposals, LEANINGS[group], strict=True):
                vote_cast(user=user, proposal=proposal, value=value)
    # Decided once its votes were in.
    Proposal.objects.filter(pk=proposals[2].pk).update(
        status="accepted", official_answer="The water company installs it in spring.")
    proposals[2].refresh_from_db()
    comment_make(proposals[0], voters["resident"][0])
    comment_make(proposals[0], voters["business"][0], "Deliveries need room too.")
    comment_make(proposals[1], voters["expert"][0], "Shade first.")
    comment_make(proposals[1], voters["nobody"][0], "Spam", is_hidden=True,
                 hidden_reason="Advertising.")
    comment_make(hidden, voters["resident"][1])
    return {"project": project, "proposals": proposals, "hidden": hidden, "roles": roles,
            "voters": voters, "author": author}


@pytest.fixture
def districts(db):
    """Two districts, West and East of lon 2.16, as an imported layer would be."""
    minx, miny, maxx, maxy = AREA_BBOX
    dataset = Dataset.objects.create(name="Districts", slug="districts",
                                     source_url="https://example.org/districts.zip")
    layer = Layer.objects.create(dataset=dataset, name="districts", title="Districts",
                                 geometry_type="MultiPolygon", feature_count=2,
                                 schema=[{"name": "CODE", "type": "String"},
                                         {"name": "NOM", "type": "String"}])
    for code, name, bbox in (("01", "West", (minx, miny, MIDDLE, maxy)),
                             ("02", "East", (MIDDLE, miny, maxx, maxy))):
        Feature.objects.create(layer=layer, properties={"CODE": code, "NOM": name},
                               geometry=MultiPolygon(Polygon.from_bbox(bbox), srid=4326))
    return layer
