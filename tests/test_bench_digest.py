"""bench/bench_digest.py at test size: its seed goes through the services and the
fan-out, and its composer's batches, run here as the worker would, send each follower
one digest — which the bench's check verifies, and refuses otherwise."""

import pytest

from bench import bench_digest
from config.celery import app
from notifications.models import DigestRun, Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager_tasks():
    """The batch tasks run where the composer publishes them."""
    before = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = before


@pytest.mark.quality("digest-once")
def test_the_seeded_day_is_composed_into_one_digest_per_follower(eager_tasks, mailoutbox,
                                                                 monkeypatch):
    monkeypatch.setattr("notifications.delivery.BATCH_USERS", 40)
    project, users, fan_out = bench_digest.seed(90, 2, slug="bench-digest-test",
                                                prefix="bdt-")
    assert fan_out is not None and len(users) == 90
    assert Notification.objects.filter(event__project=project, email="daily").count() == 90 * 4
    bench_digest.reset(project)
    assert bench_digest.reference_read(project) >= 0
    seconds, batches = bench_digest.compose_and_queue()
    assert batches == DigestRun.objects.get().batches
    assert len(mailoutbox) == 90 and len({m.to[0] for m in mailoutbox}) == 90
    assert batches == 3  # 40 followers a batch (patched), 90 followers
    sent = bench_digest.claims(project)
    line = bench_digest.check(project, users, sent, batches)
    assert "90 of 90 followers sent one digest each, in 3 batch tasks" in line
    # The check fails when a follower was left out, or told twice.
    with pytest.raises(SystemExit):
        bench_digest.check(project, users, sent + 1, batches)
    Notification.objects.filter(user_id=users[0]).update(emailed_at=None)
    with pytest.raises(SystemExit):
        bench_digest.check(project, users, sent, batches)
