"""From an event to its notifications: who hears of what, why, how (docs/notifications.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core import events
from notifications import fanout
from notifications.models import Event, Notification, Preferences
from proposals import comment_services, services
from proposals.models import Phase
from tests.budget_factories import verified_voter
from tests.factories import comment_make, project_make, proposal_make, user_make
from tests.notifications.delivery_helpers import (
    FAR,
    NEAR,
    fan_out_all,
    follow_area,
    follow_project,
    follow_proposal,
    told,
)
from voting import services as voting_services

pytestmark = pytest.mark.django_db

POINT = {"type": "Point", "coordinates": [2.17, 41.39]}


@pytest.fixture
def project(db):
    return project_make()


@pytest.fixture
def followers(project):
    """A project follower, an area follower near the point, one far from it."""
    people = {name: user_make(name) for name in ("prj", "near", "far")}
    follow_project(people["prj"], project)
    follow_area(people["near"], project.municipality, NEAR)
    follow_area(people["far"], project.municipality, FAR)
    return people


def propose(project, author, title="Shade on Carrer Pujades"):
    return services.proposal_create(project=project, author=author, title=title,
                                    body="Trees, please.", category="green", geometry=POINT)


def test_a_new_proposal_reaches_the_project_and_the_area_it_touches(project, followers):
    author = user_make("author")
    follow_project(author, project)
    proposal = propose(project, author)
    event = Event.objects.get()
    assert (event.kind, event.proposal_id, event.municipality_id) == (
        "proposal_published", proposal.pk, project.municipality_id)
    assert fan_out_all() == 2
    # Not the far area, not its author; the defaults: a weekly digest, in the bell.
    assert told() == {"prj": ("project", "weekly", True), "near": ("area", "weekly", True)}
    assert Event.objects.get().fanned_out_at is not None


def test_a_fan_out_run_twice_writes_once(project, followers):
    propose(project, user_make("author"))
    event = Event.objects.get()
    assert fanout.event_fan_out(event_id=event.pk) == 2
    assert fanout.event_fan_out(event_id=event.pk) is None
    Event.objects.filter(pk=event.pk).update(fanned_out_at=None)  # a sweep re-queued it
    assert fanout.event_fan_out(event_id=event.pk) == 0
    assert Notification.objects.count() == 2


@pytest.mark.quality("notify-hidden-never")
def test_a_proposal_awaiting_moderation_is_news_only_once_published(followers, planner):
    project = project_make("moderated", moderate_before_publishing=True)
    follow_project(followers["prj"], project)
    follow_area(followers["near"], project.municipality, NEAR)
    proposal = propose(project, user_make("author"))
    assert not Event.objects.exists() and fan_out_all() == 0
    services.proposal_set_status(proposal=proposal, planner=planner, status="published")
    fan_out_all()
    assert told("proposal_published") == {"prj": ("project", "weekly", True),
                                          "near": ("area", "weekly", True)}
    # Its author hears of the status change, at once (no preferences: authors' default).
    assert told("proposal_status") == {"author": ("author", "immediate", True),
                                       "prj": ("project", "weekly", True),
                                       "near": ("area", "weekly", True)}


def test_a_status_change_reaches_followers_authors_voters_never_the_planner(
        followers, planner):
    voter, stopped = verified_voter("voter"), verified_voter("stopped")
    project = project_make("voting-now", phase="voting")
    follow_project(followers["prj"], project)
    author, fan = user_make("author"), user_make("fan")
    proposal = proposal_make(project, author)
    follow_proposal(fan, proposal)
    follow_proposal(planner, proposal)
    for user in (voter, stopped):
        voting_services.vote_cast(user=user, proposal=proposal, value=1)
    follow_proposal(stopped, proposal, active=False)  # a voter who stopped following
    services.proposal_set_status(proposal=proposal, planner=planner, status="accepted",
                                 answer="We plant them in March.")
    fan_out_all()
    # The city's answer reaches its voters at once (no preferences), others weekly.
    assert told() == {"author": ("author", "immediate", True),
                      "fan": ("proposal", "weekly", True),
                      "voter": ("voter", "immediate", True),
                      "prj": ("project", "weekly", True),
                      "near": ("area", "weekly", True)}
    assert Event.objects.get().data == {"status": "accepted", "before": "published",
                                        "answer": "We plant them in March."}


@pytest.mark.quality("notify-hidden-never")
def test_a_hidden_proposal_notifies_no_one_but_its_author(project, followers, planner):
    author, fan = user_make("author"), user_make("fan")
    proposal = proposal_make(project, author)
    follow_proposal(fan, proposal)
    comment_make(proposal, fan)  # an ordinary debate before it was hidden
    services.proposal_hide(proposal=proposal, planner=planner, reason="Spam.")
    services.proposal_set_status(proposal=proposal, planner=planner, status="rejected",
                                 answer="Against the rules.")
    services.proposal_answer(proposal=proposal, planner=planner, answer="Still against.")
    fan_out_all()
    assert told() == {"author": ("author", "immediate", True)}
    assert Notification.objects.count() == 2  # the status change and the answer, to the author


@pytest.mark.quality("notify-hidden-never")
def test_a_comment_reaches_the_proposals_followers_unless_it_was_hidden(project, planner):
    author, fan, commenter = user_make("author"), user_make("fan"), user_make("commenter")
    proposal = proposal_make(project, author)
    follow_proposal(fan, proposal)
    comment = comment_services.comment_create(proposal=proposal, author=commenter,
                                              body="Count me in.")
    fan_out_all()
    assert told() == {"author": ("author", "immediate", True),
                      "fan": ("proposal", "weekly", True)}
    Notification.objects.all().delete()
    hidden = comment_services.comment_create(proposal=proposal, author=commenter,
                                             body="Rude words.")
    comment_services.comment_hide(comment=hidden, planner=planner, reason="Rude.")
    fan_out_all()
    assert told() == {}
    assert Event.objects.filter(comment=comment).exists()


@pytest.mark.quality("notify-hidden-never")
def test_drafts_say_nothing_and_unlisted_projects_nothing_to_areas(followers, planner):
    draft = project_make("draft", visibility="draft")
    follow_project(followers["prj"], draft)
    # A proposal a planner placed while preparing the project (the pages refuse it to
    # anyone else): its event is told to no one.
    proposal = proposal_make(draft, planner)
    events.event_emit(events.PROPOSAL_PUBLISHED, project_id=draft.pk, proposal_id=proposal.pk)
    assert fan_out_all() == 0
    unlisted = project_make("unlisted", visibility="unlisted")
    follow_project(followers["prj"], unlisted)
    follow_area(followers["near"], unlisted.municipality, NEAR)
    propose(unlisted, user_make("author2"))
    fan_out_all()
    assert told() == {"prj": ("project", "weekly", True)}


def test_preferences_choose_the_cadence_and_switch_kinds_off(project):
    daily, quiet, bell_off, gone, blank = (user_make(n) for n in
                                          ("daily", "quiet", "belloff", "gone", "blank"))
    Preferences.objects.create(user=daily, cadence="daily")
    Preferences.objects.create(user=quiet, cadence="immediate",
                               email_off=["proposal_published"])
    Preferences.objects.create(user=bell_off, in_app_off=["proposal_published"])
    gone.is_active = False
    gone.save()
    blank.email = ""
    blank.save()
    for user in (daily, quiet, bell_off, gone, blank):
        follow_project(user, project)
    propose(project, user_make("author"))
    fan_out_all()
    assert told() == {"daily": ("project", "daily", True), "quiet": ("project", "off", True),
                      "belloff": ("project", "weekly", False),
                      "blank": ("project", "off", True)}


def test_phases_opening_and_results_reach_the_whole_project(project, followers, planner):
    author, fan = user_make("author"), user_make("fan")
    proposal = proposal_make(project, author)
    follow_proposal(fan, proposal)
    hidden = proposal_make(project, user_make("hidden-author"), is_hidden=True,
                           hidden_reason="Spam.")
    follow_proposal(user_make("hidden-fan"), hidden)
    from notifications import phases

    # The factory's running phase started a day ago; the next one starts now.
    Phase.objects.filter(project=project, kind="ideation").update(
        starts_at=timezone.now() - timedelta(hours=2))
    assert phases.phases_started_record() == 1
    assert phases.phases_started_record() == 0  # once per phase
    fan_out_all()
    assert told("phase_started") == {"author": ("author", "immediate", True),
                                     "fan": ("proposal", "weekly", True),
                                     "prj": ("project", "weekly", True),
                                     "near": ("area", "weekly", True),
                                     "far": ("area", "weekly", True)}
    voting_services.results_public_set(project=project, planner=planner, public=True)
    voting_services.results_public_set(project=project, planner=planner, public=False)
    fan_out_all()
    assert set(told("results_published")) == {"author", "fan", "prj", "near", "far"}
    assert Event.objects.filter(kind="results_published").count() == 1


def test_a_phase_that_opened_long_ago_is_not_announced(project):
    Phase.objects.filter(project=project, kind="ideation").update(
        starts_at=timezone.now() - timedelta(days=3))
    from notifications import phases

    assert phases.phases_started_record() == 0
