"""Daily and weekly digests: composed once per period, sent in batches of users, each
person's notifications claimed before their e-mail leaves, so that a batch run again —
retried, redelivered after its worker died — never sends anything twice."""

import os
import signal
import subprocess
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from notifications import delivery
from notifications.models import DigestRun, Event, Notification, Preferences
from notifications.tasks import digest_compose_task
from proposals import services
from tests.factories import project_make, user_make
from tests.integration.processes import wait_until
from tests.notifications.delivery_helpers import fan_out_all, follow_project

POINT = {"type": "Point", "coordinates": [2.17, 41.39]}


def seed(count: int, cadence: str = "weekly", proposals: int = 2):
    """`count` followers of a project, each told of `proposals` new proposals."""
    project = project_make()
    people = [user_make(f"reader{i}") for i in range(count)]
    for person in people:
        follow_project(person, project)
        if cadence != "weekly":
            Preferences.objects.create(user=person, cadence=cadence)
    author = user_make("author")
    for index in range(proposals):
        services.proposal_create(project=project, author=author, title=f"Idea {index}",
                                 body="Shade.", category="green", geometry=POINT)
    return project, people


def digest_all(run, size=delivery.BATCH_USERS) -> int:
    return sum(delivery.digest_send_batch(run_id=run.pk, first=first, last=last)
               for first, last in delivery.digest_ranges(run, size=size))


@pytest.mark.django_db
def test_a_digest_is_composed_once_per_period_and_sends_each_person_one_e_mail(mailoutbox):
    _project, people = seed(5, cadence="daily")
    fan_out_all()
    run = delivery.digest_compose(cadence="daily")
    assert delivery.digest_compose(cadence="daily") is None  # beat fired twice
    assert delivery.digest_ranges(run, size=2) == [
        (people[0].pk, people[1].pk), (people[2].pk, people[3].pk), (people[4].pk, people[4].pk)]
    assert digest_all(run, size=2) == 5
    assert digest_all(run, size=2) == 0  # every batch again: nothing twice
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)
    mail = mailoutbox[0]
    assert mail.subject == "[Plaza] Your daily digest: 2 updates"
    assert "Idea 0" in mail.body and "Idea 1" in mail.body
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The weekly digest is another run, and has nothing of these.
    weekly = delivery.digest_compose(cadence="weekly")
    assert digest_all(weekly) == 0


@pytest.mark.django_db
def test_what_came_after_the_composition_waits_for_the_next_digest(mailoutbox):
    project, people = seed(1, proposals=1)
    fan_out_all()
    run = delivery.digest_compose(cadence="weekly",
                                  at=timezone.now() - timedelta(minutes=1))
    Notification.objects.update(created_at=timezone.now())  # written after the run began
    assert digest_all(run) == 0
    assert Notification.objects.get().emailed_at is None


@pytest.mark.django_db
@pytest.mark.quality("notify-hidden-never")
def test_a_proposal_hidden_after_the_fan_out_is_left_out_of_the_digest(planner, mailoutbox):
    project, people = seed(1, proposals=2)
    fan_out_all()
    hidden = project.proposals.get(title="Idea 1")
    services.proposal_hide(proposal=hidden, planner=planner, reason="Spam.")
    digest_all(delivery.digest_compose(cadence="weekly"))
    [mail] = mailoutbox
    assert "Idea 0" in mail.body and "Idea 1" not in mail.body


@pytest.mark.django_db
@pytest.mark.quality("digest-once")
def test_a_batch_that_failed_half_way_resumes_without_duplicates(trigger, mailoutbox):
    _project, people = seed(4)
    fan_out_all()
    run = delivery.digest_compose(cadence="weekly")
    # The third person's claim fails, as if the worker died there.
    trigger("notifications_notification", f"NEW.user_id = {people[2].pk} AND "
            "NEW.emailed_at IS NOT NULL", "RAISE EXCEPTION 'the worker died'")
    [(first, last)] = delivery.digest_ranges(run)
    with pytest.raises(Exception, match="the worker died"):
        delivery.digest_send_batch(run_id=run.pk, first=first, last=last)
    assert len(mailoutbox) == 2
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_fault_0 ON notifications_notification")
    assert delivery.digest_send_batch(run_id=run.pk, first=first, last=last) == 2  # redelivered
    assert sorted(m.to[0] for m in mailoutbox) == sorted(p.email for p in people)


# ------------------------------------------------------------------ with the real worker
def mails_to(worker_mail, people) -> dict[str, int]:
    counts = {p.email: 0 for p in people}
    for message in worker_mail():
        if message["To"] in counts:
            counts[message["To"]] += 1
    return counts


def all_fanned_out() -> bool:
    return not Event.objects.filter(fanned_out_at__isnull=True).exists()


def all_emailed() -> bool:
    return not Notification.objects.filter(emailed_at__isnull=True, email="weekly").exists()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("digest-once")
def test_the_worker_sends_each_weekly_digest_once(worker, worker_mail):
    _project, people = seed(7)
    wait_until(all_fanned_out, timeout=30, what="the worker to fan the events out")
    digest_compose_task.delay("weekly", 3)
    digest_compose_task.delay("weekly", 3)  # beat twice: the second does nothing
    wait_until(all_emailed, timeout=60, what="the worker to send the digests")
    run = DigestRun.objects.get()
    assert run.batches == 3
    wait_until(lambda: sum(mails_to(worker_mail, people).values()) >= 7, timeout=10)
    assert mails_to(worker_mail, people) == {p.email: 1 for p in people}


def pool_children(worker) -> list[int]:
    found = subprocess.run(["ps", "-o", "pid=", "--ppid", str(worker.pid)],
                           capture_output=True, text=True, check=False).stdout.split()
    return [int(pid) for pid in found]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.quality("digest-once")
def test_a_batch_whose_worker_is_killed_mid_way_resumes_without_duplicates(
        worker, worker_mail, trigger):
    _project, people = seed(6)
    wait_until(all_fanned_out, timeout=30, what="the worker to fan the events out")
    # The fourth person's claim stalls, so that the batch is surely half done when killed.
    stall = people[3]
    trigger("notifications_notification",
            f"NEW.user_id = {stall.pk} AND NEW.emailed_at IS NOT NULL", "PERFORM pg_sleep(6)")
    [child] = pool_children(worker)
    digest_compose_task.delay("weekly", 10)
    wait_until(lambda: sum(mails_to(worker_mail, people).values()) == 3, timeout=30,
               what="the first three digests")
    os.kill(child, signal.SIGKILL)  # the pool process running the batch dies
    with connection.cursor() as cursor:  # waits for the dead claim to roll back
        cursor.execute("DROP TRIGGER test_fault_0 ON notifications_notification")
    # Its task is given back to the queue (acks_late, reject_on_worker_lost) and a new
    # pool process runs it again: it skips the three sent and sends the others.
    wait_until(all_emailed, timeout=60, what="the redelivered batch to finish")
    wait_until(lambda: sum(mails_to(worker_mail, people).values()) >= 6, timeout=10)
    assert mails_to(worker_mail, people) == {p.email: 1 for p in people}
    assert pool_children(worker) != [child]
    assert transaction.get_autocommit()
