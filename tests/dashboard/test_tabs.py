"""Every page of the dashboard carries its tabs, with the page's own tab marked current."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

# Each page the dashboard shows, with the tab it belongs to; the arguments name `world`.
PAGES = [
    ("index", [], "Dashboard"),
    ("audit", [], "Audit log"),
    ("projects", [], "Projects"),
    ("project-new", [], "Projects"),
    ("project", ["project.slug"], "Projects"),
    ("project-edit", ["project.slug"], "Projects"),
    ("project-weights", ["project.slug"], "Projects"),
    ("project-proposals", ["project.slug"], "Projects"),
    ("project-budget", ["project.slug"], "Projects"),
    ("project-assessments", ["project.slug"], "Projects"),
    ("proposal-assessment", ["proposal.pk"], "Projects"),
    ("participation", [], "Participation by area"),
    ("moderation", [], "Moderation"),
    ("roles", [], "Role claims"),
    ("role-claim", ["claim.pk"], "Role claims"),
    ("imports", [], "Datasets"),
    ("import-new", [], "Datasets"),
    ("import-run", ["run.pk"], "Datasets"),
    ("layer", ["layer.pk"], "Datasets"),
    ("reports", [], "Reports"),
    ("project-reports", ["project.slug"], "Reports"),
]


def _arg(world, name: str):
    key, attribute = name.split(".")
    return getattr(world[key], attribute)


@pytest.mark.parametrize(("name", "args", "tab"), PAGES, ids=[p[0] for p in PAGES])
def test_each_dashboard_page_shows_the_tabs_with_its_own_current(client, planner, world,
                                                                  name, args, tab):
    client.force_login(planner)
    response = client.get(reverse(f"dashboard:{name}", args=[_arg(world, a) for a in args]))
    assert response.status_code == 200
    nav = re.search(r'<nav class="dash-nav".*?</nav>', response.content.decode(), re.S)
    assert nav, "no dashboard tabs"
    current = re.findall(r'aria-current="page">([^<]+)</a>', nav.group(0))
    assert current == [tab]
    assert len(re.findall(r"<li>", nav.group(0))) == 8  # the planner sees every tab
