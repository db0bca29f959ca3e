"""Objects the dashboard's pages act on: a project with a reported proposal and comment,
a pending role claim, an imported layer of districts with a constraint."""

from decimal import Decimal

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from gisdata.models import Constraint, Dataset, Feature, ImportRun, Layer
from proposals.models import CommentFlag, Flag
from tests.dashboard.region_world import region_world_make
from tests.factories import claim_make, comment_make, project_make, proposal_make, user_make

DISTRICT = Polygon.from_bbox((2.15, 41.38, 2.19, 41.41))


def districts_make() -> Layer:
    dataset = Dataset.objects.create(name="Districtes", slug="districtes",
                                     source_url="https://example.org/districtes.zip")
    layer = Layer.objects.create(dataset=dataset, name="districtes", title="Districtes",
                                 geometry_type="MultiPolygon", feature_count=2,
                                 schema=[{"name": "NOM", "type": "String"}],
                                 label_property="NOM",
                                 extent=Polygon.from_bbox((2.10, 41.35, 2.22, 41.45)))
    Feature.objects.create(layer=layer, number=1, properties={"NOM": "Gràcia"},
                           geometry=MultiPolygon(DISTRICT, srid=4326))
    Feature.objects.create(layer=layer, number=2, properties={"NOM": "<b>Sants</b>"},
                           geometry=MultiPolygon(Polygon.from_bbox((2.12, 41.36, 2.14, 41.38)),
                                                 srid=4326))
    return layer


@pytest.fixture
def world(db, planner, citizen, roles):
    """Everything every dashboard URL needs, keyed by what the URL patterns name."""
    from reports.models import DecisionReport

    project = project_make()
    proposal = proposal_make(project, citizen)
    reporter = user_make("reporter")
    Flag.objects.create(proposal=proposal, user=reporter, reason="Spam")
    comment = comment_make(proposal, reporter, "Buy cheap watches.")
    CommentFlag.objects.create(comment=comment, user=citizen, reason="Advertising")
    claim = claim_make(citizen, roles["resident"])
    layer = districts_make()
    constraint = Constraint.objects.create(layer=layer, message="In {NOM}", severity="info")
    run = ImportRun.objects.create(dataset=layer.dataset, status="failed", message="No CRS.")
    report = DecisionReport.objects.create(project=project, requested_by=planner)
    return {"project": project, "proposal": proposal, "comment": comment, "claim": claim,
            "layer": layer, "constraint": constraint, "run": run, "report": report,
            "weight": Decimal("1")}


@pytest.fixture
def region_world(db):
    """Athens and Skopje in one region, Lisbon in another (tests/dashboard/region_world.py)."""
    return region_world_make()
