"""Events: emitted by the lower apps inside their transactions, recorded by the listener,
fanned out after commit (or by beat's sweep when the queue was down); a person's
follows, notifications and preferences in their export and erasure."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.privacy_registry import account_erase, personal_data_export
from core import events
from notifications.models import Event, Follow, Notification, Preferences
from notifications.tasks import event_fan_out_task, events_fan_out_pending_task
from proposals import services
from tests.factories import PASSWORD, project_make, proposal_make, user_make
from tests.notifications.delivery_helpers import (
    NEAR,
    fan_out_all,
    follow_area,
    follow_project,
)

pytestmark = pytest.mark.django_db
POINT = {"type": "Point", "coordinates": [2.17, 41.39]}


def queued(callbacks) -> list:
    return [cb.args[0] for cb in callbacks
            if getattr(getattr(cb, "func", None), "__self__", None) is not None
            and cb.func.__self__.name == event_fan_out_task.name]


def test_an_event_is_recorded_with_its_municipality_and_fanned_out_after_commit(
        citizen, django_capture_on_commit_callbacks):
    project = project_make()
    with django_capture_on_commit_callbacks() as callbacks:
        proposal = services.proposal_create(project=project, author=citizen, title="Benches",
                                            body="Shade.", category="green", geometry=POINT)
    event = Event.objects.get()
    assert (event.kind, event.project_id, event.proposal_id, event.actor_id,
            event.municipality_id) == ("proposal_published", project.pk, proposal.pk,
                                       citizen.pk, project.municipality_id)
    assert queued(callbacks) == [event.pk]


def test_an_action_rolled_back_leaves_no_event(citizen, django_capture_on_commit_callbacks):
    project = project_make()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.proposal_create(project=project, author=citizen, title="Benches",
                                     body="Shade.", category="green", geometry=POINT)
            raise RuntimeError("the request failed after the proposal")
    assert not Event.objects.exists() and queued(callbacks) == []


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown event kind"):
        events.event_emit("proposal_liked", project_id=1)


def test_beats_sweep_queues_the_events_left_waiting(citizen,
                                                    django_capture_on_commit_callbacks):
    project = project_make()
    proposal = proposal_make(project, citizen)
    old = Event.objects.create(kind="proposal_published", project=project, proposal=proposal,
                               municipality=project.municipality,
                               created_at=timezone.now() - timedelta(minutes=10))
    Event.objects.create(kind="proposal_published", project=project, proposal=proposal,
                         municipality=project.municipality)  # just now: its task may run
    from unittest import mock

    with mock.patch.object(event_fan_out_task, "delay") as delay:
        assert events_fan_out_pending_task() == 1
    delay.assert_called_once_with(old.pk)


def test_follows_notifications_and_preferences_are_exported_and_erased(planner):
    reader = user_make("reader")
    project = project_make()
    follow_project(reader, project)
    follow_area(reader, project.municipality, NEAR, name="my street")
    Preferences.objects.create(user=reader, cadence="daily")
    proposal = proposal_make(project, user_make("author"))
    services.proposal_set_status(proposal=proposal, planner=planner, status="shortlisted")
    services.proposal_create(project=project, author=reader, title="Mine", body="Mine.",
                             category="green", geometry=POINT)
    fan_out_all()
    data = personal_data_export(user=reader)
    assert {f["name"] for f in data["follows"]} == {"", "my street"}
    assert [n["kind"] for n in data["notifications"]] == ["proposal_status"]
    assert data["notification_preferences"]["cadence"] == "daily"
    account_erase(user=reader, password=PASSWORD)
    assert not Follow.objects.exists() and not Preferences.objects.exists()
    assert not Notification.objects.filter(reason="project").exists()
    # What they did stays, without their name.
    assert Event.objects.filter(kind="proposal_published", actor=None).count() == 1
