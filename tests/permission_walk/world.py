"""The objects every URL pattern of the walk points at, built once for the whole walk.

Each persona owns what an owner-only URL needs: the citizen has a proposal, a comment,
a vote and a role claim; the author owns what the citizen may only read, flag or vote
on; planners and the site administrator own nothing. The private things (a draft
project, a hidden proposal, an unpublished layer, a private report) sit beside the
public ones, so each URL is asked about both where both exist.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.authtoken.models import Token

from accounts.storage import private_storage
from audit.models import AuditEntry
from gisdata.models import Constraint, ImportRun
from municipalities.models import Area, AreaLevel, Municipality, Region
from municipalities.selectors import municipality_default
from notifications.models import Event, Follow, Kind, Notification
from reports.models import DecisionReport
from tests.factories import (
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
from voting.models import ProjectVoting, RoleWeight
from voting.services import vote_cast

# The budget id of the reports' one pabulib file (a literal in the table's args).
WALK_BUDGET = 1


def pabulib_make(name: str, body: bytes) -> list[dict]:
    """A report's `pabulib` entry with its file saved in the private storage."""
    stored = private_storage().save(f"{name}-budget-{WALK_BUDGET}.pb", ContentFile(body))
    return [{"budget": WALK_BUDGET, "district": None, "file": stored,
             "sha256": hashlib.sha256(body).hexdigest()}]


def report_make(project, planner, *, published: bool) -> DecisionReport:
    """A finished report with its three files (a few bytes each: the walk asks who may
    download them, not what they hold)."""
    now = timezone.now()
    report = DecisionReport(project=project, requested_by=planner, status="succeeded",
                            snapshot_at=now, finished_at=now, is_published=published,
                            published_at=now if published else None,
                            checksum=hashlib.sha256(project.slug.encode()).hexdigest())
    for kind, body in (("pdf", b"%PDF-1.4 walk"), ("csv", b"rank,title\n"),
                       ("geojson", b'{"type": "FeatureCollection", "features": []}')):
        report.file(kind).save(f"walk-{project.slug}.{kind}", ContentFile(body), save=False)
    report.pabulib = pabulib_make(f"walk-{project.slug}", b"META\nkey;value\n")
    report.save()
    return report


def following_make(citizen, proposal, mark: str = "") -> tuple[Follow, Notification]:
    """The citizen's followed area, and a notification of a proposal published."""
    square = Polygon.from_bbox((2.170, 41.390, 2.172, 41.391))
    project = proposal.project
    follow = Follow.objects.create(user=citizen, municipality_id=project.municipality_id,
                                   area=square, name=f"My street {mark}".strip())
    event = Event.objects.create(kind=Kind.PROPOSAL_PUBLISHED, project=project,
                                 municipality_id=project.municipality_id, proposal=proposal)
    notification = Notification.objects.create(user=citizen, event=event, reason="area",
                                               email="off")
    return follow, notification


def budget_ballot_data(world) -> dict:
    return {"budget": world["budget_city"].pk, "proposal": [world["budget_option"].pk]}


