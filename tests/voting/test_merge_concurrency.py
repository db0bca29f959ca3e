"""Merges at once, with real PostgreSQL connections (one per thread): A into B and B into A
sent together leave one merge, never two proposals merged into each other."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditAction, AuditEntry
from proposals.models import Proposal
from tests.factories import proposal_make, user_make
from tests.voting.test_concurrency import in_threads
from voting.merge_services import proposal_merge

pytestmark = pytest.mark.django_db(transaction=True)


def test_crossed_merges_at_once_leave_exactly_one(voting_project, voters, planner):
    author = user_make("writer")
    a = proposal_make(voting_project, author, title="Shade at the school")
    b = proposal_make(voting_project, author, title="Trees at the school")
    pairs = [(a, b), (b, a)] * 4
    results = in_threads(len(pairs), lambda i: proposal_merge(
        planner=planner, duplicate=pairs[i][0], target=pairs[i][1], reason="Same."))
    merged = list(Proposal.objects.filter(status="merged"))
    assert len(merged) == 1
    [live] = Proposal.objects.filter(pk__in=[a.pk, b.pk]).exclude(status="merged")
    assert merged[0].merged_into_id == live.pk
    assert sum(not isinstance(r, Exception) for r in results) == 1
    refusals = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, ValidationError) for r in refusals), refusals
    assert {" ".join(r.messages) for r in refusals} <= {
        "This proposal was merged already.", "The proposal to merge into must be public."}
    assert AuditEntry.objects.filter(action=AuditAction.PROPOSAL_MERGE).count() == 1
