"""The notifications' e-mails to authors, published after commit through the real Redis,
fanned out and sent by a real worker."""

import pytest
from django.db import transaction

from notifications.models import Notification
from proposals import comment_services, services
from tests.factories import project_make, proposal_make, user_make
from tests.integration.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def emailed(author) -> bool:
    return Notification.objects.filter(user=author, emailed_at__isnull=False).exists()


def test_the_worker_tells_the_proposal_author_about_a_new_comment(worker):
    author = user_make("author")
    proposal = proposal_make(project_make(), author)
    with transaction.atomic():
        comment_services.comment_create(proposal=proposal, author=user_make(),
                                        body="Count me in.")
    wait_until(lambda: emailed(author), timeout=30,
               what="the worker to send the new-comment e-mail")


def test_the_worker_tells_the_author_about_a_status_change(worker):
    author = user_make("author")
    proposal = proposal_make(project_make(), author)
    services.proposal_set_status(proposal=proposal, planner=user_make("planner", planner=True),
                                 status="shortlisted")
    wait_until(lambda: emailed(author), timeout=30,
               what="the worker to send the status e-mail")
