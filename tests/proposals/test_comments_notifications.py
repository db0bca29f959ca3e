"""E-mails to proposal authors: about new comments and about status changes. The services
publish the tasks once their transaction commits; the tasks send each e-mail once."""

import smtplib

import pytest
from django.db import transaction

from proposals import comment_services, services, tasks
from proposals.models import Comment, ProposalStatusNotice
from tests.factories import comment_make, project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(db, citizen):
    return proposal_make(project_make(), citizen, title="Trees on\nCarrer Pujades")


def published(callbacks, task) -> list:
    """The ids that the captured on-commit callbacks would publish to `task`."""
    return [cb.args[0] for cb in callbacks
            if getattr(getattr(cb, "func", None), "__self__", None) is not None
            and cb.func.__self__.name == task.name]


# ------------------------------------------------------------------------ new comments
def test_a_comment_by_someone_else_is_published_after_commit(
        proposal, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        comment = comment_services.comment_create(proposal=proposal, author=outsider,
                                                  body="Lovely.")
    assert published(callbacks, tasks.comment_notify_proposal_author_task) == [comment.pk]


def test_the_authors_own_comment_publishes_nothing(proposal, citizen,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        comment_services.comment_create(proposal=proposal, author=citizen, body="Mine.")
    assert callbacks == []


@pytest.mark.quality("delivered-twice")
def test_the_proposal_author_is_emailed_once_about_a_new_comment(proposal, outsider,
                                                                 mailoutbox):
    comment = comment_make(proposal, outsider, "Shade <b>please</b>.")
    assert tasks.comment_notify_proposal_author_task(comment.pk) is True
    assert tasks.comment_notify_proposal_author_task(comment.pk) is False  # a duplicate delivery
    [mail] = mailoutbox
    assert mail.to == ["citizen@example.org"]
    assert mail.subject == "[Plaza] A new comment on “Trees on Carrer Pujades”"
    assert "outsider commented on your proposal" in mail.body
    assert "Shade <b>please</b>." in mail.body  # plain text: not HTML-escaped
    assert "outsider@example.org" not in mail.body
    assert Comment.objects.get(pk=comment.pk).author_notified_at is not None


def test_a_reply_is_announced_as_a_reply(proposal, citizen, outsider, mailoutbox):
    top = comment_make(proposal, citizen)
    reply = comment_make(proposal, outsider, "Agreed.", parent=top)
    tasks.comment_notify_proposal_author_task(reply.pk)
    assert "outsider replied in the discussion of your proposal" in mailoutbox[0].body


@pytest.mark.parametrize("case", ["own comment", "no e-mail", "erased author", "deleted",
                                  "hidden", "gone"])
def test_no_e_mail_goes_when_there_is_nobody_to_tell_or_nothing_to_say(proposal, citizen,
                                                                       outsider, case,
                                                                       mailoutbox):
    comment = comment_make(proposal, citizen if case == "own comment" else outsider)
    if case == "no e-mail":
        type(citizen).objects.filter(pk=citizen.pk).update(email="")
    elif case == "erased author":
        citizen.delete()
    elif case == "deleted":
        Comment.objects.filter(pk=comment.pk).update(is_deleted=True, body="")
    elif case == "hidden":
        Comment.objects.filter(pk=comment.pk).update(is_hidden=True, hidden_reason="Spam.")
    elif case == "gone":
        comment.delete()
    assert tasks.comment_notify_proposal_author_task(comment.pk) is False
    assert mailoutbox == []


@pytest.mark.quality("delivered-twice")
def test_a_failed_send_gives_the_claim_back_so_that_the_retry_sends(proposal, outsider,
                                                                   mailoutbox, monkeypatch):
    comment = comment_make(proposal, outsider)

    def refuse(**kwargs):
        raise smtplib.SMTPServerDisconnected("the server went away")

    monkeypatch.setattr(comment_services, "send_mail", refuse)
    with pytest.raises(smtplib.SMTPException):
        comment_services.comment_notify_proposal_author(comment_id=comment.pk)
    assert Comment.objects.get(pk=comment.pk).author_notified_at is None
    monkeypatch.undo()
    assert tasks.comment_notify_proposal_author_task(comment.pk) is True
    assert len(mailoutbox) == 1


def test_the_tasks_retry_mail_server_errors_and_nothing_else():
    for task in (tasks.comment_notify_proposal_author_task, tasks.proposal_notify_status_task):
        assert smtplib.SMTPException in task.autoretry_for
        assert ConnectionError in task.autoretry_for
        assert ValueError not in task.autoretry_for


# ------------------------------------------------------------------------ status changes
def test_a_status_change_is_published_after_commit_and_mailed_once(
        proposal, planner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.proposal_set_status(proposal=proposal, planner=planner, status="accepted",
                                     answer="We plant them in <March>.")
    notice = ProposalStatusNotice.objects.get()
    assert (notice.status, notice.answer) == ("accepted", "We plant them in <March>.")
    assert published(callbacks, tasks.proposal_notify_status_task) == [notice.pk]
    assert tasks.proposal_notify_status_task(notice.pk) is True
    assert tasks.proposal_notify_status_task(notice.pk) is False
    [mail] = mailoutbox
    assert mail.to == ["citizen@example.org"]
    assert mail.subject == "[Plaza] Your proposal “Trees on Carrer Pujades” is now accepted"
    assert "We plant them in <March>." in mail.body


@pytest.mark.quality("publish-on-commit")
def test_a_status_change_rolled_back_publishes_nothing(proposal, planner,
                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.proposal_set_status(proposal=proposal, planner=planner,
                                         status="shortlisted")
            raise RuntimeError("the request failed after the change")
    assert callbacks == []
    assert not ProposalStatusNotice.objects.exists()


def test_hiding_a_proposal_mails_nobody(proposal, planner, mailoutbox,
                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.proposal_hide(proposal=proposal, planner=planner, reason="Spam.")
    assert callbacks == []
    assert not ProposalStatusNotice.objects.exists()
    assert mailoutbox == []


def test_no_status_e_mail_to_an_author_without_an_address(planner, mailoutbox):
    proposal = proposal_make(project_make(), user_make("quiet", email=""))
    services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    assert tasks.proposal_notify_status_task(ProposalStatusNotice.objects.get().pk) is False
    assert mailoutbox == []


def test_no_status_notice_for_a_planner_who_changed_their_own_proposal(
        planner, mailoutbox, django_capture_on_commit_callbacks):
    proposal = proposal_make(project_make(), planner)
    with django_capture_on_commit_callbacks() as callbacks:
        services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    assert published(callbacks, tasks.proposal_notify_status_task) == []
    assert not ProposalStatusNotice.objects.exists() and mailoutbox == []
