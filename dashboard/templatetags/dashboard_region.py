"""Whether the dashboard's navigation shows the region's page to the reader."""

from django import template

from core import tenancy

register = template.Library()


@register.simple_tag(takes_context=True)
def region_visible(context) -> bool:
    from dashboard.region_views import region_visible as visible

    request = context.get("request")
    return request is not None and visible(request.user, tenancy.current())
