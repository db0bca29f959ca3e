"""The comments section of the proposal page, its forms, the dashboard queue and the admin."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import ClaimStatus
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


def page(client, proposal, **params) -> str:
    response = client.get(reverse("proposals:proposal", args=[proposal.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def section(html: str) -> str:
    return html.split('id="comments"')[1].split("</section>\n")[0]


# ------------------------------------------------------------------------ reading
def test_the_page_shows_threads_with_replies_names_and_role_badges(client, proposal, citizen,
                                                                  outsider, planner, roles):
    claim_make(outsider, roles["expert"], status=ClaimStatus.VERIFIED, decided_by=planner)
    top = comment_make(proposal, outsider, "More trees.")
    comment_make(proposal, citizen, "Thank you!", parent=top)
    html = section(page(client, proposal))
    assert html.index("More trees.") < html.index('class="replies"') < html.index("Thank you!")
    assert "Carla" in html  # the citizen's display name, never an e-mail
    assert '<li class="badge">Expert</li>' in html
    assert "@example.org" not in html


@pytest.mark.quality("stored-xss")
def test_comment_text_and_names_are_escaped(client, proposal, outsider):
    outsider.display_name = "<img src=x onerror=alert(2)>"
    outsider.save()
    comment_make(proposal, outsider, "<script>alert(1)</script>\nSecond line")
    html = section(page(client, proposal))
    assert "<script>alert(1)</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_a_deleted_comment_shows_a_placeholder_and_its_replies(client, proposal, citizen,
                                                               outsider):
    top = comment_make(proposal, outsider, body="", is_deleted=True)
    comment_make(proposal, citizen, "Still readable.", parent=top)
    html = section(page(client, proposal))
    assert "This comment was deleted." in html and "Still readable." in html
    assert "outsider" not in html


def test_a_hidden_comment_vanishes_for_others_but_not_for_its_author_and_planners(
        client, proposal, citizen, outsider, planner):
    comment_make(proposal, outsider, "Rude words.", is_hidden=True, hidden_reason="Insults.")
    assert "Rude words." not in section(page(client, proposal))
    client.force_login(citizen)
    assert "Rude words." not in section(page(client, proposal))
    for user in (outsider, planner):
        client.force_login(user)
        html = section(page(client, proposal))
        assert "Rude words." in html and "Hidden by a moderator: Insults." in html


def test_replies_to_a_hidden_comment_stay_under_a_placeholder(client, proposal, citizen,
                                                              outsider):
    top = comment_make(proposal, outsider, "Rude words.", is_hidden=True,
                       hidden_reason="Insults.")
    comment_make(proposal, citizen, "Let us stay polite.", parent=top)
    html = section(page(client, proposal))
    assert "A comment hidden by a moderator." in html and "Let us stay polite." in html
    assert "Rude words." not in html and "Insults." not in html


def test_twenty_threads_a_page_in_the_chosen_order(client, proposal, citizen):
    now = timezone.now()
    for n in range(25):
        comment_make(proposal, citizen, f"Comment number {n:02}.",
                     created_at=now - timedelta(minutes=n))
    first = section(page(client, proposal))
    assert "Comment number 00." in first and "Comment number 19." in first
    assert "Comment number 20." not in first and "Page 1 of 2" in first
    second = section(page(client, proposal, page=2))
    assert "Comment number 20." in second and "Comment number 19." not in second
    oldest = section(page(client, proposal, order="oldest"))
    assert oldest.index("Comment number 24.") < oldest.index("Comment number 23.")
    assert 'href="?order=oldest&amp;page=2#comments"' in oldest
    assert '<option value="oldest" selected>' in oldest


def test_the_most_replied_thread_comes_first_on_request(client, proposal, citizen, outsider):
    quiet = comment_make(proposal, citizen, "Quiet one.")
    busy = comment_make(proposal, citizen, "Busy one.",
                        created_at=quiet.created_at - timedelta(days=1))
    comment_make(proposal, outsider, "A reply.", parent=busy)
    html = section(page(client, proposal, order="most_replied"))
    assert html.index("Busy one.") < html.index("Quiet one.")
    html = section(page(client, proposal, order="newest"))
    assert html.index("Quiet one.") < html.index("Busy one.")


def test_the_page_costs_the_same_queries_for_one_comment_or_a_full_page(
        client, proposal, citizen, planner, roles, django_assert_max_num_queries):
    def add_thread(n):
        author = user_make()
        claim_make(author, roles["resident"], status=ClaimStatus.VERIFIED, decided_by=planner)
        top = comment_make(proposal, author, f"Thread {n}.")
        for _ in range(3):
            comment_make(proposal, user_make(), "A reply.", parent=top)

    add_thread(0)
    client.force_login(citizen)
    url = reverse("proposals:proposal", args=[proposal.pk])
    client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(1, 25):
        add_thread(n)
    with django_assert_max_num_queries(len(one)):
        html = client.get(url).content.decode()
    assert html.count('class="comment"') == 20 * 4


# ------------------------------------------------------------------------ writing
def test_anonymous_visitors_are_asked_to_log_in_and_get_no_form(client, proposal):
    html = section(page(client, proposal))
    assert "to comment." in html and "/accounts/login/?next=" in html
    assert 'name="body"' not in html


def test_signed_in_users_get_the_form(client, proposal, outsider):
    client.force_login(outsider)
    html = section(page(client, proposal))
    assert "Post comment" in html and "Log in</a> to comment" not in html


def test_a_withdrawn_proposal_says_why_it_takes_no_comments(client, citizen):
    proposal = proposal_make(project_make(), citizen, status="withdrawn")
    client.force_login(citizen)
    html = section(page(client, proposal))
    assert "Comments are closed on a withdrawn proposal." in html
    assert "Post comment" not in html


def test_a_comment_sent_by_the_form_lands_at_its_anchor_among_the_newest(client, proposal,
                                                                         outsider):
    client.force_login(outsider)
    url = reverse("proposals:comment-post", args=[proposal.pk])
    response = client.post(f"{url}?order=oldest&page=3",
                           {"body": "Benches too.", "author": "1", "is_hidden": "on"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == (f"{reverse('proposals:proposal', args=[proposal.pk])}"
                                    f"?order=newest&page=1#comment-{comment.pk}")
    assert (comment.author, comment.is_hidden) == (outsider, False)


def test_a_reply_sent_by_the_form_joins_the_thread_on_the_same_listing(client, proposal,
                                                                       citizen, outsider):
    top = comment_make(proposal, citizen)
    reply = comment_make(proposal, citizen, parent=top)
    client.force_login(outsider)
    url = reverse("proposals:comment-post", args=[proposal.pk])
    response = client.post(f"{url}?order=oldest&page=2",
                           {"body": "Me too.", "parent": reply.pk})
    mine = Comment.objects.get(body="Me too.")
    assert mine.parent == top
    assert response["Location"].endswith(f"?order=oldest&page=2#comment-{mine.pk}")


def test_a_refused_comment_comes_back_with_its_text_and_the_reason(client, proposal, outsider,
                                                                  settings):
    settings.COMMENT_RATE_PER_MINUTE = 1
    client.force_login(outsider)
    url = reverse("proposals:comment-post", args=[proposal.pk])
    client.post(url, {"body": "First."})
    response = client.post(url, {"body": "A long thought I do not want to lose."})
    assert response.status_code == 400
    html = response.content.decode()
    assert "You are commenting too fast" in html
    assert ">A long thought I do not want to lose.</textarea>" in html
    assert Comment.objects.count() == 1


def test_an_empty_comment_comes_back_with_an_error_next_to_the_field(client, proposal,
                                                                     outsider):
    client.force_login(outsider)
    response = client.post(reverse("proposals:comment-post", args=[proposal.pk]),
                           {"body": "   "})
    assert response.status_code == 400
    assert 'id="comment-body-errors"><li>Write a comment.</li>' in response.content.decode()
    assert not Comment.objects.exists()


def test_the_author_sees_edit_and_delete_within_the_window_and_others_do_not(
        client, proposal, citizen, outsider, planner):
    fresh = comment_make(proposal, outsider, "Fresh.")
    old = comment_make(proposal, outsider, "Old.",
                       created_at=timezone.now() - timedelta(minutes=16))
    edit = reverse("proposals:comment-edit", args=[fresh.pk])
    client.force_login(outsider)
    html = section(page(client, proposal))
    assert edit in html and reverse("proposals:comment-edit", args=[old.pk]) not in html
    assert reverse("proposals:comment-delete", args=[old.pk]) in html  # at any time
    assert reverse("proposals:comment-flag", args=[fresh.pk]) not in html  # not one's own
    client.force_login(citizen)
    html = section(page(client, proposal))
    assert edit not in html and reverse("proposals:comment-flag", args=[fresh.pk]) in html
    assert reverse("proposals:comment-hide", args=[fresh.pk]) not in html
    client.force_login(planner)
    assert reverse("proposals:comment-hide", args=[fresh.pk]) in section(page(client, proposal))


def test_a_user_who_reported_a_comment_is_told_so_instead_of_a_second_form(client, proposal,
                                                                          citizen, outsider):
    comment = comment_make(proposal, citizen)
    CommentFlag.objects.create(comment=comment, user=outsider, reason="Spam.")
    client.force_login(outsider)
    html = section(page(client, proposal))
    assert "You reported this comment." in html
    assert reverse("proposals:comment-flag", args=[comment.pk]) not in html


def test_moderation_through_the_page_needs_a_reason(client, proposal, citizen, planner):
    comment = comment_make(proposal, citizen)
    client.force_login(planner)
    url = reverse("proposals:comment-hide", args=[comment.pk])
    client.post(url, {"reason": ""})
    assert not Comment.objects.get(pk=comment.pk).is_hidden
    response = client.post(url, {"reason": "Off topic."}, follow=True)
    assert Comment.objects.get(pk=comment.pk).is_hidden
    assert "The comment is hidden." in response.content.decode()


def test_comment_actions_need_a_post(client, proposal, outsider):
    comment = comment_make(proposal, outsider)
    client.force_login(outsider)
    for name in ("comment-edit", "comment-delete", "comment-flag"):
        assert client.get(reverse(f"proposals:{name}", args=[comment.pk])).status_code == 405
    assert client.get(reverse("proposals:comment-post", args=[proposal.pk])).status_code == 405
    assert Comment.objects.get(pk=comment.pk).is_deleted is False


def test_a_comment_link_opens_the_page_of_its_thread(client, proposal, citizen, outsider):
    now = timezone.now()
    target = comment_make(proposal, citizen, "The one.", created_at=now - timedelta(days=1))
    reply = comment_make(proposal, outsider, parent=target)
    for n in range(20):
        comment_make(proposal, citizen, created_at=now - timedelta(minutes=n))
    response = client.get(reverse("proposals:comment", args=[reply.pk]))
    assert response["Location"].endswith(f"?order=newest&page=2#comment-{reply.pk}")
    assert f'id="comment-{reply.pk}"' in client.get(response["Location"]).content.decode()


def test_a_hidden_comment_link_is_404_for_others(client, proposal, citizen, outsider):
    comment = comment_make(proposal, outsider, is_hidden=True, hidden_reason="Spam.")
    client.force_login(citizen)
    assert client.get(reverse("proposals:comment", args=[comment.pk])).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("proposals:comment", args=[comment.pk])).status_code == 302


# ------------------------------------------------------------------------ who may do what
PERSONAS = ["anonymous", "citizen", "author", "planner"]
# action → personas allowed (the "author" wrote the comment acted upon).
ALLOWED = {
    "post": {"citizen", "author", "planner"},
    "reply": {"citizen", "author", "planner"},
    "edit": {"author"},
    "delete": {"author"},
    "flag": {"citizen", "planner"},
    "hide": {"planner"},
    "restore": {"planner"},
}


def act(client, action, proposal, comment):
    if action in ("post", "reply"):
        data = {"body": "New words."} | ({"parent": comment.pk} if action == "reply" else {})
        return client.post(reverse("proposals:comment-post", args=[proposal.pk]), data)
    data = {"edit": {"body": "New words."}, "delete": {}}.get(action, {"reason": "Because."})
    return client.post(reverse(f"proposals:comment-{action}", args=[comment.pk]), data)


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
def test_permission_walk_over_the_comment_pages(client, action, persona):
    proposal_author = user_make("proposer")
    proposal = proposal_make(project_make(), proposal_author)
    author = user_make("author")
    comment = comment_make(proposal, author, "Old words.", **(
        {"is_hidden": True, "hidden_reason": "Spam."} if action == "restore" else {}))
    users = {"citizen": user_make("someone"), "author": author,
             "planner": user_make("planner", planner=True)}
    if persona != "anonymous":
        client.force_login(users[persona])
    response = act(client, action, proposal, comment)
    allowed = persona in ALLOWED[action]
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    elif allowed:
        assert response.status_code == 302 and "#comment-" in response["Location"]
    else:
        assert response.status_code in (403, 404), response.status_code
    assert happened(action, comment) is allowed


# ------------------------------------------------------------------------ planners' tools
def test_reported_comments_wait_in_the_dashboards_queue(client, proposal, citizen, outsider,
                                                        planner):
    reported = comment_make(proposal, citizen, "Buy cheap watches.")
    handled = comment_make(proposal, citizen, "Already hidden.", is_hidden=True,
                           hidden_reason="Spam.")
    comment_make(proposal, citizen, "Nobody minds.")
    for comment in (reported, handled):
        CommentFlag.objects.create(comment=comment, user=outsider, reason="Spam.")
    client.force_login(planner)
    html = client.get(reverse("dashboard:index")).content.decode()
    queue = html.split('id="comment-flags-heading"')[1]
    assert "Buy cheap watches." in queue and reverse("proposals:comment",
                                                     args=[reported.pk]) in queue
    assert "Already hidden." not in queue and "Nobody minds." not in queue


def test_planners_look_comments_up_in_the_admin_but_cannot_change_them(client, proposal,
                                                                       citizen, planner):
    comment = comment_make(proposal, citizen, "Look me up.")
    client.force_login(planner)
    listing = client.get(reverse("admin:proposals_comment_changelist")).content.decode()
    assert "Look me up." in listing
    assert reverse("proposals:comment", args=[comment.pk]) in listing
    assert client.get(reverse("admin:proposals_comment_add")).status_code == 403
    assert client.get(reverse("admin:proposals_comment_delete",
                              args=[comment.pk])).status_code == 403
    client.post(reverse("admin:proposals_comment_change", args=[comment.pk]),
                {"body": "Changed."})
    assert Comment.objects.get(pk=comment.pk).body == "Look me up."
