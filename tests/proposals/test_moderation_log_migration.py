"""The moderation logs go (proposals/migrations/0006 to 0008) and nothing they held is lost:
each event the audit log lacked is copied into it with its own time, actor and reason;
status changes stay as the e-mail outbox, with their ids, and are sent once."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from audit.models import AuditEntry
from proposals.models import ProposalStatusNotice
from tests.factories import comment_make, project_make, proposal_make, user_make

BEFORE = [("proposals", "0005_project_category_translations"), ("audit", "0001_initial")]


def migrate(targets):
    """Migrate to `targets` (None: the latest); the models as they were there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


def table_exists(name: str) -> bool:
    with connection.cursor() as cursor:
        return name in connection.introspection.table_names(cursor)


@pytest.fixture
def latest_after():
    """Whatever happens in the test, the database ends at the latest migration."""
    yield
    migrate(None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("latest_after")
def test_events_the_audit_log_lacks_are_copied_and_status_changes_stay_as_notices(
        mailoutbox):
    planner = user_make("planner", planner=True, display_name="Marta")
    author = user_make("author")
    proposal = proposal_make(project_make(), author, title="Trees on Carrer Pujades")
    own = proposal_make(project_make("other"), planner, title="A planner's own idea")
    comment = comment_make(proposal, author)
    hour_ago = timezone.now() - timedelta(hours=1)

    old = migrate(BEFORE)
    Event = old.get_model("proposals", "ModerationEvent")
    CommentEvent = old.get_model("proposals", "CommentModerationEvent")
    Entry = old.get_model("audit", "AuditEntry")

    def event(target, action, reason, *, actor=planner, at=None, model=Event, **fields):
        target_field = "comment_id" if model is CommentEvent else "proposal_id"
        made = model.objects.create(**{target_field: target.pk}, actor_id=actor and actor.pk,
                                    action=action, reason=reason, **fields)
        if at is not None:
            model.objects.filter(pk=made.pk).update(created_at=at)
        return model.objects.get(pk=made.pk)

    def entry(target_type, target_id, action):
        return Entry.objects.create(actor_id=planner.pk, actor_name="Marta (planner)",
                                    action=action, target_type=target_type,
                                    target_id=target_id, reason="Logged.")

    # Logged in the audit log in the same transaction: not copied again.
    event(proposal, "hide", "Insults.")
    logged = entry("proposals.proposal", proposal.pk, "proposal.hide")
    # The log has a restore of the same proposal, but an hour later: copied.
    restore = event(proposal, "restore", "Edited.", at=hour_ago)
    entry("proposals.proposal", proposal.pk, "proposal.restore")
    accepted = event(proposal, "status", "We plant them in March.", detail="accepted",
                     at=hour_ago, notified_at=hour_ago)
    shortlisted = event(proposal, "status", "Now shortlisted.", detail="shortlisted")
    own_change = event(own, "status", "Now shortlisted.", detail="shortlisted")
    hidden = event(comment, "hide", "Rude.", actor=None, model=CommentEvent, at=hour_ago)
    before = Entry.objects.count()

    migrate(None)

    copied = AuditEntry.objects.filter(pk__gt=logged.pk + 1).order_by("pk")
    assert AuditEntry.objects.count() == before + 5
    assert [(e.action, e.target_type, e.target_id, e.created_at, e.actor_id, e.actor_name,
             e.reason, e.project_id) for e in copied] == [
        ("proposal.restore", "proposals.proposal", proposal.pk, restore.created_at,
         planner.pk, "Marta (planner)", "Edited.", proposal.project_id),
        ("proposal.status", "proposals.proposal", proposal.pk, accepted.created_at,
         planner.pk, "Marta (planner)", "We plant them in March.", proposal.project_id),
        ("proposal.status", "proposals.proposal", proposal.pk, shortlisted.created_at,
         planner.pk, "Marta (planner)", "", proposal.project_id),
        ("proposal.status", "proposals.proposal", own.pk, own_change.created_at,
         planner.pk, "Marta (planner)", "", own.project_id),
        ("comment.hide", "proposals.comment", comment.pk, hidden.created_at,
         None, "(erased account)", "Rude.", proposal.project_id),
    ]
    assert copied[0].target_label == "Trees on Carrer Pujades"
    assert copied[1].details == {"copied_from": "proposals.moderationevent",
                                 "status": "accepted"}
    assert copied[4].target_label == f"Comment {comment.pk} on proposal {proposal.pk}"

    # The status changes stay, under their ids, as the outbox of status e-mails.
    notices = {n.pk: n for n in ProposalStatusNotice.objects.all()}
    assert set(notices) == {accepted.pk, shortlisted.pk, own_change.pk}
    assert (notices[accepted.pk].status, notices[accepted.pk].answer,
            notices[accepted.pk].notified_at) == ("accepted", "We plant them in March.",
                                                  hour_ago)
    assert (notices[shortlisted.pk].answer, notices[shortlisted.pk].notified_at) == ("", None)
    assert notices[own_change.pk].notified_at is not None  # never to be sent
    assert not table_exists("proposals_commentmoderationevent")
    assert not table_exists("proposals_moderationevent")

    # Nothing sends them any more: the notifications tell authors of status changes
    # (docs/notifications.md); the table keeps what was owed, as a record.

    # Backwards and forwards again: the log keeps its entries, nothing is copied twice.
    migrate(BEFORE)
    migrate(None)
    assert AuditEntry.objects.count() == before + 5
    assert set(ProposalStatusNotice.objects.values_list("pk", flat=True)) == set(notices)
