"""The audit log: each planner action that changes what citizens see writes one entry,
in the action's transaction; the database refuses to change or delete an entry."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import ProgrammingError, transaction
from django.urls import reverse

from accounts import services as account_services
from audit.models import AuditAction, AuditEntry
from audit.services import audit_record
from gisdata import layer_services
from proposals import comment_services, services
from voting import services as voting_services

pytestmark = pytest.mark.django_db


def actions() -> list[str]:
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_moderation_writes_who_what_and_why(world, planner):
    proposal, comment = world["proposal"], world["comment"]
    services.proposal_hide(proposal=proposal, planner=planner, reason="Insults a neighbour.")
    services.proposal_restore(proposal=proposal, planner=planner, reason="Edited by author.")
    comment_services.comment_hide(comment=comment, planner=planner, reason="Advertising.")
    assert actions() == ["proposal.hide", "proposal.restore", "comment.hide"]
    entry = AuditEntry.objects.filter(action="proposal.hide").get()
    assert (entry.actor_id, entry.reason, entry.project_id) == (
        planner.pk, "Insults a neighbour.", proposal.project_id)
    assert entry.target_type == "proposals.proposal" and entry.target_id == proposal.pk
    assert entry.target_label == proposal.title and "planner" in entry.actor_name


def test_a_refused_action_writes_nothing(world, planner, citizen):
    with pytest.raises(PermissionDenied, match="^Only planners can hide or restore proposals"):
        services.proposal_hide(proposal=world["proposal"], planner=citizen, reason="x")
    with pytest.raises(ValidationError) as refused:
        services.proposal_restore(proposal=world["proposal"], planner=planner, reason="x")
    assert refused.value.code == "no_change"
    assert refused.value.messages == ["This proposal is already visible."]
    assert actions() == []


def test_claims_weights_statuses_layers_and_constraints_are_logged(world, planner, roles):
    account_services.role_claim_verify(claim_id=world["claim"].pk, planner=planner)
    project = world["project"]
    project.phases.all().delete()  # voting not open: weights may change
    voting_services.role_weights_set(project=project, planner=planner,
                                     weights={"expert": "3"}, unverified_weight="0.5")
    services.proposal_set_status(proposal=world["proposal"], planner=planner,
                                 status="shortlisted")
    services.proposal_answer(proposal=world["proposal"], planner=planner, answer="Soon.")
    layer_services.layer_publish(layer=world["layer"], user=planner, published=True)
    layer_services.layer_publish(layer=world["layer"], user=planner, published=True)  # no-op
    layer_services.layer_style_set(layer=world["layer"], user=planner, color="#AA00ff")
    layer_services.constraint_save(user=planner, layer=world["layer"],
                                   constraint=world["constraint"], rule="within",
                                   distance_m=50, severity="warning", message="Near {NOM}")
    layer_services.constraint_delete(user=planner, constraint=world["constraint"])
    assert actions() == ["claim.verify", "weights.set", "proposal.status", "proposal.answer",
                         "layer.publish", "layer.style", "constraint.update",
                         "constraint.delete"]
    weights = AuditEntry.objects.get(action="weights.set").details
    assert weights == {"weights": {"expert": ["2.000", "3"]},
                       "unverified_weight": ["0", "0.5"]}
    assert AuditEntry.objects.get(action="layer.style").details == {"color": [None, "#aa00ff"]}
    update = AuditEntry.objects.get(action="constraint.update").details
    assert (update["before"]["rule"], update["after"]["distance_m"]) == ("intersects", 50)


def test_the_database_refuses_to_change_or_delete_an_entry(world, planner):
    services.proposal_hide(proposal=world["proposal"], planner=planner, reason="Spam.")
    entry = AuditEntry.objects.get()
    for operation, attempt in (
            ("UPDATE", lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="No.")),
            ("DELETE", lambda: AuditEntry.objects.filter(pk=entry.pk).delete())):
        with pytest.raises(ProgrammingError, match=(
                f"The audit log is append-only: {operation} is refused")) as refused, \
                transaction.atomic():
            attempt()
        assert refused.value.__cause__.sqlstate == "42501"  # the trigger's insufficient_privilege
    entry.refresh_from_db()
    assert entry.reason == "Spam."


def test_the_entry_rolls_back_with_its_change(world, planner):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.proposal_hide(proposal=world["proposal"], planner=planner, reason="Spam.")
        raise RuntimeError("something after the change failed")
    assert actions() == []
    world["proposal"].refresh_from_db()
    assert not world["proposal"].is_hidden


def test_entries_keep_their_names_when_the_actor_is_gone(world, planner):
    services.proposal_hide(proposal=world["proposal"], planner=planner, reason="Spam.")
    planner.delete()
    assert AuditEntry.objects.get().actor_name.startswith("planner")


@pytest.mark.quality("stored-xss")
def test_the_log_page_lists_filters_and_escapes(client, world, planner):
    world["proposal"].title = "<script>alert(1)</script>"
    world["proposal"].save()
    services.proposal_hide(proposal=world["proposal"], planner=planner, reason="<b>rude</b>")
    with transaction.atomic():
        audit_record(actor=planner, action=AuditAction.LAYER_STYLE, target=world["layer"])
    client.force_login(planner)
    page = client.get(reverse("dashboard:audit")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "&lt;b&gt;rude&lt;/b&gt;" in page
    style = '<td data-label="What">Layer style changed</td>'
    hide = '<td data-label="What">Proposal hidden</td>'
    assert style in page and hide in page
    hidden_only = client.get(reverse("dashboard:audit"), {"action": "proposal.hide"})
    assert style not in hidden_only.content.decode() and hide in hidden_only.content.decode()
    by_project = client.get(reverse("dashboard:audit"),
                            {"project": world["project"].pk}).content.decode()
    assert hide in by_project and style not in by_project


def test_the_admin_shows_the_log_read_only(admin_client, world, planner):
    services.proposal_hide(proposal=world["proposal"], planner=planner, reason="Spam.")
    entry = AuditEntry.objects.get()
    listing = admin_client.get(reverse("admin:audit_auditentry_changelist"))
    assert listing.status_code == 200 and "Spam." in listing.content.decode()
    delete = admin_client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]),
                               {"post": "yes"})
    assert delete.status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_an_entry_cannot_be_written_outside_the_changes_transaction(transactional_db,
                                                                     planner, world):
    with pytest.raises(RuntimeError, match="inside the change"):
        audit_record(actor=planner, action=AuditAction.LAYER_STYLE, target=world["layer"])
    assert AuditEntry.objects.count() == 0
