"""Who may use each URL pattern of the project, and what its arguments are.

One line per pattern (or a few, when a public object and a private one answer
differently), in the terms of routes.py: PUBLIC, USER, OWNER, OWNER_OR_PLANNER, PLANNER,
HIDDEN, NOBODY. A pattern missing here fails the walk; so does a line whose pattern is
gone. The Django admin is one group, STAFF, walked in test_admin.py.
"""

from __future__ import annotations

import json
from dataclasses import replace

from tests.dashboard.test_permissions import POST_DATA as DASHBOARD_POST
from tests.factories import PASSWORD, POINT
from tests.permission_walk.energy_world import PLEDGE
from tests.permission_walk.routes import (
    ANONYMOUS,
    CITIZEN,
    HIDDEN,
    LOGIN,
    NOBODY,
    OTHER,
    OWNER,
    OWNER_OR_PLANNER,
    PLANNER,
    PLANNER_USER,
    PUBLIC,
    STAFF,
    USER,
    Case,
)
from tests.permission_walk.world import budget_ballot_data

# Patterns classified as a group, by the start of their key. The Django admin's hundred
# patterns are for staff, within the model permissions of each (test_admin.py walks a
# sample of them: every model's pages).
GROUPS: dict[tuple[str, ...], str] = {("admin:", "admin/"): STAFF}

# What a request carries when it gets through: enough to change something.
PROPOSAL = {"title": "Changed by the walk", "body": "Changed by the walk.",
            "category": "green", "geometry": json.dumps(POINT)}
API_PROPOSAL = {**PROPOSAL, "geometry": POINT}
REASON = {"reason": "Checked by the walk."}
STATUS = {"status": "shortlisted", "answer": "We will study it."}
COMMENT = {"body": "A comment from the walk."}
VOTE = {"value": "support"}
WEIGHTS = {"unverified_weight": "0.5", "role_walk-resident": "3", "role_walk-expert": "2",
           "reason": "Checked by the walk.", "save": "1"}
BUDGET = {"method": "budget", "city": "1000", "min_projects": "1", "currency": "EUR",
          "rule": "greedy", "save": "1"}
# An area of about 150 m × 110 m inside the walk's projects.
FOLLOW_AREA = {"name": "Walk street", "area": json.dumps({"type": "Polygon", "coordinates": [
    [[2.170, 41.390], [2.172, 41.390], [2.172, 41.391], [2.170, 41.391], [2.170, 41.390]]]})}
NOTIFICATION_SETTINGS = {"cadence": "daily", "in_app_comment_posted": "on"}
SIGNED_IN = {CITIZEN: {302}, OTHER: {302}, PLANNER_USER: {302}}  # sent on to their page
FORM_ACTION = {PLANNER_USER: {302}}  # a form's POST-only URL opened by GET: to its page


def _assessment(world) -> dict:
    prefix = f"p{world['others_proposal'].pk}"
    return {f"{prefix}-cost": "1200", f"{prefix}-feasibility": "feasible"}


def _merge(world) -> dict:
    """Merge someone else's idea into the citizen's, confirmed (tests/voting/test_merge*)."""
    return {"target": world["own_proposal"].pk, "reason": "The same idea.", "confirm": "1"}


def _claim(world) -> dict:
    return {"role": world["expert"].pk, "evidence": "I studied this."}


