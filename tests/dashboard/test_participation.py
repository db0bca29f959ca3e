"""The dashboard's participation by area: districts, their neighbourhoods, the numbers."""

import re

import pytest
from django.urls import reverse

from municipalities.models import Area, Municipality
from tests.area_factories import grid_import
from tests.factories import project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db
EAST = {"type": "Point", "coordinates": [2.19, 41.37]}


def _row(page, name):
    found = re.search(rf"<tr class=\"level-\w+\">\s*<th[^>]*>(?:<span[^>]*>— </span>)?"
                      rf"(?:<strong>)?{re.escape(name)}(?:</strong>)?</th>(.*?)</tr>", page,
                      re.S)
    assert found, name
    return [int(v) if v.isdigit() else v
            for v in re.findall(r"<td[^>]*>([^<]*)</td>", found.group(1))]


def test_planners_read_each_district_and_neighbourhood(client, planner):
    grid_import(2, 2, population=lambda code: 1000)
    Area.objects.filter(code="N2-1").update(name="<i>Sants</i>")
    project = project_make(visibility="draft")
    proposal_make(project, user_make(), geometry=EAST)
    proposal_make(project, user_make(), geometry={"type": "Point", "coordinates": [3, 42]})
    proposal_make(project_make("other"), user_make(), geometry=EAST)
    client.force_login(planner)

    page = client.get(reverse("dashboard:participation")).content.decode()

    assert "<i>Sants" not in page
    assert _row(page, "&lt;i&gt;Sants&lt;/i&gt;") == [2, 0, 0, 0, 2, "2.00"]
    assert _row(page, "District D2")[0] == 2
    assert _row(page, "In no district")[0] == 1
    one = client.get(reverse("dashboard:participation"), {"project": project.pk})
    assert _row(one.content.decode(), "District D2")[0] == 1


def test_planners_of_another_municipality_and_citizens_are_refused(client):
    Municipality.objects.create(slug="girona", name="Girona")
    client.force_login(user_make(planner=True))
    assert client.get("/girona/dashboard/participation/").status_code == 403
    client.force_login(user_make())
    assert client.get(reverse("dashboard:participation")).status_code == 403
