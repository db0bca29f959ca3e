"""Follow / Stop following buttons for the proposal and project pages.

The proposals app's templates load these tags; its Python code never imports
notifications, so the dependency between the apps stays one way (as voting's boxes)."""

from django import template

from notifications import follow_selectors as selectors

register = template.Library()


@register.inclusion_tag("notifications/_follow_button.html", takes_context=True)
def follow_proposal_button(context, proposal):
    request = context["request"]
    user = request.user
    following = selectors.is_following(user, proposal)
    return {"user": user, "request": request, "csrf_token": context.get("csrf_token"),
            "following": following,
            "reason": selectors.implicit_reason(user, proposal) if following else None,
            "follow_url": "notifications:proposal-follow",
            "unfollow_url": "notifications:proposal-unfollow", "arg": proposal.pk,
            "what": "proposal"}


@register.inclusion_tag("notifications/_follow_button.html", takes_context=True)
def follow_project_button(context, project):
    request = context["request"]
    user = request.user
    return {"user": user, "request": request, "csrf_token": context.get("csrf_token"),
            "following": selectors.is_following_project(user, project),
            "follow_url": "notifications:project-follow",
            "unfollow_url": "notifications:project-unfollow", "arg": project.slug,
            "what": "project"}
