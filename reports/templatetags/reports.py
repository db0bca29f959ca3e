"""The published report on the project page.

The proposals app's templates load this tag; its Python code never imports reports, so
the dependency between the apps stays one way.
"""

from django import template

from reports.selectors import report_published

register = template.Library()


@register.inclusion_tag("reports/_published.html")
def published_report(project):
    return {"report": report_published(project=project), "project": project}
