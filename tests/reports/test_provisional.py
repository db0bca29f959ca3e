"""A report read while voting is open is provisional, and says so: on the PDF's first page
and on the project page's report card. Once voting has closed, it says nothing of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.models import Phase
from reports.models import DecisionReport
from tests.reports.readback import compiled, pdf_text

pytestmark = pytest.mark.django_db
OPEN_NOTE = "Compiled while voting was still open"


def close_the_vote(project) -> None:
    """Voting closes early: its end moves to a minute ago (its start stays, as it must)."""
    Phase.objects.filter(project=project, kind="voting").update(
        ends_at=timezone.now() - timedelta(minutes=1))


def first_page(report: DecisionReport) -> str:
    return pdf_text(report).split("\f")[0]


def test_a_report_compiled_while_voting_is_open_says_so_on_its_first_page(council):
    project = council["project"]
    closes = timezone.localtime(project.phases.get(kind="voting").ends_at)
    page = " ".join(first_page(compiled(project)).split())
    assert "Provisional." in page and OPEN_NOTE in page
    assert f"it closes on {closes:%-d %B %Y, %H:%M}" in page


def test_a_report_compiled_after_voting_closed_is_not_provisional(council):
    close_the_vote(council["project"])
    text = " ".join(pdf_text(compiled(council["project"])).split())
    assert "Provisional" not in text and OPEN_NOTE not in text


def test_the_project_page_calls_a_report_read_during_the_vote_provisional(client, council):
    project = council["project"]
    url = reverse("proposals:project", args=[project.slug])
    during = compiled(project)
    DecisionReport.objects.filter(pk=during.pk).update(is_published=True,
                                                       published_at=timezone.now())
    page = client.get(url).content.decode()
    assert "Provisional." in page and "while voting was still open" in page
    assert "The report the council received" not in page

    close_the_vote(project)  # still the report read during the vote: still provisional
    assert "while voting was still open" in client.get(url).content.decode()

    after = compiled(project)
    DecisionReport.objects.filter(pk=during.pk).update(is_published=False)
    DecisionReport.objects.filter(pk=after.pk).update(is_published=True,
                                                      published_at=timezone.now())
    page = client.get(url).content.decode()
    assert "The report the council received" in page and "Provisional." not in page


def test_the_report_gives_each_phase_s_days_as_the_project_page_does(council):
    """A phase [1 May, 1 June) in the site's time zone reads 1 May – 31 May."""
    from datetime import datetime

    project = council["project"]
    tz = timezone.get_current_timezone()
    Phase.objects.filter(project=project, kind="implementation").update(
        starts_at=datetime(2031, 5, 1, tzinfo=tz), ends_at=datetime(2031, 6, 1, tzinfo=tz))
    text = " ".join(pdf_text(compiled(project)).split())
    assert "Implementation 1 May 2031 31 May 2031" in text
    assert "1 Jun 2031" not in text
