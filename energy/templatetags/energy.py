"""The energy community's box on its project's page.

The proposals app's template loads this tag; its Python code never imports energy, so
the dependency between the apps stays one way. A project that is no community shows
nothing.
"""

from django import template

from energy.models import Community

register = template.Library()


@register.inclusion_tag("energy/_project_link.html", takes_context=True)
def energy_community_link(context, project):
    community = Community.objects.filter(project_id=project.pk).only("project_id").first()
    return {"community": community, "request": context.get("request")}
