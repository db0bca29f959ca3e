"""The audit log: who changed what citizens see, when, and why.

Every planner action that changes what citizens see (moderation, role decisions,
weights, statuses and answers, layers and their constraints, project set-up) writes one
`AuditEntry` inside the transaction of the change itself, through `audit.services`, so
an entry exists exactly when the change committed. Entries are never edited or deleted:
a database trigger refuses UPDATE and DELETE on the table (dashboard's migration 0002,
from when the log lived there: the table kept its name, `dashboard_auditentry`).

The log is the ground floor's (above `core` only): the services of every app, accounts
and gisdata included, write it inside their own transactions, and planners read one log
in one order. It therefore imports no other Plaza app.

The entry names its actor and target by id *and* by a label copied at the time, with no
foreign keys: a foreign key would have the database rewrite (SET NULL) or remove
(CASCADE) entries when a user or a project goes, which is what the log must outlive.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.tenancy import scoped_manager


class AuditAction(models.TextChoices):
    """Every action the log knows, the upper apps' included (proposals, voting, layers).

    A fixed vocabulary kept here on purpose, though most actions belong to apps above:
    the column's choices, the audit page's filter and the check constraint need the
    whole list in one place, and a registry each app fills would make the list depend on
    which apps happen to be loaded. Adding an action is a migration of this app.
    """

    PROPOSAL_HIDE = "proposal.hide", _("Proposal hidden")
    PROPOSAL_RESTORE = "proposal.restore", _("Proposal restored")
    PROPOSAL_FLAGS_DISMISS = "proposal.dismiss", _("Reports on a proposal dismissed")
    PROPOSAL_STATUS = "proposal.status", _("Proposal status changed")
    PROPOSAL_ANSWER = "proposal.answer", _("Official answer written")
    COMMENT_HIDE = "comment.hide", _("Comment hidden")
    COMMENT_RESTORE = "comment.restore", _("Comment restored")
    COMMENT_FLAGS_DISMISS = "comment.dismiss", _("Reports on a comment dismissed")
    CLAIM_VERIFY = "claim.verify", _("Role claim verified")
    CLAIM_REJECT = "claim.reject", _("Role claim rejected")
    CLAIM_REVOKE = "claim.revoke", _("Role verification revoked")
    CLAIM_EXPIRY = "claim.expiry", _("Role verification expiry changed")
    ROLE_CREATE = "role.create", _("Stakeholder role added")
    ROLE_UPDATE = "role.update", _("Stakeholder role changed")
    WEIGHTS_SET = "weights.set", _("Voting weights set")
    PROJECT_CREATE = "project.create", _("Project created")
    PROJECT_UPDATE = "project.update", _("Project changed")
    PROJECT_REPLICATE = "project.replicate", _("Project replicated to another municipality")
    LAYER_PUBLISH = "layer.publish", _("Layer published")
    LAYER_UNPUBLISH = "layer.unpublish", _("Layer unpublished")
    LAYER_STYLE = "layer.style", _("Layer style changed")
    LAYER_UPDATE = "layer.update", _("Layer title or labels changed")
    CONSTRAINT_CREATE = "constraint.create", _("Constraint added")
    CONSTRAINT_UPDATE = "constraint.update", _("Constraint changed")
    CONSTRAINT_DELETE = "constraint.delete", _("Constraint removed")
    AREAS_IMPORT = "areas.import", _("Districts and neighbourhoods imported")
    BUDGET_SET = "budget.set", _("Participatory budget set")
    BUDGET_ASSESSORS = "budget.assessors", _("Budget assessors assigned")
    PROPOSAL_ASSESS = "proposal.assess", _("Proposal's cost or feasibility assessed")
    BUDGET_OUTCOME = "budget.outcome", _("Budget outcome computed")
    PROPOSAL_MERGE = "proposal.merge", _("Duplicate proposal merged into another")
    COMMUNITY_CREATE = "energy.community", _("Energy community set up")
    COMMUNITY_UPDATE = "energy.update", _("Energy community's area or weather changed")
    COMMUNITY_TARIFFS = "energy.tariffs", _("Energy community's tariffs set")
    COMMUNITY_CHOOSE = "energy.choose", _("Energy community's sharing option chosen")
    SHARING_OPTION_CREATE = "energy.option", _("Energy sharing option added")
    SIMULATION_REQUEST = "energy.simulate", _("Energy simulation requested")


class AuditEntryQuerySet(models.QuerySet):
    def for_project(self, project_id: int):
        return self.filter(project_id=project_id)


class AuditEntry(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True,
                                      help_text="The user's id; the user may be gone.")
    actor_name = models.CharField(max_length=150, help_text="As it was at the time.")
    action = models.CharField(max_length=24, choices=AuditAction.choices)
    target_type = models.CharField(max_length=40, help_text="e.g. proposals.proposal")
    target_id = models.BigIntegerField(null=True, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    project_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # A plain id, as the actor's: the log outlives what it names, and this app sits
    # below the municipalities.
    municipality_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True, max_length=5000)
    details = models.JSONField(default=dict, blank=True,
                               help_text="What changed: before and after values.")

    objects = scoped_manager(AuditEntryQuerySet, path="municipality_id", with_none=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        # The table and its index keep the names they had in `dashboard`.
        db_table = "dashboard_auditentry"
        indexes = [models.Index(fields=["target_type", "target_id"],
                                name="dashboard_a_target__f7cd8c_idx")]
        constraints = [
            models.CheckConstraint(condition=~Q(action=""), name="dashboard_audit_action"),
            models.CheckConstraint(condition=~Q(actor_name=""), name="dashboard_audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name}: {self.get_action_display()}"
