"""The `planner` group: city staff who run consultations. Its permissions are named here."""

from django.contrib.auth.models import Group, Permission

PLANNER_GROUP = "planner"

# app_label.codename of every permission a planner holds. Later apps add theirs here
# (moderation, imports, weights, reports), one named permission per action.
PLANNER_PERMISSIONS = [
    "accounts.verify_roleclaim",
    "accounts.view_roleclaim",
    "accounts.view_user",
    "accounts.view_stakeholderrole",
    "accounts.add_stakeholderrole",
    "accounts.change_stakeholderrole",
    "proposals.add_project",
    "proposals.change_project",
    "proposals.view_project",
    "proposals.add_category",
    "proposals.change_category",
    "proposals.add_phase",
    "proposals.change_phase",
    "proposals.delete_phase",
    "proposals.view_proposal",
    "proposals.moderate_proposal",
    "proposals.answer_proposal",
    "proposals.view_comment",
    "proposals.moderate_comment",
    "gisdata.import_dataset",
    "gisdata.add_dataset",
    "gisdata.change_dataset",
    "gisdata.view_dataset",
    "gisdata.change_layer",
    "gisdata.view_layer",
    "gisdata.view_importrun",
    "audit.view_auditentry",
    "voting.add_roleweight",
    "voting.change_roleweight",
    "voting.view_roleweight",
    "voting.add_projectvoting",
    "voting.change_projectvoting",
    "voting.view_projectvoting",
    "voting.view_results",
    "voting.add_budget",
    "voting.change_budget",
    "voting.delete_budget",
    "voting.view_budget",
    "voting.add_assessment",
    "voting.change_assessment",
    "voting.view_assessment",
    "reports.add_decisionreport",
    "reports.view_decisionreport",
    "reports.publish_decisionreport",
    "energy.add_community",
    "energy.change_community",
    "energy.view_community",
    "energy.add_sharingoption",
    "energy.view_sharingoption",
    "energy.view_pledge",
    "energy.add_simulationrun",
    "energy.view_simulationrun",
]


def ensure_planner_group(**kwargs) -> Group:
    """Create the planner group and grant it PLANNER_PERMISSIONS; never removes any.

    Runs after every `migrate` (the permissions exist only then); a city may give
    the group more permissions in the admin, and they survive.
    """
    group, _ = Group.objects.get_or_create(name=PLANNER_GROUP)
    wanted = []
    for dotted in PLANNER_PERMISSIONS:
        app_label, codename = dotted.split(".")
        wanted.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    group.permissions.add(*wanted)
    return group
