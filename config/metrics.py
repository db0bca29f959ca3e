"""`GET /metrics` wired: core's endpoint and collector, with the apps that know how long
their runs have waited (core imports no app)."""

from core.metrics import TaskQueueCollector, metrics_view
from gisdata.selectors import import_oldest_queued_at
from reports.selectors import report_oldest_queued_at

view = metrics_view(TaskQueueCollector(oldest_queued={
    "import": import_oldest_queued_at,
    "report": report_oldest_queued_at,
}))
