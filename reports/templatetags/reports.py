"""The published report on the project page.

The proposals app's templates load this tag; its Python code never imports reports, so
the dependency between the apps stays one way.
"""

from django import template

from reports.selectors import report_published

register = template.Library()


@register.inclusion_tag("reports/_published.html")
def published_report(project):
    report = report_published(project=project)
    # A report compiled while voting was open is provisional, whatever it was published as
    # and however the phases moved since (the report keeps when voting was to close).
    return {"report": report, "project": project,
            "provisional": bool(report and report.voting_open_until)}
