"""A project's activity day by day, for the overview's chart: proposals, comments and
votes received each day of the last `DAYS_SHOWN` (or since the project was made).

Everything received counts, as in the overview's totals: the chart shows the planners'
workload, not what the public sees. Days without activity are rows of zeros, so the
chart's rows are the calendar's."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate

DAYS_SHOWN = 60


def activity_start(created: date, today: date) -> date:
    """The chart's first day: `DAYS_SHOWN` days back at most, never before the project."""
    return max(created, today - timedelta(days=DAYS_SHOWN - 1))


def _per_day(rows: QuerySet, since: date) -> dict[date, int]:
    """Rows created on each day from `since` (one GROUP BY on the local date)."""
    return dict(rows.filter(created_at__date__gte=since)
                .annotate(day=TruncDate("created_at")).values("day")
                .annotate(n=Count("pk")).values_list("day", "n"))


def activity_by_day(series: dict[str, QuerySet], *, start: date, today: date) -> list[dict]:
    """One row per day from `start` to `today`: each series' count ("proposals",
    "comments", "votes": querysets with a `created_at`), their total, and the total as a
    percentage of the busiest day's (the bar's length; an idle period draws no bars)."""
    counted = {name: _per_day(rows, start) for name, rows in series.items()}
    days = []
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        row = {"day": day, **{name: per_day.get(day, 0) for name, per_day in counted.items()}}
        row["total"] = sum(row[name] for name in counted)
        days.append(row)
    peak = max((row["total"] for row in days), default=0) or 1
    for row in days:
        row["percent"] = round(row["total"] * 100 / peak)
    return days
