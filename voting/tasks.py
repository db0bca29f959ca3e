"""Background jobs of voting: a budget vote's outcomes are computed by a worker, never in
a web request (docs/budgeting.md)."""

from celery import shared_task

from voting import outcomes


@shared_task(name="plaza.voting.budget_outcomes", acks_late=True, reject_on_worker_lost=True)
def budget_outcomes_task(project_id: int) -> int:
    """Compute and store the outcomes of one budget project, final once its voting has
    closed. Harmless twice, and safe to kill: the outcomes are written in one
    transaction, upserted on their unique key, so a worker killed mid-way leaves the
    previous rows and the redelivered task (acks_late) writes them again. Returns how
    many outcomes were stored."""
    from proposals.models import Project

    project = Project.objects.filter(pk=project_id).first()
    if project is None:  # deleted since it was queued
        return 0
    final = outcomes.voting_closed_at(project) is not None
    return len(outcomes.budget_outcomes_compute(project, final=final))


@shared_task(name="plaza.voting.budget_outcomes_sweep")
def budget_outcomes_sweep_task() -> int:
    """Beat's watch over budget votes, every five minutes: queues the projects whose
    voting has closed and whose outcomes are missing, not final or older than the close
    (a worker died, Redis lost the message, a ballot changed in the last seconds).
    Harmless twice: computing again stores the same outcomes. Returns how many projects
    were queued."""
    ids = outcomes.projects_lacking_final_outcomes()
    for project_id in ids:
        budget_outcomes_task.delay(project_id)
    return len(ids)
