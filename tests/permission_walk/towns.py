"""Two municipalities of one region, each with a world of its own for the walk across
them (test_two_municipalities.py): A is the default one, served at /; B at /b-town/
and at its own host name.

Every title, text, file and feature property of a town carries its marker, so that a
page of one that shows anything of the other is caught by reading the body. User
names carry none: a persona's own name on a page is not a leak. B also shares one
dataset with the region; its layer carries a marker of its own, as it may show in A.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.files.base import ContentFile
from rest_framework.authtoken.models import Token

from accounts.groups import PLANNER_GROUP, ensure_planner_group
from audit.models import AuditEntry
from core import tenancy
from gisdata.models import Constraint, Dataset, ImportRun
from municipalities.models import Area, AreaLevel, Municipality, Region
from municipalities.selectors import municipality_default
from tests.factories import (
    LINE,
    SQUARE,
    claim_make,
    comment_make,
    picture_make,
    project_make,
    proposal_make,
    role_make,
    user_make,
)
from tests.opendata.conftest import grid, layer_make
from tests.permission_walk.budget_world import budget_votes
from tests.permission_walk.energy_world import energy_communities
from tests.permission_walk.world import (
    _collection_of,
    following_make,
    pabulib_make,
    report_make,
)
from voting.models import ProjectVoting, RoleWeight
from voting.services import vote_cast

MARKERS = {"a": "Alfamarq", "b": "Betamarq"}
SHARED = "Sharedmarq"  # B's layer published to the region
B_HOST = "b-town.test"


def planner_make(username: str, *, municipality=None, region=None):
    ensure_planner_group()
    user = user_make(username, is_staff=True)
    user.groups.add(Group.objects.get(name=PLANNER_GROUP))
    user.planner_municipality = municipality
    user.planner_region = region
    user.save(update_fields=["planner_municipality", "planner_region"])
    return user


def town_make(municipality: Municipality, code: str) -> dict:
    """One town's objects, made while serving it (so they are its own)."""
    mark = MARKERS[code]
    low = f"{code}x"  # slugs and file names: no marker (a URL naming one is no leak)
    with tenancy.working_for(municipality):
        citizen = user_make(f"{code}-citizen")
        author = user_make(f"{code}-author")
        planner = planner_make(f"{code}-planner", municipality=municipality)
        resident = role_make(f"resident-{low}", "1", position=10, name=f"Resident {mark}")
        expert = role_make(f"expert-{low}", "2", position=20, name=f"Expert {mark}")

        def vote_rules(project):
            ProjectVoting.objects.create(project=project, results_public=True,
                                         unverified_weight=Decimal("1"))
            RoleWeight.objects.create(project=project, role=resident, weight=Decimal("2"))

        idea = project_make(f"idea-{low}", phase="ideation", title=f"Idea {mark}",
                            description=f"About {mark}.")
        vote = project_make(f"vote-{low}", phase="voting", before_phases=vote_rules,
                            title=f"Vote {mark}", description=f"Ballot of {mark}.")
        draft = project_make(f"draft-{low}", visibility="draft", title=f"Draft {mark}",
                             description=f"Draft of {mark}.")
        own = proposal_make(idea, citizen, title=f"Own point {mark}", body=f"Body {mark}.")
        others = proposal_make(idea, author, title=f"Point {mark}", body=f"Body {mark}.")
        line = proposal_make(idea, author, title=f"Line {mark}", geometry=LINE,
                             body=f"Body {mark}.")
        area = proposal_make(idea, author, title=f"Area {mark}", geometry=SQUARE,
                             body=f"Body {mark}.")
        hidden = proposal_make(idea, author, title=f"Hidden {mark}", is_hidden=True,
                               hidden_reason=f"Off topic {mark}.", body=f"Body {mark}.")
        ballot = proposal_make(vote, author, title=f"Ballot {mark}", body=f"Body {mark}.")
        draft_proposal = proposal_make(draft, author, title=f"Draft idea {mark}",
                                       body=f"Body {mark}.")
        vote_cast(user=citizen, proposal=ballot, value=1)
        vote_cast(user=author, proposal=ballot, value=-1)
        claim = claim_make(citizen, resident)
        claim.evidence = f"I live in {mark}."
        claim.evidence_file.save(f"evidence-{low}.pdf",
                                 ContentFile(f"%PDF {mark}".encode()))

        def props(i):
            return {"name": f"F{i} {mark}", "n": i}

        dataset = Dataset.objects.create(
            name=f"Dataset {mark}", slug=f"ds-{low}", source_url="https://example.org/x.json",
            licence="CC BY 4.0", attribution=f"City {mark}", description=f"Data {mark}.")
        layer = layer_make(f"fountains-{low}", points=grid(5), props=props, dataset=dataset)
        hidden_layer = layer_make(f"unpublished-{low}", published=False, points=grid(3),
                                  props=props)
        hidden_layer.dataset.name = f"Unpublished {mark}"
        hidden_layer.dataset.save(update_fields=["name"])
        for found in (layer, hidden_layer):
            found.title = f"{found.name} {mark}"
            found.save(update_fields=["title"])
        constraint = Constraint.objects.create(layer=layer, message=f"Near {mark}",
                                               severity="info")
        run = ImportRun.objects.create(dataset=dataset, status="failed",
                                       message=f"No CRS {mark}.")
        AuditEntry.objects.create(actor_id=planner.pk, actor_name=planner.username,
                                  action="proposal.hide", target_type="proposals.proposal",
                                  target_id=hidden.pk, target_label=f"Hidden {mark}",
                                  reason=f"Off topic {mark}.", municipality_id=municipality.pk)
        Token.objects.create(user=citizen)
        own_follow, own_notification = following_make(citizen, others, mark)
        private_report = report_make(vote, planner, published=False)
        published_report = report_make(idea, planner, published=True)
        for report in (private_report, published_report):
            for kind in ("pdf", "csv", "geojson"):
                report.file(kind).save(f"r-{low}.{kind}", ContentFile(mark.encode()),
                                       save=False)
            report.pabulib = pabulib_make(f"r-{low}", mark.encode())
            report.save()
        district = Area.objects.create(
            municipality=municipality, level=AreaLevel.DISTRICT, code=f"D-{low}",
            name=f"District {low}",  # a name, not data: the admin lists every area
            geometry=MultiPolygon(Polygon.from_bbox((2.1, 41.35, 2.2, 41.45)), srid=4326))
        world = {
            **budget_votes(author, district, low=low, mark=mark),
            **energy_communities(idea, draft, author, low=low, mark=mark),
            "municipality": municipality, "mark": mark,
            "citizen": citizen, "author": author, "planner": planner,
            "resident": resident, "expert": expert,
            "idea": idea, "vote": vote, "draft": draft,
            "own_proposal": own, "others_proposal": others, "line_proposal": line,
            "area_proposal": area, "hidden_proposal": hidden, "ballot": ballot,
            "draft_proposal": draft_proposal,
            "picture": picture_make(others).image.name,
            "hidden_picture": picture_make(hidden).image.name,
            "draft_picture": picture_make(draft_proposal).image.name,
            "own_comment": comment_make(others, citizen, f"Citizen says {mark}."),
            "others_comment": comment_make(others, author, f"Author says {mark}."),
            "hidden_comment": comment_make(others, author, f"Spam {mark}.", is_hidden=True,
                                           hidden_reason=f"Advertising {mark}."),
            "draft_comment": comment_make(draft_proposal, author, f"On a draft {mark}."),
            "claim": claim, "own_follow": own_follow, "own_notification": own_notification,
            "dataset": dataset, "layer": layer, "hidden_layer": hidden_layer,
            "hidden_dataset": hidden_layer.dataset,
            "constraint": constraint, "run": run,
            "private_report": private_report, "published_report": published_report,
            "proposals_collection": f"proposals-{idea.slug}",
            "layer_collection": _collection_of(layer),
            "draft_collection": f"proposals-{draft.slug}",
            "hidden_layer_collection": f"layer-{hidden_layer.pk}",
        }
    return world


