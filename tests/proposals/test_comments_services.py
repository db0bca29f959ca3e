"""Comments through their services and selectors: who may post where, threads of two
levels, the edit window, soft delete, flags, moderation, the throttle, what each reader
sees, and the database constraints behind them."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ClaimStatus
from audit.models import AuditEntry
from proposals import comment_selectors as selectors
from proposals import comment_services as services
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
def project(db):
    return project_make()


@pytest.fixture
def proposal(project, citizen):
    return proposal_make(project, citizen)


def post(proposal, user, body="Good idea.", **kwargs):
    return services.comment_create(proposal=proposal, author=user, body=body, **kwargs)


def threads(proposal, user, ordering="newest"):
    return list(selectors.comment_threads(user=user, proposal=proposal, ordering=ordering))


# ------------------------------------------------------------------------ who may post
def test_a_signed_in_user_comments_on_a_published_proposal(proposal, outsider):
    comment = post(proposal, outsider, "  Yes, please.  ")
    assert (comment.body, comment.author, comment.parent) == ("Yes, please.", outsider, None)


def test_an_anonymous_visitor_cannot_comment(proposal):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied, match="Log in"):
        post(proposal, AnonymousUser())
    assert not Comment.objects.exists()


@pytest.mark.parametrize("phase", [None, "ideation", "voting", "decision", "implementation"])
def test_comments_are_open_in_every_phase(citizen, outsider, phase):
    proposal = proposal_make(project_make(phase=phase), citizen)
    assert post(proposal, outsider).pk


def test_a_draft_project_takes_no_comments_not_even_from_planners(citizen, planner):
    proposal = proposal_make(project_make(visibility="draft"), citizen)
    with pytest.raises(PermissionDenied, match="not open"):
        post(proposal, planner)


@pytest.mark.parametrize("state, message", [
    ({"status": "withdrawn"}, "withdrawn"),
    ({"status": "submitted"}, "once the proposal is published"),
    ({"is_hidden": True, "hidden_reason": "Spam."}, "hidden"),
])
def test_withdrawn_unpublished_or_hidden_proposals_take_no_comments(project, citizen, state,
                                                                    message):
    proposal = proposal_make(project, citizen, **state)
    with pytest.raises(PermissionDenied, match=message):
        post(proposal, citizen)  # not even from their author, who can still see them


@pytest.mark.parametrize("body", ["", "   \n ", "x" * 5001])
@pytest.mark.quality("awkward-text")
def test_an_empty_or_too_long_comment_is_refused(proposal, outsider, body):
    with pytest.raises(ValidationError) as exc:
        post(proposal, outsider, body)
    assert set(exc.value.message_dict) == {"body"}
    assert not Comment.objects.exists()


@pytest.mark.quality("awkward-text")
def test_a_comment_of_exactly_the_longest_length_is_kept(proposal, outsider):
    assert len(post(proposal, outsider, "x" * 5000).body) == 5000


# ------------------------------------------------------------------------ threads
def test_a_reply_to_a_reply_joins_the_same_top_level_comment(proposal, citizen, outsider):
    top = post(proposal, citizen, "Top.")
    reply = post(proposal, outsider, "Reply.", parent=top)
    deeper = post(proposal, citizen, "Reply to the reply.", parent=reply.pk)
    assert reply.parent == top and deeper.parent == top
    assert not Comment.objects.filter(parent__parent__isnull=False).exists()


def test_a_top_level_comment_has_no_parent(proposal, citizen):
    assert post(proposal, citizen).parent is None


def test_a_reply_to_another_proposals_comment_or_to_nothing_is_refused(project, proposal,
                                                                        citizen, outsider):
    elsewhere = comment_make(proposal_make(project, outsider), outsider)
    for parent in (elsewhere, 999_999):
        with pytest.raises(ValidationError) as exc:
            post(proposal, citizen, parent=parent)
        assert set(exc.value.message_dict) == {"parent"}
    assert Comment.objects.count() == 1


def test_a_comment_hidden_from_the_user_cannot_be_replied_to_and_says_nothing(
        proposal, citizen, outsider):
    hidden = comment_make(proposal, citizen, is_hidden=True, hidden_reason="Insults.")
    with pytest.raises(ValidationError) as exc:
        post(proposal, outsider, parent=hidden)
    assert exc.value.message_dict == {"parent": ["Reply to a comment on this proposal."]}


def test_deleted_comments_and_hidden_threads_take_no_replies(proposal, citizen, outsider,
                                                             planner):
    deleted = comment_make(proposal, citizen, body="", is_deleted=True)
    with pytest.raises(PermissionDenied, match="deleted"):
        post(proposal, outsider, parent=deleted)
    thread = comment_make(proposal, citizen, is_hidden=True, hidden_reason="Off topic.")
    reply = comment_make(proposal, outsider, parent=thread)
    with pytest.raises(PermissionDenied, match="hid this discussion"):
        post(proposal, planner, parent=reply)  # the planner reads it, but may not revive it


def test_a_live_thread_under_a_deleted_top_comment_goes_on(proposal, citizen, outsider):
    top = comment_make(proposal, citizen, body="", is_deleted=True)
    reply = comment_make(proposal, outsider, parent=top)
    assert post(proposal, citizen, parent=reply).parent == top


# ------------------------------------------------------------------------ edit window
def test_the_author_edits_within_the_window(proposal, outsider):
    comment = post(proposal, outsider, "Frist!")
    at = comment.created_at + timedelta(minutes=14, seconds=59)
    services.comment_update(comment=comment, user=outsider, body="First!", at=at)
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("First!", at)


def test_an_edit_after_the_window_is_refused(proposal, outsider):
    comment = post(proposal, outsider, "Frist!")
    with pytest.raises(PermissionDenied, match="15 minutes"):
        services.comment_update(comment=comment, user=outsider, body="First!",
                                at=comment.created_at + timedelta(minutes=15))
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("Frist!", None)


def test_the_window_is_a_setting(proposal, outsider, settings):
    settings.COMMENT_EDIT_WINDOW_MINUTES = 1
    comment = post(proposal, outsider)
    with pytest.raises(PermissionDenied, match="1 minutes"):
        services.comment_update(comment=comment, user=outsider, body="Later.",
                                at=comment.created_at + timedelta(minutes=2))


@pytest.mark.quality("another-users-row")
def test_nobody_but_the_author_edits_or_deletes(proposal, citizen, outsider, planner):
    comment = post(proposal, outsider, "Mine.")
    for user in (citizen, planner):
        with pytest.raises(PermissionDenied, match="Only its author"):
            services.comment_update(comment=comment, user=user, body="Theirs.")
        with pytest.raises(PermissionDenied, match="Only its author"):
            services.comment_delete(comment=comment, user=user)
    comment.refresh_from_db()
    assert (comment.body, comment.is_deleted) == ("Mine.", False)


def test_an_edit_is_checked_like_a_new_comment(proposal, outsider):
    comment = post(proposal, outsider, "Kept.")
    with pytest.raises(ValidationError):
        services.comment_update(comment=comment, user=outsider, body="  ")
    comment.refresh_from_db()
    assert comment.body == "Kept."


def test_an_edit_racing_a_delete_never_brings_the_text_back(proposal, outsider):
    comment = post(proposal, outsider, "Oops.")
    stale = Comment.objects.get(pk=comment.pk)  # read before the delete landed
    services.comment_delete(comment=comment, user=outsider)
    with pytest.raises(ValidationError, match="changed meanwhile"):
        services.comment_update(comment=stale, user=outsider, body="Back again.")
    comment.refresh_from_db()
    assert (comment.body, comment.is_deleted) == ("", True)


# ------------------------------------------------------------------------ soft delete
def test_deleting_blanks_the_body_and_keeps_the_replies(proposal, citizen, outsider):
    top = post(proposal, outsider, "My phone number is 600 000 000.")
    reply = post(proposal, citizen, "Thanks!", parent=top)
    services.comment_delete(comment=top, user=outsider)
    top.refresh_from_db()
    assert (top.is_deleted, top.body) == (True, "")
    [thread] = threads(proposal, citizen)
    assert thread == top and [r.body for r in thread.visible_replies] == ["Thanks!"]
    assert Comment.objects.get(pk=reply.pk).parent == top


def test_deleting_twice_or_editing_a_deleted_comment_is_refused(proposal, outsider):
    comment = post(proposal, outsider)
    services.comment_delete(comment=comment, user=outsider)
    with pytest.raises(PermissionDenied, match="already deleted"):
        services.comment_delete(comment=comment, user=outsider)
    with pytest.raises(PermissionDenied, match="deleted comment cannot be changed"):
        services.comment_update(comment=comment, user=outsider, body="Again.")


def test_an_author_may_delete_a_comment_a_moderator_hid(proposal, outsider, planner):
    comment = post(proposal, outsider, "Rude words.")
    services.comment_hide(comment=comment, planner=planner, reason="Insults.")
    services.comment_delete(comment=comment, user=outsider)
    comment.refresh_from_db()
    assert (comment.body, comment.is_hidden, comment.hidden_reason) == ("", True, "Insults.")


# ------------------------------------------------------------------------ flags
def test_a_user_flags_once_with_a_reason(proposal, citizen, outsider):
    comment = post(proposal, citizen)
    with pytest.raises(ValidationError):
        services.comment_flag(comment=comment, user=outsider, reason="  ")
    services.comment_flag(comment=comment, user=outsider, reason="Advertising.")
    with pytest.raises(ValidationError, match="already reported"):
        services.comment_flag(comment=comment, user=outsider, reason="Again.")
    assert CommentFlag.objects.count() == 1


def test_nobody_flags_their_own_deleted_or_hidden_comments(proposal, citizen, outsider,
                                                          planner):
    own = post(proposal, citizen)
    with pytest.raises(PermissionDenied, match="your own"):
        services.comment_flag(comment=own, user=citizen, reason="Mine.")
    deleted = comment_make(proposal, citizen, body="", is_deleted=True)
    with pytest.raises(PermissionDenied, match="deleted"):
        services.comment_flag(comment=deleted, user=outsider, reason="Gone.")
    hidden = comment_make(proposal, citizen, is_hidden=True, hidden_reason="Spam.")
    with pytest.raises(PermissionDenied, match="already hidden"):
        services.comment_flag(comment=hidden, user=planner, reason="Spam.")
    assert not CommentFlag.objects.exists()


# ------------------------------------------------------------------------ moderation
def test_planners_hide_and_restore_with_a_reason_and_a_log(proposal, citizen, planner):
    comment = post(proposal, citizen)
    with pytest.raises(ValidationError):
        services.comment_hide(comment=comment, planner=planner, reason="")
    services.comment_hide(comment=comment, planner=planner, reason="Insults.")
    with pytest.raises(ValidationError, match="already hidden"):
        services.comment_hide(comment=comment, planner=planner, reason="Again.")
    services.comment_restore(comment=comment, planner=planner, reason="Apologised.")
    comment.refresh_from_db()
    assert (comment.is_hidden, comment.hidden_reason) == (False, "")
    assert list(AuditEntry.objects.filter(target_id=comment.pk).values_list(
        "action", "reason", "actor_id")) == [("comment.restore", "Apologised.", planner.pk),
                                             ("comment.hide", "Insults.", planner.pk)]


def test_citizens_and_proposal_moderators_without_the_comment_permission_cannot_hide(
        proposal, citizen, outsider):
    from django.contrib.auth.models import Permission

    proposal_moderator = user_make("moderator")
    proposal_moderator.user_permissions.add(Permission.objects.get(
        codename="moderate_proposal"))
    comment = post(proposal, citizen)
    for user in (citizen, outsider, proposal_moderator):
        with pytest.raises(PermissionDenied, match="Only planners"):
            services.comment_hide(comment=comment, planner=user, reason="No.")
    assert not Comment.objects.get(pk=comment.pk).is_hidden
    assert not AuditEntry.objects.exists()


def test_a_deleted_comment_cannot_be_hidden(proposal, citizen, planner):
    comment = comment_make(proposal, citizen, body="", is_deleted=True)
    with pytest.raises(ValidationError, match="nothing to hide"):
        services.comment_hide(comment=comment, planner=planner, reason="Spam.")


# ------------------------------------------------------------------------ throttle
def test_the_throttle_refuses_the_comment_over_the_rate_until_the_next_minute(
        proposal, outsider, settings):
    settings.COMMENT_RATE_PER_MINUTE = 3
    minute = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=7)
    for second in (1, 20, 40):
        post(proposal, outsider, at=minute + timedelta(seconds=second))
    with pytest.raises(services.CommentRateExceeded, match="at most 3 comments a minute") \
            as exc:
        post(proposal, outsider, "One too many.", at=minute + timedelta(seconds=50))
    assert exc.value.retry_after == 10
    assert Comment.objects.count() == 3
    assert post(proposal, outsider, at=minute + timedelta(minutes=1)).pk


def test_the_throttle_counts_each_user_apart(proposal, citizen, outsider, settings):
    settings.COMMENT_RATE_PER_MINUTE = 1
    at = timezone.now() + timedelta(hours=1)
    post(proposal, outsider, at=at)
    assert post(proposal, citizen, at=at).pk
    with pytest.raises(ValidationError):  # the page shows it like any other refusal
        post(proposal, outsider, at=at)


def test_refused_comments_do_not_use_up_the_rate(proposal, outsider, settings):
    settings.COMMENT_RATE_PER_MINUTE = 1
    at = timezone.now() + timedelta(hours=2)
    with pytest.raises(ValidationError):
        post(proposal, outsider, "", at=at)
    assert post(proposal, outsider, at=at).pk


# ------------------------------------------------------------------------ who sees what
def test_hidden_comments_vanish_except_for_planners_and_their_author(proposal, citizen,
                                                                     outsider, planner):
    from django.contrib.auth.models import AnonymousUser

    shown = comment_make(proposal, citizen, "Shown.")
    hidden = comment_make(proposal, outsider, "Hidden.", is_hidden=True, hidden_reason="Spam.")
    assert threads(proposal, AnonymousUser()) == [shown]
    assert threads(proposal, citizen) == [shown]
    assert set(threads(proposal, outsider)) == {shown, hidden}
    assert set(threads(proposal, planner)) == {shown, hidden}


def test_a_hidden_comment_with_replies_stays_as_a_placeholder(proposal, citizen, outsider):
    from django.contrib.auth.models import AnonymousUser

    top = comment_make(proposal, outsider, "Rude.", is_hidden=True, hidden_reason="Insults.")
    comment_make(proposal, citizen, "Please be kind.", parent=top)
    comment_make(proposal, outsider, "Hidden reply.", parent=top, is_hidden=True,
                 hidden_reason="Insults.")
    [thread] = threads(proposal, AnonymousUser())
    everything = selectors.comments_decorate([thread], user=AnonymousUser())
    assert [(c.masked, c.body) for c in everything] == [(True, "Rude."),
                                                        (False, "Please be kind.")]
    assert thread.reply_count == 1
    [thread] = threads(proposal, outsider)  # the author reads both of theirs
    assert thread.reply_count == 2
    assert not any(c.masked for c in selectors.comments_decorate([thread], user=outsider))


def test_comments_come_newest_oldest_or_most_replied_first(proposal, citizen, outsider):
    now = timezone.now()
    old = comment_make(proposal, citizen, "Old.", created_at=now - timedelta(days=2))
    mid = comment_make(proposal, citizen, "Mid.", created_at=now - timedelta(days=1))
    new = comment_make(proposal, citizen, "New.", created_at=now)
    for _ in range(2):
        comment_make(proposal, outsider, parent=mid)
    comment_make(proposal, outsider, parent=old)
    assert threads(proposal, citizen, "newest") == [new, mid, old]
    assert threads(proposal, citizen, "oldest") == [old, mid, new]
    assert threads(proposal, citizen, "most_replied") == [mid, old, new]
    assert threads(proposal, citizen, "nonsense") == [new, mid, old]


def test_badges_are_the_authors_verified_roles_in_force(proposal, citizen, outsider, planner,
                                                        roles):
    claim_make(citizen, roles["expert"], status=ClaimStatus.VERIFIED, decided_by=planner)
    claim_make(citizen, roles["resident"], status=ClaimStatus.VERIFIED, decided_by=planner)
    claim_make(citizen, roles["business"])  # pending: no badge
    claim_make(outsider, roles["resident"], status=ClaimStatus.VERIFIED, decided_by=planner,
               decided_at=timezone.now() - timedelta(days=2),
               expires_at=timezone.now() - timedelta(days=1))  # expired: no badge
    comment_make(proposal, citizen)
    comment_make(proposal, outsider)
    everything = selectors.comments_decorate(threads(proposal, planner), user=planner)
    assert {c.author.username: c.badges for c in everything} == {
        "citizen": ["Resident", "Expert"], "outsider": []}


def test_a_deleted_comment_shows_no_badges(proposal, citizen, planner, roles):
    claim_make(citizen, roles["expert"], status=ClaimStatus.VERIFIED, decided_by=planner)
    comment_make(proposal, citizen, body="", is_deleted=True)
    [comment] = selectors.comments_decorate(threads(proposal, planner), user=planner)
    assert comment.badges == []


# ------------------------------------------------------------------------ constraints
@pytest.mark.parametrize("fields", [
    {"is_hidden": True, "hidden_reason": ""},
    {"is_deleted": True},  # with its body still there
    {"body": ""},  # a live comment without text
    {"body": "x" * 5001},
])
def test_the_database_refuses_inconsistent_comments(proposal, citizen, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        comment_make(proposal, citizen, **fields)


def test_the_database_refuses_a_comment_that_is_its_own_parent(proposal, citizen):
    comment = comment_make(proposal, citizen)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(parent=comment)


def test_the_database_refuses_a_second_flag_by_one_user(proposal, citizen, outsider):
    comment = comment_make(proposal, citizen)
    CommentFlag.objects.create(comment=comment, user=outsider, reason="Spam.")
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentFlag.objects.create(comment=comment, user=outsider, reason="Spam again.")


def test_a_comment_with_replies_cannot_be_hard_deleted_alone_but_goes_with_its_proposal(
        proposal, citizen, outsider):
    from django.db.models import RestrictedError

    top = comment_make(proposal, citizen)
    comment_make(proposal, outsider, parent=top)
    with pytest.raises(RestrictedError):
        top.delete()
    proposal.delete()
    assert not Comment.objects.exists()


def test_an_erased_account_leaves_its_comments_to_a_former_participant(proposal, outsider):
    comment = comment_make(proposal, outsider)
    outsider.delete()
    comment.refresh_from_db()
    assert comment.author is None and comment.body