ROUTES: dict[str, Case | tuple[Case, ...]] = {
    # ------------------------------------------------------------ projects and proposals
    "proposals:home": Case(read=PUBLIC),
    "proposals:search": Case(read=PUBLIC),
    "proposals:project": (Case(read=PUBLIC, args={"slug": "idea"}),
                          Case(read=HIDDEN, args={"slug": "draft"}, variant="draft")),
    # The project page's list alone, for its script: who may read the page may read it.
    "proposals:project-list": (Case(read=PUBLIC, args={"slug": "idea"}),
                               Case(read=HIDDEN, args={"slug": "draft"}, variant="draft")),
    "proposals:propose": Case(read=USER, write=USER, args={"slug": "idea"}, data=PROPOSAL),
    "proposals:proposal": (
        Case(read=PUBLIC, args={"pk": "others_proposal"}),
        Case(read=HIDDEN, args={"pk": "hidden_proposal"}, variant="hidden"),
        Case(read=HIDDEN, args={"pk": "draft_proposal"}, variant="draft")),
    "proposals:edit": Case(read=OWNER, write=OWNER, args={"pk": "own_proposal"},
                           data=PROPOSAL),
    "proposals:withdraw": Case(write=OWNER, args={"pk": "own_proposal"}, data={}),
    "proposals:flag": Case(write=USER, args={"pk": "others_proposal"}, data=REASON),
    "proposals:hide": Case(write=PLANNER, args={"pk": "others_proposal"}, data=REASON),
    "proposals:restore": Case(write=PLANNER, args={"pk": "hidden_proposal"}, data=REASON),
    "proposals:status": Case(write=PLANNER, args={"pk": "others_proposal"}, data=STATUS),
    "proposals:comment-post": Case(write=USER, args={"pk": "others_proposal"}, data=COMMENT),
    # A lasting link to a comment: it sends everyone on to the proposal's page.
    "proposals:comment": (
        Case(read=PUBLIC, args={"pk": "others_comment"}, ok={302}),
        Case(read=HIDDEN, args={"pk": "draft_comment"}, ok={302}, variant="draft")),
    "proposals:comment-edit": Case(write=OWNER, args={"pk": "own_comment"}, data=COMMENT),
    "proposals:comment-delete": Case(write=OWNER, args={"pk": "own_comment"}, data={}),
    "proposals:comment-flag": Case(write=USER, args={"pk": "others_comment"}, data=REASON),
    "proposals:comment-hide": Case(write=PLANNER, args={"pk": "others_comment"}, data=REASON),
    "proposals:comment-restore": Case(write=PLANNER, args={"pk": "hidden_comment"},
                                      data=REASON),
    # --------------------------------------------------- following and notifications
    # Following works on what the reader may see: a hidden proposal or a draft project
    # only for planners (everyone else a 404). Stopping a project one does not follow
    # changes nothing; the others always write (stopping a proposal is a row).
    "notifications:proposal-follow": (
        Case(write=USER, args={"pk": "others_proposal"}, data={}),
        Case(write=PLANNER, args={"pk": "hidden_proposal"}, data={}, variant="hidden")),
    "notifications:proposal-unfollow": Case(write=USER, args={"pk": "others_proposal"},
                                            data={}),
    "notifications:project-follow": (
        Case(write=USER, args={"slug": "idea"}, data={}),
        Case(write=PLANNER, args={"slug": "draft"}, data={}, variant="draft")),
    "notifications:project-unfollow": Case(write=USER, args={"slug": "idea"}, data={},
                                           keeps=True),
    "notifications:follows": Case(read=USER),
    "notifications:follow-area": Case(read=USER, write=USER, data=FOLLOW_AREA),
    "notifications:follow-stop": Case(write=OWNER, args={"pk": "own_follow"}, data={}),
    "notifications:inbox": Case(read=USER),
    # Opening a notification marks it read and sends its person on to what it is about.
    "notifications:open": Case(read=OWNER, args={"pk": "own_notification"}, ok={302}),
    # With nothing unread (the planner) it changes nothing.
    "notifications:read-all": Case(write=USER, data={}, keeps=True),
    "notifications:settings": Case(read=USER, write=USER, data=NOTIFICATION_SETTINGS),
    # ------------------------------------------------------------------------ voting
    "voting:vote": Case(write=USER, args={"pk": "ballot"}, data=VOTE),
    # A budget vote's ballot: anyone reads its options, anyone signed in fills it (with
    # the weight that applies); a project that votes otherwise has none.
    "voting:budget": (Case(read=PUBLIC, write=USER, args={"slug": "budget"},
                           data=budget_ballot_data),
                      Case(read=NOBODY, args={"slug": "vote"}, variant="not-a-budget-vote")),
    "voting:results": (Case(read=PUBLIC, args={"slug": "vote"}),
                       Case(read=PUBLIC, args={"slug": "budget"}, variant="budget"),
                       Case(read=HIDDEN, args={"slug": "idea"}, variant="not-public"),
                       Case(read=HIDDEN, args={"slug": "draft"}, variant="draft")),
    # ----------------------------------------------------------------- layers, reports
    "gisdata:layer-tile": (
        Case(read=PUBLIC, args={"layer_id": "layer", "z": 0, "x": 0, "y": 0}, ok={200, 204}),
        Case(read=HIDDEN, args={"layer_id": "hidden_layer", "z": 0, "x": 0, "y": 0},
             ok={200, 204}, variant="unpublished")),
    "reports:file": (
        Case(read=PLANNER, args={"pk": "private_report", "kind": "pdf"}),
        Case(read=PUBLIC, args={"pk": "published_report", "kind": "pdf"},
             variant="published")),
    "reports:pabulib": (
        Case(read=PLANNER, args={"pk": "private_report", "budget_id": 1}),
        Case(read=PUBLIC, args={"pk": "published_report", "budget_id": 1},
             variant="published")),
    # A proposal's picture goes where its page goes (proposals/media.py).
    "media": (
        Case(read=PUBLIC, args={"path": "picture"}),
        Case(read=HIDDEN, args={"path": "hidden_picture"}, variant="hidden"),
        Case(read=HIDDEN, args={"path": "draft_picture"}, variant="draft"),
        Case(read=NOBODY, args={"path": "datasets/walk.geojson"}, variant="not-a-picture")),
    # --------------------------------------------------------- the planners' dashboard
    "dashboard:index": Case(read=PLANNER),
    "dashboard:audit": Case(read=PLANNER),
    "dashboard:projects": Case(read=PLANNER),
    "dashboard:participation": Case(read=PLANNER),
    # Forms sent back with their errors: the planner got through (filling them in is
    # for tests/dashboard/test_projects.py and test_imports.py).
    "dashboard:project-new": Case(read=PLANNER, write=PLANNER, data=DASHBOARD_POST,
                                  wrote={400}, keeps=True),
    "dashboard:project": Case(read=PLANNER, args={"slug": "idea"}),
    "dashboard:project-edit": Case(read=PLANNER, write=PLANNER, args={"slug": "idea"},
                                   data=DASHBOARD_POST, wrote={400}, keeps=True),
    "dashboard:project-weights": Case(read=PLANNER, write=PLANNER, args={"slug": "idea"},
                                      data=WEIGHTS),
    "dashboard:project-proposals": Case(read=PLANNER, args={"slug": "idea"}),
    # A participatory budget (tests/dashboard/test_budget_*.py; the walk's persona who
    # assesses a project is asked there, as the walk has none).
    "dashboard:project-budget": Case(read=PLANNER, write=PLANNER, args={"slug": "idea"},
                                     data=BUDGET),
    "dashboard:project-assessors": Case(write=PLANNER, args={"slug": "idea"},
                                        data={"who": "walk-author"}),
    "dashboard:project-assessments": Case(read=PLANNER, args={"slug": "idea"}),
    "dashboard:proposal-assessment": Case(read=PLANNER, write=PLANNER,
                                          args={"pk": "others_proposal"}, data=_assessment),
    # What it does is the outcome engine's (tests/voting); here, who may ask.
    "dashboard:project-outcomes": Case(write=PLANNER, args={"slug": "idea"}, data={},
                                       keeps=True),
    # The form sent back (no municipality chosen: the walk's region has no other) changes
    # nothing; tests/dashboard/test_replicate_click.py replicates.
    "dashboard:project-replicate": Case(write=PLANNER, args={"slug": "idea"},
                                        data=DASHBOARD_POST, keeps=True),
    "dashboard:proposal-status": Case(write=PLANNER, args={"pk": "others_proposal"},
                                      data=DASHBOARD_POST),
    "dashboard:proposal-answer": Case(write=PLANNER, args={"pk": "others_proposal"},
                                      data=DASHBOARD_POST),
    # Merging a duplicate: the form, the confirmation, then the merge.
    "dashboard:proposal-merge": Case(read=PLANNER, write=PLANNER,
                                     args={"pk": "others_proposal"}, data=_merge),
    "dashboard:moderation": Case(read=PLANNER),
    "dashboard:moderate-proposal": Case(write=PLANNER, args={"pk": "others_proposal"},
                                        data=DASHBOARD_POST),
    "dashboard:moderate-comment": Case(write=PLANNER, args={"pk": "others_comment"},
                                       data=DASHBOARD_POST),
    "dashboard:roles": Case(read=PLANNER),
    "dashboard:role-claim": Case(read=PLANNER, write=PLANNER, args={"pk": "claim"},
                                 data=DASHBOARD_POST),
    "dashboard:imports": Case(read=PLANNER),
    "dashboard:import-new": Case(read=PLANNER, write=PLANNER, data=DASHBOARD_POST,
                                 wrote={400}, keeps=True),
    "dashboard:import-run": Case(read=PLANNER, args={"pk": "run"}),
    "dashboard:import-retry": Case(write=PLANNER, args={"pk": "run"}, data=DASHBOARD_POST),
    "dashboard:layer-publish": Case(write=PLANNER, args={"pk": "hidden_layer"},
                                    data=DASHBOARD_POST),
    "dashboard:layer": Case(read=PLANNER, args={"pk": "layer"}),
    "dashboard:layer-style": Case(write=PLANNER, args={"pk": "layer"}, data=DASHBOARD_POST),
    "dashboard:layer-edit": Case(write=PLANNER, args={"pk": "layer"}, data=DASHBOARD_POST),
    # The walk's layer is of points, which has no areas to take a project's from.
    "dashboard:layer-features": Case(read=PLANNER, args={"pk": "layer"}, ok={404}),
    "dashboard:constraint-add": Case(write=PLANNER, args={"pk": "layer"},
                                     data=DASHBOARD_POST),
    "dashboard:constraint-edit": Case(write=PLANNER, args={"pk": "constraint"},
                                      data={**DASHBOARD_POST, "delete": "1"}),
    "dashboard:reports": Case(read=PLANNER),
    "dashboard:project-reports": Case(read=PLANNER, args={"slug": "vote"}),
    "dashboard:report-compile": Case(write=PLANNER, args={"slug": "vote"},
                                     data={"district_layer": ""}),
    # The region's pages are for its regional planners (tests/dashboard/test_region.py):
    # the walk's planner plans one municipality of the walk's region, not the region.
    "dashboard:region": Case(read=PLANNER, answers={PLANNER_USER: {403}}),
    "dashboard:region-report": Case(read=PLANNER, answers={PLANNER_USER: {403}}),
    "dashboard:report-publish": Case(write=PLANNER, args={"pk": "private_report"},
                                     data=DASHBOARD_POST),
    # ------------------------------------------------------- the participant's account
    "accounts:profile": Case(read=USER, write=USER,
                             data={"save_profile": "1", "display_name": "Walker",
                                   "language": "ca"}),
    "accounts:claim-create": Case(read=USER, write=USER, data=_claim),
    # Someone else's claim: the page says it is not theirs, and nothing changes.
    "accounts:claim-withdraw": Case(write=OWNER, args={"pk": "claim"}, data={},
                                    refused={302}),
    "accounts:claim-evidence": Case(read=OWNER_OR_PLANNER, args={"pk": "claim"}),
    "accounts:data-export": Case(write=USER, data={}, keeps=True),  # a download
    "accounts:account-erase": Case(read=USER, write=USER,
                                   data={"password": PASSWORD, "confirm": "on"}),
    # allauth: the way in is open to visitors (signed-in users are sent on); the account
    # pages are for signed-in users. Their rules (rate limits, enumeration) are tested in
    # tests/accounts/test_auth_flows.py; here only who gets which page.
    "account_login": Case(read=PUBLIC, answers=SIGNED_IN),
    "account_logout": Case(read=PUBLIC, write=PUBLIC, data={}, keeps=True,
                           answers={ANONYMOUS: {302}}),
    "account_inactive": Case(read=PUBLIC),
    "account_signup": Case(read=PUBLIC, answers=SIGNED_IN),
    "account_reauthenticate": Case(read=USER),
    "account_email": Case(read=USER, write=USER,
                          data={"email": "walk-new@example.org", "action_add": ""}),
    "account_email_verification_sent": Case(read=PUBLIC),
    "account_change_password": Case(
        read=USER, write=USER,
        data={"oldpassword": PASSWORD, "password1": "a-new-walk-password-42",
              "password2": "a-new-walk-password-42"}),
    "account_set_password": Case(read=USER, ok={302}),  # they have one: sent to change it
    "account_reset_password": Case(read=PUBLIC),
    # The second step of logging in by a code: with none under way, back to the first.
    "account_confirm_login_code": Case(read=PUBLIC, ok={302}, answers={ANONYMOUS: {LOGIN}}),
    "account_confirm_email": Case(read=PUBLIC, args={"key": "walk-bad-key"}),
    # The same confirmation link, answered by Plaza's view first (accounts/entrance_views).
    "accounts:account_confirm_email": Case(read=PUBLIC, args={"key": "walk-bad-key"}),
    # The terms of use, privacy policy and contact page: for everyone.
    "pages:terms": Case(read=PUBLIC),
    "pages:privacy": Case(read=PUBLIC),
    "pages:contact": Case(read=PUBLIC),
    # The e-mails' unsubscribe link: no login, the signed token is the permission; a bad
    # one is refused the same to everyone (tests/notifications/test_unsubscribe.py).
    "notifications:unsubscribe": Case(read=PUBLIC, args={"token": "walk-bad-token"},
                                      ok=frozenset({400})),
    "account_reset_password_from_key_done": Case(read=PUBLIC),
    "account_reset_password_from_key": Case(read=PUBLIC,
                                            args={"uidb36": "0", "key": "walk-bad-key"}),
    "account_reset_password_done": Case(read=PUBLIC),
    # -------------------------------------------------------------------- the REST API
    # Anyone may ask for the citizen's token with the citizen's password (it exists).
    "api:auth-token": Case(write=PUBLIC, keeps=True,
                           data={"username": "walk-citizen", "password": PASSWORD}),
    "api:root": Case(read=PUBLIC),
    "api:project-list": Case(read=PUBLIC),
    "api:project-detail": (Case(read=PUBLIC, args={"pk": "idea"}),
                           Case(read=HIDDEN, args={"pk": "draft"}, variant="draft")),
    # The area as the maps draw it: the project page's rules (tests/proposals/test_area.py).
    "api:project-area": (Case(read=PUBLIC, args={"pk": "idea"}),
                         Case(read=HIDDEN, args={"pk": "draft"}, variant="draft")),
    "api:project-proposals": (
        Case(read=PUBLIC, write=USER, args={"pk": "idea"}, data=API_PROPOSAL),
        Case(read=HIDDEN, args={"pk": "draft"}, variant="draft")),
    # The map's clusters: the walk sends no `zoom`, so who may see the project is told a
    # 400 (the query), and who may not a 404 (the project) before the query is read.
    "api:project-proposal-clusters": (
        Case(read=PUBLIC, args={"pk": "idea"}, ok={400}),
        Case(read=HIDDEN, args={"pk": "draft"}, ok={400}, variant="draft")),
    # What the city's layers say about a geometry being drawn: a question, nothing kept.
    "api:project-feedback": Case(write=USER, args={"pk": "idea"}, data={"geometry": POINT},
                                 keeps=True),
    # Proposals near or alike a drawing: the walk sends no title nor geometry, so who
    # may see the project is told a 400 (the query), who may not a 404.
    "api:project-similar": (
        Case(read=PUBLIC, args={"pk": "idea"}, ok={400}),
        Case(read=HIDDEN, args={"pk": "draft"}, ok={400}, variant="draft")),
    "api:proposal-detail": (
        Case(read=PUBLIC, write=OWNER, methods=("patch",), args={"pk": "own_proposal"},
             data={"title": "Changed by the walk"}),
        Case(read=HIDDEN, args={"pk": "draft_proposal"}, variant="draft")),
    "api:proposal-withdraw": Case(write=OWNER, args={"pk": "own_proposal"}, data={}),
    "api:proposal-flag": Case(write=USER, args={"pk": "others_proposal"}, data=REASON),
    "api:proposal-hide": Case(write=PLANNER, args={"pk": "others_proposal"}, data=REASON),
    "api:proposal-restore": Case(write=PLANNER, args={"pk": "hidden_proposal"}, data=REASON),
    "api:proposal-status": Case(write=PLANNER, args={"pk": "others_proposal"}, data=STATUS),
    "api:proposal-comments": (
        Case(read=PUBLIC, write=USER, args={"pk": "others_proposal"}, data=COMMENT),
        Case(read=HIDDEN, args={"pk": "draft_proposal"}, variant="draft")),
    "api:comment-list": Case(read=PUBLIC),
    "api:comment-detail": (
        Case(read=PUBLIC, write=OWNER, methods=("patch", "delete"),
             args={"pk": "own_comment"}, data=COMMENT),
        Case(read=HIDDEN, args={"pk": "draft_comment"}, variant="draft")),
    "api:comment-flag": Case(write=USER, args={"pk": "others_comment"}, data=REASON),
    "api:comment-hide": Case(write=PLANNER, args={"pk": "others_comment"}, data=REASON),
    "api:comment-restore": Case(write=PLANNER, args={"pk": "hidden_comment"}, data=REASON),
    "api:proposal-vote": Case(write=USER, methods=("post", "delete"), args={"pk": "ballot"},
                              data={"value": "oppose"}),
    "api:proposal-tally": (
        Case(read=PUBLIC, args={"pk": "ballot"}),
        Case(read=HIDDEN, args={"pk": "others_proposal"}, variant="not-public"),
        Case(read=HIDDEN, args={"pk": "draft_proposal"}, variant="draft")),
    "api:project-ranking": (
        Case(read=PUBLIC, args={"pk": "vote"}),
        Case(read=HIDDEN, args={"pk": "idea"}, variant="not-public")),
    "api:project-weights": (Case(read=PUBLIC, args={"pk": "vote"}),
                            Case(read=HIDDEN, args={"pk": "draft"}, variant="draft")),
    "api:my-votes": Case(read=USER),
    "api:budget-results": (
        Case(read=PUBLIC, args={"pk": "budget"}),
        Case(read=HIDDEN, args={"pk": "budget_secret"}, variant="not-public"),
        Case(read=NOBODY, args={"pk": "vote"}, variant="not-a-budget")),
    "api:budget-pabulib": (
        Case(read=PUBLIC, args={"pk": "budget", "budget_pk": "budget_district"}),
        Case(read=HIDDEN, args={"pk": "budget_secret", "budget_pk": "budget_secret_city"},
             variant="not-public")),
    "api:role-list": Case(read=PUBLIC),
    "api:municipality-list": Case(read=PUBLIC),
    "api:participation": Case(read=PUBLIC),
    "api:proposal-list": Case(read=PUBLIC),
    # Open data is what anyone may read: a draft or an unpublished layer is not in it,
    # not even for planners (who preview them on their own pages).
    "api:project-export-geojson": (Case(read=PUBLIC, args={"pk": "idea"}),
                                   Case(read=NOBODY, args={"pk": "draft"}, variant="draft")),
    "api:project-export-csv": (Case(read=PUBLIC, args={"pk": "idea"}),
                               Case(read=NOBODY, args={"pk": "draft"}, variant="draft")),
    "api:dataset-list": Case(read=PUBLIC),
    "api:dataset-detail": (
        Case(read=PUBLIC, args={"pk": "dataset"}),
        Case(read=NOBODY, args={"pk": "hidden_dataset"}, variant="unpublished")),
    "api:layer-list": Case(read=PUBLIC),
    # Places of published layers only; without `search`, a 400 that names it.
    "api:place-list": Case(read=PUBLIC, ok={400}),
    "api:layer-detail": (
        Case(read=PUBLIC, args={"pk": "layer"}),
        Case(read=NOBODY, args={"pk": "hidden_layer"}, variant="unpublished")),
    "api:layer-export-geojson": (
        Case(read=PUBLIC, args={"pk": "layer"}),
        Case(read=NOBODY, args={"pk": "hidden_layer"}, variant="unpublished")),
    "api:layer-export-csv": (
        Case(read=PUBLIC, args={"pk": "layer"}),
        Case(read=NOBODY, args={"pk": "hidden_layer"}, variant="unpublished")),
    "api:layer-features": (
        Case(read=PUBLIC, args={"pk": "layer"}),
        Case(read=HIDDEN, args={"pk": "hidden_layer"}, variant="unpublished")),
    "api:import-list": Case(read=PLANNER),
    "api:import-detail": Case(read=PLANNER, args={"pk": "run"}),
    "api:project-reports": Case(read=PUBLIC, write=PLANNER, args={"pk": "vote"}, data={}),
    "api:report-detail": (
        Case(read=HIDDEN, args={"pk": "private_report"}),
        Case(read=PUBLIC, args={"pk": "published_report"}, variant="published")),
    # Energy communities: aggregates of a project anyone may open (the draft's: planners).
    "api:energy-community-list": Case(read=PUBLIC),
    "api:energy-community-simulation": (
        Case(read=PUBLIC, args={"pk": "energy_public"}),
        Case(read=HIDDEN, args={"pk": "energy_draft"}, variant="draft")),
    "api:energy-community-blocks": (
        Case(read=PUBLIC, args={"pk": "energy_public"}),
        Case(read=HIDDEN, args={"pk": "energy_draft"}, variant="draft")),
    # Energy communities' pages: the community as its project; a member's own pledge.
    "energy:community": (Case(read=PUBLIC, args={"pk": "energy_public"}),
                         Case(read=HIDDEN, args={"pk": "energy_draft"}, variant="draft")),
    "energy:run-status": (Case(read=PUBLIC, args={"pk": "energy_public"}),
                          Case(read=HIDDEN, args={"pk": "energy_draft"}, variant="draft")),
    # Without a bbox, near, q or id it says what to give.
    "energy:buildings": (Case(read=PUBLIC, args={"pk": "energy_public"}, ok={400}),
                         Case(read=HIDDEN, args={"pk": "energy_draft"}, ok={400},
                              variant="draft")),
    "energy:simulate": Case(write=PLANNER, args={"pk": "energy_public"}, data={}),
    "energy:pledge": Case(read=USER, write=USER, args={"pk": "energy_public"}, data=PLEDGE),
    "energy:pledge-withdraw": Case(write=OWNER, args={"pk": "energy_public"}, data={}),
    "energy:my-pledge": Case(read=USER, args={"pk": "energy_public"}),
    "api-schema": Case(read=PUBLIC),
    "api-docs": Case(read=PUBLIC),
    # ------------------------------------------------------ OGC API – Features (open data)
    "ogc-root": Case(read=PUBLIC),
    "ogc:landing": Case(read=PUBLIC),
    "ogc:conformance": Case(read=PUBLIC),
    "ogc:api": Case(read=PUBLIC),
    "ogc:api-docs": Case(read=PUBLIC),
    "ogc:collections": Case(read=PUBLIC),
    "ogc:collection": (
        Case(read=PUBLIC, args={"collection_id": "proposals_collection"}),
        Case(read=PUBLIC, args={"collection_id": "layer_collection"}, variant="layer"),
        Case(read=NOBODY, args={"collection_id": "draft_collection"}, variant="draft"),
        Case(read=NOBODY, args={"collection_id": "hidden_layer_collection"},
             variant="unpublished")),
    "ogc:items": (
        Case(read=PUBLIC, args={"collection_id": "proposals_collection"}),
        Case(read=PUBLIC, args={"collection_id": "layer_collection"}, variant="layer"),
        Case(read=NOBODY, args={"collection_id": "draft_collection"}, variant="draft")),
    "ogc:item": (
        Case(read=PUBLIC, args={"collection_id": "proposals_collection",
                                "feature_id": "others_proposal"}),
        Case(read=NOBODY, args={"collection_id": "proposals_collection",
                                "feature_id": "hidden_proposal"}, variant="hidden")),
    # ------------------------------------------------------------------------ the rest
    "set_language": Case(read=PUBLIC, write=PUBLIC, ok={302}, keeps=True,  # a cookie
                         data={"language": "ca", "next": "/"}),
    "javascript-catalog": Case(read=PUBLIC),  # the map scripts' messages, translated
    "healthz": Case(read=PUBLIC),
    # Prometheus' scrape: the walk's client comes from 127.0.0.1, an allowed address
    # (others get a 404: tests/test_metrics.py).
    "metrics": Case(read=PUBLIC),
}

# The dashboard's forms post to these; opened by GET they send a planner to the form's page.
for _key in ("proposal-status", "proposal-answer", "moderate-proposal", "moderate-comment",
             "import-retry", "layer-publish", "layer-style", "layer-edit", "constraint-add",
             "constraint-edit", "report-compile", "report-publish", "project-replicate",
             "project-assessors", "project-outcomes"):
    ROUTES[f"dashboard:{_key}"] = replace(ROUTES[f"dashboard:{_key}"], answers=FORM_ACTION)
