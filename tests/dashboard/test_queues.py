"""The moderation queue, the role verification queue and a project's proposals, through
the dashboard's pages: each action with its reason, its e-mail and its negative twin."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import RoleClaim
from audit.models import AuditEntry
from dashboard import services as dashboard_services
from notifications.fanout import event_fan_out
from notifications.models import Cadence, Event, Notification, Preferences
from proposals import services as proposal_services
from proposals.models import Comment, CommentFlag, Flag, Proposal
from tests.factories import project_make, proposal_make, user_make
from voting.models import Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, planner):
    client.force_login(planner)
    return client


# ------------------------------------------------------------------------ moderation
@pytest.mark.quality("stored-xss")
def test_the_queue_shows_each_report_escaped(desk, world):
    world["proposal"].title = "<img src=x onerror=alert(1)>"
    world["proposal"].save()
    page = desk.get(reverse("dashboard:moderation")).content.decode()
    assert "Spam" in page and "Advertising" in page and "Buy cheap watches." in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def test_a_planner_hides_a_proposal_and_its_author_sees_why(desk, world, client):
    url = reverse("dashboard:moderate-proposal", args=[world["proposal"].pk])
    response = desk.post(url, {"action": "hide", "reason": "Personal attack."})
    assert response.status_code == 302
    proposal = Proposal.objects.get(pk=world["proposal"].pk)
    assert proposal.is_hidden and proposal.hidden_reason == "Personal attack."
    client.force_login(proposal.author)
    page = client.get(reverse("proposals:proposal", args=[proposal.pk])).content.decode()
    assert "Personal attack." in page


def test_hiding_without_a_reason_is_refused(desk, world):
    url = reverse("dashboard:moderate-proposal", args=[world["proposal"].pk])
    response = desk.post(url, {"action": "hide", "reason": "  "})
    assert response.status_code == 400
    assert not Proposal.objects.get(pk=world["proposal"].pk).is_hidden
    assert AuditEntry.objects.count() == 0


def test_dismissing_removes_the_reports_and_logs_them(desk, world):
    url = reverse("dashboard:moderate-proposal", args=[world["proposal"].pk])
    desk.post(url, {"action": "dismiss", "reason": "Not spam: a real idea."})
    assert Flag.objects.count() == 0
    entry = AuditEntry.objects.get(action="proposal.dismiss")
    assert entry.reason == "Not spam: a real idea."
    assert entry.details["reports"][0]["reason"] == "Spam"
    assert not Proposal.objects.get(pk=world["proposal"].pk).is_hidden
    again = desk.post(url, {"action": "dismiss", "reason": "Twice."})
    assert again.status_code == 400  # nothing left to dismiss


def test_comments_are_hidden_restored_and_dismissed(desk, world):
    url = reverse("dashboard:moderate-comment", args=[world["comment"].pk])
    desk.post(url, {"action": "hide", "reason": "Advertising."})
    assert Comment.objects.get(pk=world["comment"].pk).is_hidden
    queue = desk.get(reverse("dashboard:moderation")).content.decode()
    assert "Hidden because: Advertising." in queue
    desk.post(url, {"action": "restore", "reason": "The author explained."})
    assert not Comment.objects.get(pk=world["comment"].pk).is_hidden
    desk.post(url, {"action": "dismiss", "reason": "Fine after all."})
    assert CommentFlag.objects.count() == 0
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        "comment.hide", "comment.restore", "comment.dismiss"]


# ------------------------------------------------------------------------ role claims
def test_a_planner_verifies_a_claim_with_an_expiry(desk, world, mailoutbox,
                                                   django_capture_on_commit_callbacks):
    claim = world["claim"]
    until = timezone.localdate() + timedelta(days=90)
    page = desk.get(reverse("dashboard:role-claim", args=[claim.pk])).content.decode()
    assert "I live here." in page
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = desk.post(reverse("dashboard:role-claim", args=[claim.pk]),
                             {"decision": "verify", "expires_on": until.isoformat()})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == "verified"
    assert timezone.localtime(claim.expires_at).date() == until
    assert len(callbacks) == 1  # the e-mail to the citizen, once committed
    from accounts.tasks import role_claim_notify_decision_task

    assert role_claim_notify_decision_task(claim.pk) is True
    [mail] = mailoutbox
    assert mail.to == [claim.user.email] and "verified" in mail.subject.lower()


def test_a_rejection_needs_a_reason_which_the_citizen_receives(desk, world, mailoutbox):
    url = reverse("dashboard:role-claim", args=[world["claim"].pk])
    assert desk.post(url, {"decision": "reject", "reason": ""}).status_code == 400
    assert RoleClaim.objects.get(pk=world["claim"].pk).status == "pending"
    desk.post(url, {"decision": "reject", "reason": "The address is outside the area."})
    claim = RoleClaim.objects.get(pk=world["claim"].pk)
    assert (claim.status, claim.decision_reason) == ("rejected",
                                                     "The address is outside the area.")
    from accounts.tasks import role_claim_notify_decision_task

    role_claim_notify_decision_task(claim.pk)
    assert "The address is outside the area." in mailoutbox[0].body


def test_a_planner_changes_the_expiry_of_a_verified_claim(desk, world):
    url = reverse("dashboard:role-claim", args=[world["claim"].pk])
    desk.post(url, {"decision": "verify"})
    until = timezone.localdate() + timedelta(days=10)
    desk.post(url, {"decision": "expiry", "expires_on": until.isoformat()})
    claim = RoleClaim.objects.get(pk=world["claim"].pk)
    assert timezone.localtime(claim.expires_at).date() == until
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    assert desk.post(url, {"decision": "expiry", "expires_on": past}).status_code == 400
    assert AuditEntry.objects.filter(action="claim.expiry").count() == 1


def test_a_planner_cannot_decide_their_own_claim(client, world, roles):
    other = user_make("other-planner", planner=True)
    from tests.factories import claim_make

    own = claim_make(other, roles["expert"])
    client.force_login(other)
    response = client.post(reverse("dashboard:role-claim", args=[own.pk]),
                           {"decision": "verify"})
    assert response.status_code == 403
    assert RoleClaim.objects.get(pk=own.pk).status == "pending"


# ------------------------------------------------------------------------ proposals
def test_shortlisting_and_accepting_with_an_answer(desk, world,
                                                   django_capture_on_commit_callbacks):
    proposal = world["proposal"]
    url = reverse("dashboard:proposal-status", args=[proposal.pk])
    desk.post(url, {"status": "shortlisted"})
    assert Proposal.objects.get(pk=proposal.pk).status == "shortlisted"
    assert desk.post(url, {"status": "accepted", "answer": ""}).status_code == 400
    assert Proposal.objects.get(pk=proposal.pk).status == "shortlisted"
    with django_capture_on_commit_callbacks() as callbacks:
        desk.post(url, {"status": "accepted", "answer": "We plant them in March."})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.official_answer) == ("accepted",
                                                           "We plant them in March.")
    names = {cb.func.__self__.name for cb in callbacks if hasattr(cb, "func")}
    # The author, the followers and the voters are told through the notifications.
    assert names == {"plaza.notifications.event_fan_out"}


def test_a_status_the_rules_do_not_allow_is_refused(desk, world):
    url = reverse("dashboard:proposal-status", args=[world["proposal"].pk])
    assert desk.post(url, {"status": "implemented"}).status_code == 400
    assert Proposal.objects.get(pk=world["proposal"].pk).status == "published"


def test_voters_hear_the_answer_at_once_through_the_notifications(
        world, planner, roles, citizen):
    # Votes are taken only while voting is open (the database refuses others).
    proposal = proposal_make(project_make("ballot", phase="voting"), citizen)
    voter, settled = user_make("voter"), user_make("settled")
    resident = roles["resident"]
    for person in (voter, settled, planner):  # the planner is the actor
        Vote.objects.create(proposal=proposal, user=person, value=1, weight=1, role=resident)
    Preferences.objects.create(user=settled, cadence=Cadence.DAILY)
    dashboard_services.proposal_answer_write(proposal=proposal, planner=planner,
                                             answer="Yes, <next> spring.")
    event = Event.objects.get(kind="proposal_status", proposal=proposal)
    event_fan_out(event_id=event.pk)
    told = {n.user.username: (n.reason, n.email)
            for n in Notification.objects.filter(event=event).select_related("user")}
    # Without settings a voter hears the answer at once; with a daily digest, in it;
    # the author as ever at once; never the planner who answered.
    assert told == {"voter": ("voter", "immediate"), "settled": ("voter", "daily"),
                    citizen.username: ("author", "immediate")}
    # A status change without an answer waits for the voter's weekly digest.
    proposal_services.proposal_set_status(proposal=proposal, planner=planner,
                                          status="shortlisted")
    later = Event.objects.filter(kind="proposal_status", proposal=proposal).latest("pk")
    event_fan_out(event_id=later.pk)
    assert Notification.objects.get(event=later, user=voter).email == "weekly"


def test_the_proposals_page_lists_filters_and_escapes(desk, world):
    world["proposal"].body = "<script>x()</script>"
    world["proposal"].save()
    url = reverse("dashboard:project-proposals", args=[world["project"].slug])
    page = desk.get(url).content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "<script>x()" not in page
    assert "Shortlisted" in page  # an allowed next status
    assert world["proposal"].title not in desk.get(url, {"status": "accepted"}).content.decode()
