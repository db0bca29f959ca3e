"""E-mail tasks published after commit, through the real Redis, run by a real worker."""

import pytest
from django.db import transaction

from proposals import comment_services, services
from proposals.models import Comment, ProposalStatusNotice
from tests.factories import project_make, proposal_make, user_make
from tests.integration.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_the_worker_tells_the_proposal_author_about_a_new_comment(worker):
    proposal = proposal_make(project_make(), user_make("author"))
    with transaction.atomic():
        comment = comment_services.comment_create(proposal=proposal, author=user_make(),
                                                  body="Count me in.")

    def notified():
        return Comment.objects.filter(pk=comment.pk, author_notified_at__isnull=False).exists()

    wait_until(notified, timeout=15, what="the worker to send the new-comment e-mail")


def test_the_worker_tells_the_author_about_a_status_change(worker):
    proposal = proposal_make(project_make(), user_make("author"))
    services.proposal_set_status(proposal=proposal, planner=user_make("planner", planner=True),
                                 status="shortlisted")

    def notified():
        return ProposalStatusNotice.objects.filter(notified_at__isnull=False).exists()

    wait_until(notified, timeout=15, what="the worker to send the status e-mail")

