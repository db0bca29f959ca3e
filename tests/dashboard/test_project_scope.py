"""A project run for the whole city, a district or a neighbourhood of its municipality."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from dashboard.project_services import CategoryInput, project_save
from municipalities.models import Area, AreaLevel, Municipality
from proposals.models import Project
from tests.area_factories import grid_import
from tests.dashboard.test_projects import form
from tests.factories import project_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, planner):
    client.force_login(planner)
    return client


def test_a_project_run_for_a_neighbourhood_takes_its_shape(desk):
    grid_import(2, 2)
    Area.objects.filter(code="N2-1").update(name="<b>Sants</b>")
    page = desk.get(reverse("dashboard:project-new")).content.decode()
    assert "The whole city" in page and "District D2" in page
    assert "&lt;b&gt;Sants&lt;/b&gt;" in page and "<b>Sants" not in page
    neighbourhood = Area.objects.get(code="N2-1")

    response = desk.post(reverse("dashboard:project-new"),
                         form(scope_area=neighbourhood.pk))

    assert response.status_code == 302
    project = Project.objects.get()
    assert project.scope_area == neighbourhood
    assert project.area.equals(neighbourhood.geometry)


def test_the_whole_city_keeps_the_drawn_area_and_an_edit_may_change_the_level(desk):
    grid_import(2, 2)
    project = project_make(phase=None)
    area = project.area
    district = Area.objects.get(level=AreaLevel.DISTRICT, code="D1")
    data = form(title=project.title, slug=project.slug, scope_area=district.pk,
                **{"categories-0-name": "Trees"})
    assert desk.post(reverse("dashboard:project-edit", args=[project.slug]),
                     data).status_code == 302
    project.refresh_from_db()
    assert project.scope_area == district and project.area.equals(district.geometry)
    page = desk.get(reverse("dashboard:project-edit", args=[project.slug])).content.decode()
    assert f'<option value="{district.pk}" selected>' in page
    categories = list(project.categories.order_by("position"))
    data.update({"scope_area": "", "categories-TOTAL_FORMS": str(len(categories)),
                 "categories-INITIAL_FORMS": str(len(categories))})
    for i, category in enumerate(categories):
        data.update({f"categories-{i}-pk": category.pk, f"categories-{i}-name": category.name,
                     f"categories-{i}-color": category.color})
    response = desk.post(reverse("dashboard:project-edit", args=[project.slug]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.scope_area is None and project.area.equals(district.geometry)
    assert not area.equals(district.geometry)


def test_an_area_of_another_municipality_is_refused_by_the_service_and_the_database(planner):
    girona = Municipality.objects.create(slug="girona", name="Girona")
    grid_import(1, 1, municipality=girona)
    elsewhere = Area.objects.get(municipality=girona, level=AreaLevel.DISTRICT)
    with pytest.raises(ValidationError) as caught:
        project_save(planner=planner, title="Here", description="x", visibility="draft",
                     moderate_before_publishing=False, area=None, phases=[],
                     categories=[CategoryInput(name="Trees", color="#2e7d32")],
                     scope_area=elsewhere.pk)
    assert "scope_area" in caught.value.message_dict
    project = project_make()
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=project.pk).update(scope_area=elsewhere)
        with transaction.get_connection().cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
