"""The projects whose proposals the reader was asked to assess, for their profile page:
assessors are no planners and have no dashboard link to find the assessments page by."""

from django import template

from dashboard.budget_selectors import projects_assessed_by

register = template.Library()


@register.simple_tag
def assessed_projects(user):
    return projects_assessed_by(user)