def towns_make() -> dict:
    """{"a": A's world, "b": B's world, "region", "regional", "admin", "shared_layer"}."""
    region = Region.objects.create(slug="walk-region", name="Walk region")
    a = municipality_default()
    a.region = region
    a.save(update_fields=["region"])
    b = Municipality.objects.create(slug="b-town", name="B Town", region=region,
                                    host=B_HOST)
    worlds = {"a": town_make(a, "a"), "b": town_make(b, "b")}
    with tenancy.working_for(b):
        shared = Dataset.objects.create(
            name=f"Dataset {SHARED}", slug="ds-shared", shared_with_region=True,
            source_url="https://example.org/s.json", licence="CC BY 4.0",
            attribution=f"City {SHARED}")
        shared_layer = layer_make("trees", points=grid(4), dataset=shared,
                                  props=lambda i: {"name": f"T{i} {SHARED}"})
        shared_hidden = layer_make("draft-trees", published=False, dataset=shared,
                                   points=grid(2))
        for found in (shared_layer, shared_hidden):
            found.title = f"{found.name} {SHARED}"
            found.save(update_fields=["title"])
    return {**worlds, "region": region, "shared_layer": shared_layer,
            "shared_hidden_layer": shared_hidden,
            "regional": planner_make("regional-planner", region=region),
            "admin": user_make("towns-admin", is_staff=True, is_superuser=True)}