def world_make() -> dict:
    citizen = user_make("walk-citizen", display_name="Carla")
    other = user_make("walk-other")
    planner = user_make("walk-planner", planner=True)
    author = user_make("walk-author")
    admin = user_make("walk-admin", is_staff=True, is_superuser=True)
    resident = role_make("walk-resident", "1", position=10)
    # Its own slug: the two-municipality walk (towns.py) makes "walk-region" inside it.
    region = Region.objects.create(slug="walk-world-region", name="Walk world region")
    Municipality.objects.filter(is_default=True).update(region=region)
    district = Area.objects.create(
        municipality=municipality_default(), level=AreaLevel.DISTRICT, code="01",
        name="Walk district", geometry=MultiPolygon(Polygon.from_bbox((2.1, 41.35, 2.2, 41.45))))
    expert = role_make("walk-expert", "2", position=20)  # for a new claim

    def vote_rules(project):  # set before voting opens, when the database still allows it
        ProjectVoting.objects.create(project=project, results_public=True,
                                     unverified_weight=Decimal("1"))
        RoleWeight.objects.create(project=project, role=resident, weight=Decimal("2"))

    idea = project_make("walk-idea", phase="ideation")
    vote = project_make("walk-vote", phase="voting", before_phases=vote_rules)
    draft = project_make("walk-draft", visibility="draft")
    own_proposal = proposal_make(idea, citizen, title="The citizen's own idea")
    others_proposal = proposal_make(idea, author, title="Someone else's idea")
    hidden_proposal = proposal_make(idea, author, title="Hidden idea", is_hidden=True,
                                    hidden_reason="Off topic.")
    ballot = proposal_make(vote, author, title="On the ballot")
    draft_proposal = proposal_make(draft, author, title="Draft idea")
    vote_cast(user=citizen, proposal=ballot, value=1)
    claim = claim_make(citizen, resident)
    claim.evidence_file.save("walk-evidence.pdf", ContentFile(b"%PDF-1.4 bill"))

    layer = layer_make("walk-fountains", points=grid(5))
    hidden_layer = layer_make("walk-unpublished", published=False, points=grid(3))
    constraint = Constraint.objects.create(layer=layer, message="Near a fountain",
                                           severity="info")
    run = ImportRun.objects.create(dataset=layer.dataset, status="failed",
                                   message="No CRS.")
    AuditEntry.objects.create(actor_id=planner.pk, actor_name=planner.username,
                              action="proposal.hide", target_type="proposals.proposal",
                              target_id=hidden_proposal.pk, reason="Off topic.",
                              municipality_id=idea.municipality_id)
    Token.objects.create(user=citizen)
    budgets = budget_votes(author, district)
    own_follow, own_notification = following_make(citizen, others_proposal)
    return {
        **budgets,
        **energy_communities(idea, draft, author, citizen=citizen),
        "anonymous": None, "region": region, "district": district, "citizen": citizen,
        "other": other, "planner": planner,
        "author": author, "admin": admin, "resident": resident, "expert": expert,
        "idea": idea, "vote": vote, "draft": draft,
        "own_proposal": own_proposal, "others_proposal": others_proposal,
        "hidden_proposal": hidden_proposal, "ballot": ballot,
        "draft_proposal": draft_proposal,
        # The proposals' pictures, by their name under MEDIA_URL.
        "picture": picture_make(others_proposal).image.name,
        "hidden_picture": picture_make(hidden_proposal).image.name,
        "draft_picture": picture_make(draft_proposal).image.name,
        "own_comment": comment_make(others_proposal, citizen, "The citizen's comment."),
        "others_comment": comment_make(others_proposal, author, "The author's comment."),
        "hidden_comment": comment_make(others_proposal, author, "Buy cheap watches.",
                                       is_hidden=True, hidden_reason="Advertising."),
        "draft_comment": comment_make(draft_proposal, author, "On a draft."),
        "claim": claim, "own_follow": own_follow, "own_notification": own_notification,
        "dataset": layer.dataset, "layer": layer, "hidden_layer": hidden_layer,
        "hidden_dataset": hidden_layer.dataset,
        "constraint": constraint, "run": run,
        "private_report": report_make(vote, planner, published=False),
        "published_report": report_make(idea, planner, published=True),
        "proposals_collection": f"proposals-{idea.slug}",
        "layer_collection": _collection_of(layer),
        "draft_collection": f"proposals-{draft.slug}",
        "hidden_layer_collection": f"layer-{hidden_layer.pk}",
    }


def _collection_of(layer) -> str:
    """The OGC collection id the catalogue gives a layer (readable, from its names)."""
    from opendata.catalogue import collections_all

    return next(c.id for c in collections_all()
                if getattr(c.layer, "pk", None) == layer.pk)
