"""What proposal authors hear, now through the notifications (docs/notifications.md): a
new comment by someone else, and a status change or answer, e-mailed at once by default,
once, after the change committed; never for what was rolled back or hidden."""

import smtplib

import pytest
from django.db import transaction

from notifications import delivery
from notifications.models import Event, Notification
from notifications.tasks import event_fan_out_task, immediate_send_batch_task
from proposals import comment_services, services
from tests.factories import comment_make, project_make, proposal_make, user_make
from tests.notifications.delivery_helpers import fan_out_all, send_immediate

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
def test_a_comment_by_someone_else_is_recorded_and_published_after_commit(
        proposal, outsider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        comment = comment_services.comment_create(proposal=proposal, author=outsider,
                                                  body="Lovely.")
    event = Event.objects.get()
    assert (event.kind, event.comment_id, event.actor_id) == ("comment_posted", comment.pk,
                                                              outsider.pk)
    assert published(callbacks, event_fan_out_task) == [event.pk]


@pytest.mark.quality("delivered-twice")
def test_the_proposal_author_is_emailed_once_about_a_new_comment(proposal, outsider,
                                                                 mailoutbox):
    comment_services.comment_create(proposal=proposal, author=outsider,
                                    body="Shade <b>please</b>.")
    fan_out_all()
    assert send_immediate() == 1
    assert send_immediate() == 0  # a duplicate delivery
    [mail] = mailoutbox
    assert mail.to == ["citizen@example.org"]
    assert mail.subject == "[Plaza] outsider commented on “Trees on Carrer Pujades”"
    assert "Shade <b>please</b>." in mail.body  # plain text: not HTML-escaped
    assert "outsider@example.org" not in mail.body
    assert Notification.objects.get().emailed_at is not None


def test_a_reply_is_announced_as_a_reply(proposal, citizen, outsider, mailoutbox):
    top = comment_make(proposal, citizen)
    comment_services.comment_create(proposal=proposal, author=outsider, body="Agreed.",
                                    parent=top)
    fan_out_all()
    send_immediate()
    assert "outsider replied in the discussion of" in mailoutbox[0].subject


@pytest.mark.parametrize("case", ["own comment", "no e-mail", "erased author", "deleted",
                                  "hidden"])
def test_no_e_mail_goes_when_there_is_nobody_to_tell_or_nothing_to_say(proposal, citizen,
                                                                       outsider, case,
                                                                       mailoutbox):
    comment = comment_services.comment_create(
        proposal=proposal, author=citizen if case == "own comment" else outsider, body="Hi.")
    fan_out_all()
    if case == "no e-mail":
        type(citizen).objects.filter(pk=citizen.pk).update(email="")
    elif case == "erased author":
        citizen.delete()
    elif case == "deleted":
        comment_services.comment_delete(comment=comment, user=outsider)
    elif case == "hidden":
        comment_services.comment_hide(comment=comment, planner=user_make(planner=True),
                                      reason="Spam.")
    send_immediate()
    assert mailoutbox == []


@pytest.mark.quality("delivered-twice")
def test_a_failed_send_gives_the_claim_back_so_that_the_retry_sends(proposal, outsider,
                                                                   mailoutbox, monkeypatch):
    comment_services.comment_create(proposal=proposal, author=outsider, body="Yes.")
    fan_out_all()

    def refuse(self, fail_silently=False):
        raise smtplib.SMTPServerDisconnected("the server went away")

    monkeypatch.setattr(delivery.EmailMessage, "send", refuse)
    with pytest.raises(smtplib.SMTPException):
        send_immediate()
    assert Notification.objects.get().emailed_at is None
    monkeypatch.undo()
    assert send_immediate() == 1
    assert len(mailoutbox) == 1


def test_the_sending_tasks_retry_mail_server_errors_and_nothing_else():
    for task in (immediate_send_batch_task,):
        assert smtplib.SMTPException in task.autoretry_for
        assert ConnectionError in task.autoretry_for
        assert ValueError not in task.autoretry_for


# ------------------------------------------------------------------------ status changes
def test_a_status_change_is_published_after_commit_and_mailed_once(
        proposal, planner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.proposal_set_status(proposal=proposal, planner=planner, status="accepted",
                                     answer="We plant them in <March>.")
    event = Event.objects.get()
    assert event.data["answer"] == "We plant them in <March>."
    assert published(callbacks, event_fan_out_task) == [event.pk]
    fan_out_all()
    assert send_immediate() == 1
    assert send_immediate() == 0
    [mail] = mailoutbox
    assert mail.to == ["citizen@example.org"]
    assert mail.subject == "[Plaza] Your proposal “Trees on Carrer Pujades” is now: Accepted"
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
    assert not Event.objects.exists()


def test_hiding_a_proposal_mails_nobody(proposal, planner, mailoutbox,
                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        services.proposal_hide(proposal=proposal, planner=planner, reason="Spam.")
    assert callbacks == []
    assert not Event.objects.exists()
    assert mailoutbox == []


def test_no_status_e_mail_to_an_author_without_an_address(planner, mailoutbox):
    proposal = proposal_make(project_make(), user_make("quiet", email=""))
    services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    fan_out_all()
    assert Notification.objects.get().email == "off"  # still in the bell
    assert send_immediate() == 0
    assert mailoutbox == []


def test_no_notice_for_a_planner_who_changed_their_own_proposal(planner, mailoutbox):
    proposal = proposal_make(project_make(), planner)
    services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    fan_out_all()
    assert not Notification.objects.exists() and mailoutbox == []


def test_the_delivery_is_batched_by_user_range(proposal, planner):
    assert delivery.user_ranges("true", {}, size=2) == []
    for name in ("a", "b", "c", "d", "e"):
        Notification.objects.create(user=user_make(name), email="weekly", reason="project",
                                    event=Event.objects.create(
                                        kind="results_published", project=proposal.project,
                                        municipality=proposal.project.municipality))
    ids = sorted(Notification.objects.values_list("user_id", flat=True))
    assert delivery.user_ranges("true", {}, size=2) == [(ids[0], ids[1]), (ids[2], ids[3]),
                                                        (ids[4], ids[4])]
    # Never more than max_batches tasks: the batches grow instead.
    assert delivery.user_ranges("true", {}, size=1, max_batches=2) == [(ids[0], ids[2]),
                                                                       (ids[3], ids[4])]
