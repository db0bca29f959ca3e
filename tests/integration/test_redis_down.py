"""Redis down, for comments (README: "Redis down leaves voting, comments and imports
working"); reports: tests/reports/test_redis_down.py.

Redis is made unreachable the way tests/integration/test_faults.py does it for imports:
cache and broker point at a port where nothing listens."""

import logging
import time

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from notifications.models import Event
from proposals.models import Comment
from tests.factories import project_make, proposal_make, user_make
from tests.integration.test_faults import redis_stopped

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
BOUND = 15  # seconds: the broker's connect timeout and publish retries, with room


@pytest.mark.quality("redis-down")
def test_a_comment_posted_on_the_page_while_redis_is_down_is_saved(settings, caplog):
    proposal = proposal_make(project_make(), user_make("author"))
    client = Client()
    client.force_login(user_make("neighbour"))
    with redis_stopped(settings), caplog.at_level(logging.ERROR, logger="config.celery"):
        started = time.monotonic()
        response = client.post(reverse("proposals:comment-post", args=[proposal.pk]),
                               {"body": "Shade for the benches, please."})
        assert time.monotonic() - started < BOUND
    assert response.status_code == 302, response.content[:2000]
    comment = Comment.objects.get(proposal=proposal)
    assert comment.body == "Shade for the benches, please."
    # Its fan-out could not be queued: said in the log, not to the commenter; the event
    # waits recorded for beat's sweep (notifications/tasks.py).
    assert Event.objects.get(comment=comment).fanned_out_at is None
    assert any("plaza.notifications.event_fan_out" in r.getMessage()
               and "not published" in r.getMessage() for r in caplog.records)
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Shade for the benches, please." in page.content


@pytest.mark.quality("redis-down")
def test_a_comment_posted_through_the_api_while_redis_is_down_is_saved(settings):
    proposal = proposal_make(project_make(), user_make("author"))
    api = APIClient()
    api.force_authenticate(user_make("neighbour"))
    with redis_stopped(settings):
        started = time.monotonic()
        response = api.post(f"/api/v1/proposals/{proposal.pk}/comments/",
                            {"body": "And a drinking fountain."}, format="json")
        assert time.monotonic() - started < BOUND
        assert response.status_code == 201, response.content
        listed = api.get(f"/api/v1/proposals/{proposal.pk}/comments/")
    assert listed.status_code == 200
    assert "And a drinking fountain." in listed.content.decode()
    assert Comment.objects.filter(proposal=proposal, body="And a drinking fountain.").exists()

