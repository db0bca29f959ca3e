"""Background jobs of energy: a community's simulation runs in a worker, never in a web
request (docs/energy.md)."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils.translation import gettext as _

from energy import runs

SOFT_LIMIT = 25 * 60


@shared_task(name="plaza.energy.simulate_community", acks_late=True,
             reject_on_worker_lost=True, soft_time_limit=SOFT_LIMIT,
             time_limit=SOFT_LIMIT + 5 * 60)
def simulate_community_task(run_id: int) -> str:
    """Simulate one run of a community and store its results; returns the run's status
    as this delivery left it ("" when it left the run alone).

    Harmless twice, and safe to kill. A delivery first claims the run by update
    (queued → running) while holding the run's lock (energy/runs.py): a second
    delivery of the same message finds the run held, or finished, and leaves it. A
    worker killed mid-way loses the lock with its connection; the broker delivers the
    task again (acks_late, reject_on_worker_lost) and that delivery simulates the run
    afresh, replacing in one transaction whatever the first stored. A run that fails
    records why, for the planner."""
    if not runs.simulation_claim(run_id):
        return ""
    try:
        runs.simulation_execute(run_id)
    except SoftTimeLimitExceeded:
        runs.simulation_fail(run_id, _("The simulation took longer than %(minutes)s "
                                       "minutes.") % {"minutes": SOFT_LIMIT // 60})
        return "failed"
    except ValueError as exc:  # inputs the engine refuses, said in its words
        runs.simulation_fail(run_id, str(exc))
        return "failed"
    except Exception as exc:
        runs.simulation_fail(run_id, f"{type(exc).__name__}: {exc}")
        raise  # logged with its traceback by the worker
    finally:
        runs.simulation_release(run_id)
    return "done"


@shared_task(name="plaza.energy.simulations_requeue")
def simulations_requeue_task(minutes: int = 10) -> int:
    """Beat's watch over simulations, every five minutes: publishes again the runs no
    worker is on (energy/runs.py, `simulations_stale`). Harmless twice: of two
    deliveries of one run, one takes it and the other finds it held or finished.
    Returns how many runs were published."""
    ids = runs.simulations_stale(minutes=minutes)
    for run_id in ids:
        simulate_community_task.delay(run_id)
    return len(ids)
