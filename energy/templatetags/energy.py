"""The energy community's box on its project's page.

The proposals app's template loads this tag; its Python code never imports energy, so
the dependency between the apps stays one way. A project that is no community shows
nothing.
"""

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

from energy.models import Community

register = template.Library()


@register.inclusion_tag("energy/_project_link.html", takes_context=True)
def energy_community_link(context, project):
    community = Community.objects.filter(project_id=project.pk).only("project_id").first()
    return {"community": community, "request": context.get("request")}


@register.filter
def price(value) -> str:
    """A price as money is written: at least two decimals, more only where the tariff has
    them (6.50, 0.1234), in the reader's locale."""
    amount = Decimal(value)
    places = max(2, -amount.normalize().as_tuple().exponent)
    return floatformat(amount, places)
