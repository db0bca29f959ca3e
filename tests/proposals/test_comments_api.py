"""The comments API: list and post, edit and delete, flag and moderate, throttles, schema."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ClaimStatus
from proposals.comment_api import CommentWriteThrottle
from proposals.models import Comment, CommentFlag
from tests.factories import (
    claim_make,
    comment_make,
    project_make,
    proposal_make,
    user_make,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(db, citizen):
    return proposal_make(project_make(), citizen)


@pytest.fixture
def api():
    return APIClient()


def comments_url(proposal):
    return reverse("api:proposal-comments", args=[proposal.pk])


def listing(api, proposal, **params) -> dict:
    response = api.get(comments_url(proposal), params)
    assert response.status_code == 200, response.content
    return response.json()


# ------------------------------------------------------------------------ reading
def test_the_list_gives_threads_with_replies_public_names_and_roles_never_e_mails(
        api, proposal, citizen, outsider, planner, roles):
    claim_make(outsider, roles["expert"], status=ClaimStatus.VERIFIED, decided_by=planner)
    top = comment_make(proposal, outsider, "<b>More</b> trees.")
    reply = comment_make(proposal, citizen, "Thank you!", parent=top)
    body = listing(api, proposal)
    assert body["count"] == 1
    [thread] = body["results"]
    assert thread["id"] == top.pk and thread["parent"] is None
    assert thread["body"] == "<b>More</b> trees."  # JSON keeps text verbatim
    assert thread["author"] == {"name": "outsider", "roles": ["Expert"]}
    assert thread["reply_count"] == 1
    assert [(r["id"], r["parent"], r["author"]["name"]) for r in thread["replies"]] == [
        (reply.pk, top.pk, "Carla")]
    assert "@" not in json.dumps(body)


def test_deleted_hidden_and_orphaned_comments_show_no_author_or_text(api, proposal, citizen,
                                                                    outsider):
    gone = user_make("gone")
    top = comment_make(proposal, outsider, "Rude.", is_hidden=True, hidden_reason="Insults.")
    comment_make(proposal, citizen, body="", is_deleted=True, parent=top)
    comment_make(proposal, gone, "Still here.", parent=top)
    gone.delete()
    [thread] = listing(api, proposal)["results"]
    assert (thread["author"], thread["body"], thread["hidden_reason"]) == (None, "", "")
    assert thread["is_hidden"] is True
    assert [(r["author"], r["body"], r["is_deleted"]) for r in thread["replies"]] == [
        (None, "", True), (None, "Still here.", False)]


def test_the_author_and_planners_read_a_hidden_comment_and_why(api, proposal, citizen,
                                                               outsider, planner):
    comment_make(proposal, outsider, "Rude.", is_hidden=True, hidden_reason="Insults.")
    api.force_authenticate(citizen)
    assert listing(api, proposal)["results"] == []
    for user in (outsider, planner):
        api.force_authenticate(user)
        [comment] = listing(api, proposal)["results"]
        assert (comment["body"], comment["hidden_reason"]) == ("Rude.", "Insults.")


def test_orderings_and_pages(api, proposal, citizen, outsider):
    now = timezone.now()
    made = [comment_make(proposal, citizen, f"C{n}", created_at=now - timedelta(hours=n))
            for n in range(5)]
    comment_make(proposal, outsider, parent=made[3])
    ids = [c.pk for c in made]
    assert [c["id"] for c in listing(api, proposal)["results"]] == ids
    assert [c["id"] for c in listing(api, proposal, ordering="oldest")["results"]] == ids[::-1]
    assert listing(api, proposal, ordering="most_replied")["results"][0]["id"] == ids[3]
    page = listing(api, proposal, limit=2, offset=2)
    assert [c["id"] for c in page["results"]] == ids[2:4] and page["count"] == 5
    assert "offset=4" in page["next"] and page["previous"]


@pytest.mark.parametrize("params", [{"ordering": "best"}, {"limit": "x"}, {"limit": "0"},
                                    {"limit": "101"}, {"offset": "-1"}])
@pytest.mark.quality("query-abuse")
def test_bad_query_parameters_get_a_400(api, proposal, params):
    assert api.get(comments_url(proposal), params).status_code == 400


def test_a_hidden_or_draft_proposal_has_no_comments_to_show(api, citizen, outsider):
    hidden = proposal_make(project_make(), citizen, is_hidden=True, hidden_reason="Spam.")
    draft = proposal_make(project_make("draft", visibility="draft"), citizen)
    api.force_authenticate(outsider)
    for proposal in (hidden, draft):
        assert api.get(comments_url(proposal)).status_code == 404


def test_the_list_costs_the_same_queries_for_one_thread_or_many(
        api, proposal, planner, roles, django_assert_max_num_queries):
    def add_thread():
        author = user_make()
        claim_make(author, roles["resident"], status=ClaimStatus.VERIFIED, decided_by=planner)
        top = comment_make(proposal, author)
        for _ in range(3):
            comment_make(proposal, user_make(), parent=top)

    add_thread()
    api.force_authenticate(planner)
    api.get(comments_url(proposal))
    with CaptureQueriesContext(connection) as one:
        api.get(comments_url(proposal))
    for _ in range(30):
        add_thread()
    with django_assert_max_num_queries(len(one)):
        body = api.get(comments_url(proposal), {"limit": 25}).json()
    assert len(body["results"]) == 25 and all(len(c["replies"]) == 3 for c in body["results"])


# ------------------------------------------------------------------------ writing
@pytest.mark.quality("mass-assignment")
def test_post_makes_a_comment_and_ignores_every_other_field(api, proposal, outsider, planner):
    other = proposal_make(proposal.project, planner)
    api.force_authenticate(outsider)
    response = api.post(comments_url(proposal), {
        "body": "Benches too.", "author": planner.pk, "proposal": other.pk, "is_hidden": True,
        "hidden_reason": "x", "is_deleted": True, "created_at": "2000-01-01T00:00:00Z",
        "author_notified_at": "2000-01-01T00:00:00Z", "edited_at": "2000-01-01T00:00:00Z",
    }, format="json")
    assert response.status_code == 201, response.content
    comment = Comment.objects.get()
    assert response.json()["id"] == comment.pk and response.json()["replies"] == []
    assert (comment.author, comment.proposal, comment.is_hidden, comment.is_deleted) == (
        outsider, proposal, False, False)
    assert comment.created_at.year > 2000 and comment.author_notified_at is None
    assert comment.edited_at is None


def test_post_a_reply_and_a_reply_elsewhere(api, proposal, citizen, outsider):
    top = comment_make(proposal, citizen)
    elsewhere = comment_make(proposal_make(proposal.project, citizen), citizen)
    api.force_authenticate(outsider)
    response = api.post(comments_url(proposal), {"body": "Yes.", "parent": top.pk},
                        format="json")
    assert response.status_code == 201 and response.json()["parent"] == top.pk
    response = api.post(comments_url(proposal), {"body": "No.", "parent": elsewhere.pk},
                        format="json")
    assert response.status_code == 400 and set(response.json()) == {"parent"}


def test_anonymous_clients_read_but_do_not_post(api, proposal):
    assert api.get(comments_url(proposal)).status_code == 200
    response = api.post(comments_url(proposal), {"body": "Hi."}, format="json")
    assert response.status_code in (401, 403)
    assert not Comment.objects.exists()


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": "   "}, {"body": "x" * 5001}])
@pytest.mark.quality("awkward-text")
def test_an_empty_or_too_long_body_is_a_400(api, proposal, outsider, body):
    api.force_authenticate(outsider)
    response = api.post(comments_url(proposal), body, format="json")
    assert response.status_code == 400 and set(response.json()) == {"body"}


def test_the_author_patches_within_the_window_and_not_after(api, proposal, outsider):
    fresh = comment_make(proposal, outsider, "Frist.")
    old = comment_make(proposal, outsider, "Old.",
                       created_at=timezone.now() - timedelta(minutes=15))
    api.force_authenticate(outsider)
    response = api.patch(reverse("api:comment-detail", args=[fresh.pk]),
                         {"body": "First.", "author": 1}, format="json")
    assert response.status_code == 200 and response.json()["body"] == "First."
    assert response.json()["edited_at"]
    response = api.patch(reverse("api:comment-detail", args=[old.pk]), {"body": "New."},
                         format="json")
    assert response.status_code == 403 and "15 minutes" in response.json()["detail"]
    assert Comment.objects.get(pk=old.pk).body == "Old."


def test_delete_erases_the_text_and_the_thread_stays(api, proposal, citizen, outsider):
    top = comment_make(proposal, outsider, "Private thoughts.")
    comment_make(proposal, citizen, "Answer.", parent=top)
    api.force_authenticate(outsider)
    assert api.delete(reverse("api:comment-detail", args=[top.pk])).status_code == 204
    [thread] = listing(api, proposal)["results"]
    assert (thread["is_deleted"], thread["body"]) == (True, "")
    assert thread["replies"][0]["body"] == "Answer."
    assert api.delete(reverse("api:comment-detail", args=[top.pk])).status_code == 403


def test_one_comment_reads_like_in_the_list(api, proposal, outsider):
    comment = comment_make(proposal, outsider, "Alone.")
    body = api.get(reverse("api:comment-detail", args=[comment.pk])).json()
    assert (body["id"], body["body"], body["author"]["name"]) == (comment.pk, "Alone.",
                                                                 "outsider")


@pytest.mark.quality("another-users-row")
def test_a_hidden_comment_is_404_for_others(api, proposal, citizen, outsider):
    comment = comment_make(proposal, outsider, is_hidden=True, hidden_reason="Spam.")
    api.force_authenticate(citizen)
    url = reverse("api:comment-detail", args=[comment.pk])
    assert api.get(url).status_code == 404
    assert api.post(reverse("api:comment-flag", args=[comment.pk]), {"reason": "x"},
                    format="json").status_code == 404


# ------------------------------------------------------------------------ throttles
def test_too_many_comments_a_minute_get_a_429_with_a_retry_after(api, proposal, outsider,
                                                                 settings, monkeypatch):
    settings.COMMENT_RATE_PER_MINUTE = 2
    frozen = timezone.now().replace(second=30)  # all three in one clock minute
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    api.force_authenticate(outsider)
    for n in range(2):
        assert api.post(comments_url(proposal), {"body": f"Comment {n}."},
                        format="json").status_code == 201
    response = api.post(comments_url(proposal), {"body": "Too many."}, format="json")
    assert response.status_code == 429
    assert "commenting too fast" in response.json()["detail"]
    assert response["Retry-After"] == "30"
    assert Comment.objects.count() == 2


def test_the_api_scope_counts_writes_and_never_reads(api, proposal, citizen, outsider,
                                                     monkeypatch):
    monkeypatch.setattr(CommentWriteThrottle, "THROTTLE_RATES", {"comments": "2/min"})
    comment = comment_make(proposal, citizen)
    api.force_authenticate(outsider)
    for _ in range(5):
        assert api.get(comments_url(proposal)).status_code == 200
    flag = reverse("api:comment-flag", args=[comment.pk])
    assert api.post(flag, {"reason": ""}, format="json").status_code == 400
    assert api.post(flag, {"reason": "Spam."}, format="json").status_code == 204
    assert api.post(flag, {"reason": "Spam."}, format="json").status_code == 429


# ------------------------------------------------------------------------ schema
def test_the_schema_documents_the_comment_endpoints(api):
    import yaml

    schema = yaml.safe_load(api.get("/api/schema/").content)
    paths = schema["paths"]
    listing_op = paths["/api/v1/proposals/{id}/comments/"]["get"]
    assert {p["name"] for p in listing_op["parameters"]} >= {"ordering", "limit", "offset"}
    assert "PaginatedCommentList" in json.dumps(listing_op["responses"]["200"])
    write = schema["components"]["schemas"]["CommentWriteRequest"]["properties"]
    assert set(write) == {"body", "parent"}
    assert {"patch", "delete"} <= set(paths["/api/v1/comments/{id}/"])
    for action in ("flag", "hide", "restore"):
        assert "post" in paths[f"/api/v1/comments/{{id}}/{action}/"]
    assert "email" not in json.dumps(schema["components"]["schemas"]["Comment"])


# ------------------------------------------------------------------------ who may do what
PERSONAS = ["anonymous", "citizen", "author", "planner"]
ALLOWED = {
    "post": {"citizen", "author", "planner"},
    "reply": {"citizen", "author", "planner"},
    "edit": {"author"},
    "delete": {"author"},
    "flag": {"citizen", "planner"},
    "hide": {"planner"},
    "restore": {"planner"},
}


def perform(api, action, proposal, comment):
    if action in ("post", "reply"):
        data = {"body": "New words."} | ({"parent": comment.pk} if action == "reply" else {})
        return api.post(comments_url(proposal), data, format="json")
    detail = reverse("api:comment-detail", args=[comment.pk])
    if action == "edit":
        return api.patch(detail, {"body": "New words."}, format="json")
    if action == "delete":
        return api.delete(detail)
    return api.post(reverse(f"api:comment-{action}", args=[comment.pk]),
                    {"reason": "Because."}, format="json")


def happened(action, comment) -> bool:
    comment.refresh_from_db()
    return {
        "post": Comment.objects.filter(body="New words.", parent=None).exists(),
        "reply": Comment.objects.filter(body="New words.", parent=comment).exists(),
        "edit": comment.body == "New words.",
        "delete": comment.is_deleted,
        "flag": CommentFlag.objects.filter(comment=comment).exists(),
        "hide": comment.is_hidden,
        "restore": not comment.is_hidden,
    }[action]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_permission_walk_over_the_comment_api(api, action, persona):
    proposal = proposal_make(project_make(), user_make("proposer"))
    author = user_make("author")
    comment = comment_make(proposal, author, "Old words.", **(
        {"is_hidden": True, "hidden_reason": "Spam."} if action == "restore" else {}))
    users = {"anonymous": None, "citizen": user_make("someone"), "author": author,
             "planner": user_make("planner", planner=True)}
    api.force_authenticate(users[persona])
    response = perform(api, action, proposal, comment)
    allowed = persona in ALLOWED[action]
    if allowed:
        assert response.status_code in (200, 201, 204), response.content
    else:
        assert response.status_code in (401, 403, 404), (response.status_code,
                                                          response.content)
    assert happened(action, comment) is allowed
