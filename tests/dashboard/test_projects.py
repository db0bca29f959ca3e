"""Setting up a project on the dashboard: area from a district or a drawing, phases,
categories, visibility; the overview; the weights with their ranking preview."""

import json
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from proposals.models import Project
from tests.dashboard.conftest import DISTRICT, districts_make
from tests.factories import project_make, proposal_make, user_make
from voting.models import RoleWeight, Vote

pytestmark = pytest.mark.django_db
FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def desk(client, planner):
    client.force_login(planner)
    return client


def form(**extra):
    start = timezone.localtime().replace(second=0, microsecond=0) + timedelta(days=1)
    data = {"title": "Superilla de Gràcia", "slug": "", "description": "Streets for people.",
            "visibility": "public", "area": "", "area_feature": "",
            "ideation_starts": start.strftime(FMT),
            "ideation_ends": (start + timedelta(days=20)).strftime(FMT),
            "voting_starts": (start + timedelta(days=20)).strftime(FMT),
            "voting_ends": (start + timedelta(days=30)).strftime(FMT),
            "categories-TOTAL_FORMS": "2", "categories-INITIAL_FORMS": "0",
            "categories-0-name": "Trees", "categories-0-color": "#2e7d32",
            "categories-1-name": "", "categories-1-color": "#000000"}
    data.update(extra)
    return data


def test_a_planner_sets_up_a_project_with_a_district_as_its_area(desk):
    layer = districts_make()
    gracia = layer.features.get(properties__NOM="Gràcia")
    page = desk.post(reverse("dashboard:project-new"), form(
        area_layer=layer.pk, area_find="1")).content.decode()  # "Find" with no name: all
    assert "Gràcia" in page and "&lt;b&gt;Sants&lt;/b&gt;" in page and "<b>Sants" not in page
    response = desk.post(reverse("dashboard:project-new"), form(area_layer=layer.pk,
                                                                area_feature=gracia.pk))
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.slug == "superilla-de-gracia"
    assert project.area.equals_exact(gracia.geometry, tolerance=1e-9)
    assert [p.kind for p in project.phases.all()] == ["ideation", "voting"]
    assert list(project.categories.values_list("name", "color")) == [("Trees", "#2e7d32")]
    assert AuditEntry.objects.get().action == "project.create"


def test_a_drawn_area_is_stored_as_a_multipolygon(desk):
    drawn = json.loads(DISTRICT.geojson)
    desk.post(reverse("dashboard:project-new"), form(area=json.dumps(drawn)))
    assert Project.objects.get().area.geom_type == "MultiPolygon"


@pytest.mark.parametrize("extra, message", [
    ({}, "Choose a feature, or draw the area on the map."),
    ({"area": '{"type": "Point", "coordinates": [2.1, 41.4]}'},
     "A project&#x27;s area is a polygon"),
    ({"area": '{"type": "Polygon", "coordinates": [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}'},
     "Self-intersection"),
    ({"voting_starts": "", "area": "x"}, "Give both dates of a phase, or neither."),
    ({"categories-0-color": "red", "area": "x"}, "must be #rrggbb"),
])
def test_bad_set_ups_are_refused_with_a_reason_and_store_nothing(desk, extra, message):
    if extra.get("area") == "x":
        extra["area"] = DISTRICT.geojson
    response = desk.post(reverse("dashboard:project-new"), form(**extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Project.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_phases_in_the_wrong_order_are_refused(desk):
    start = timezone.localtime() + timedelta(days=40)
    response = desk.post(reverse("dashboard:project-new"), form(
        area=DISTRICT.geojson, voting_starts=(start - timedelta(days=39)).strftime(FMT),
        voting_ends=(start - timedelta(days=38)).strftime(FMT)))
    assert response.status_code == 400
    assert "Phases follow each other" in response.content.decode()


def test_editing_keeps_the_area_and_logs_what_changed(desk):
    project = project_make(phase=None)
    area = project.area
    page = desk.get(reverse("dashboard:project-edit", args=[project.slug])).content.decode()
    assert "Superilla del Poblenou" in page and "Green and shade" in page
    green, mobility = project.categories.order_by("position")
    data = form(title="Superilla del Poblenou", slug=project.slug, visibility="draft",
                **{"categories-TOTAL_FORMS": "2", "categories-INITIAL_FORMS": "2",
                   "categories-0-pk": green.pk, "categories-0-name": "Shade",
                   "categories-0-color": "#2e7d32",
                   "categories-1-pk": mobility.pk, "categories-1-name": "Walking",
                   "categories-1-color": "#1565c0", "categories-1-delete": "on"})
    response = desk.post(reverse("dashboard:project-edit", args=[project.slug]), data)
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.visibility == "draft" and project.area.equals(area)
    assert list(project.categories.values_list("name", flat=True)) == ["Shade"]
    details = AuditEntry.objects.get(action="project.update").details
    assert details["visibility"] == ["public", "draft"] and "phases" in details


def test_a_category_with_proposals_cannot_be_removed(desk, citizen):
    project = project_make(phase=None)
    proposal_make(project, citizen, category="green")
    green = project.categories.get(slug="green")
    data = form(slug=project.slug, **{
        "categories-TOTAL_FORMS": "2", "categories-INITIAL_FORMS": "1",
        "categories-0-pk": green.pk, "categories-0-name": "Green",
        "categories-0-color": "#2e7d32", "categories-0-delete": "on",
        "categories-1-name": "New", "categories-1-color": "#123456"})
    response = desk.post(reverse("dashboard:project-edit", args=[project.slug]), data)
    assert response.status_code == 400 and "has proposals" in response.content.decode()
    assert project.categories.filter(slug="green").exists()


def test_the_overview_counts_participation(desk, world, citizen):
    layer = world["layer"]
    page = desk.get(reverse("dashboard:project", args=[world["project"].slug]),
                    {"districts": layer.pk}).content.decode()
    assert "Gràcia" in page and "&lt;b&gt;Sants&lt;/b&gt;" in page
    totals = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", page))
    # The citizen's proposal, the reporter's comment on it, and no vote yet.
    assert {name: totals.get(name) for name in ("Participants", "Proposals", "Comments",
                                                 "Votes")} == {
        "Participants": "2", "Proposals": "1 received (1 public)", "Comments": "1",
        "Votes": "0"}
    assert reverse("voting:results", args=[world["project"].slug]) in page
    assert reverse("dashboard:project-reports", args=[world["project"].slug]) in page


def test_the_weights_preview_reranks_the_current_votes(desk, roles, citizen):
    # Votes exist only once voting has opened, and then the weights are frozen: the
    # preview shows how other weights would have ranked them, and saves nothing.
    project = project_make(phase="voting")
    by_residents = proposal_make(project, citizen, title="Benches")
    by_experts = proposal_make(project, citizen, title="Trees")
    for _ in range(3):
        Vote.objects.create(proposal=by_residents, user=user_make(), value=1, weight=1,
                            role=roles["resident"])
    Vote.objects.create(proposal=by_experts, user=user_make(), value=1, weight=2,
                        role=roles["expert"])
    url = reverse("dashboard:project-weights", args=[project.slug])

    def ranking(response):
        return [(row["title"], row["score_preview"], row["rank_preview"], row["rank_weighted"])
                for row in response.context["preview"]]

    # Under the weights in force (resident 1, expert 2): Benches 3 before Trees 2.
    assert ranking(desk.get(url)) == [("Benches", 3, 1, 1), ("Trees", 2, 2, 2)]
    data = {"role_resident": "1", "role_business-owner": "1", "role_expert": "5",
            "unverified_weight": "0", "reason": "", "preview": ""}
    response = desk.post(url, data)
    # With the submitted expert weight of 5 the order turns: Trees 5 before Benches 3.
    assert ranking(response) == [("Trees", 5, 1, 2), ("Benches", 3, 2, 1)]
    page = response.content.decode()
    assert page.index("Trees") < page.index("Benches")
    assert RoleWeight.objects.count() == 0  # a preview saves nothing
    assert not AuditEntry.objects.exists()


def test_weights_saved_before_voting_are_logged_with_their_reason(desk, roles):
    project = project_make(phase=None)
    url = reverse("dashboard:project-weights", args=[project.slug])
    response = desk.post(url, {"role_resident": "1", "role_business-owner": "1",
                               "role_expert": "5", "unverified_weight": "0", "save": "",
                               "reason": "Experts matter here."})
    assert response.status_code == 302
    assert RoleWeight.objects.get(role=roles["expert"]).weight == 5
    assert AuditEntry.objects.get().reason == "Experts matter here."


@pytest.mark.quality("client-weight")
def test_frozen_weights_are_refused(desk, roles):
    project = project_make(phase="voting")
    url = reverse("dashboard:project-weights", args=[project.slug])
    response = desk.post(url, {"role_resident": "9", "role_business-owner": "1",
                               "role_expert": "2", "unverified_weight": "0", "save": ""})
    assert response.status_code == 400 and "frozen" in response.content.decode()
    assert RoleWeight.objects.count() == 0


def visibility_selected(page: str) -> list[str]:
    select = re.search(r'<select name="visibility".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="(\w+)"[^>]*\bselected\b', select)


def test_a_new_project_is_a_draft_until_a_planner_publishes_it(desk):
    page = desk.get(reverse("dashboard:project-new")).content.decode()
    selected = visibility_selected(page)
    assert selected == ["draft"]


def test_an_existing_project_keeps_its_visibility_in_the_form(desk):
    project = project_make(slug="public-one")
    page = desk.get(reverse("dashboard:project-edit", args=[project.slug])).content.decode()
    selected = visibility_selected(page)
    assert project.visibility == "public" and selected == ["public"]


def test_phase_dates_read_the_same_on_the_overview_and_the_public_page(desk, client):
    """In the site's time zone (Europe/Madrid, two hours ahead of UTC in May), and a phase
    that closes at midnight on 1 June runs until 31 May."""
    project = project_make(slug="dated", phase=None)
    project.phases.all().delete()
    madrid = ZoneInfo("Europe/Madrid")
    project.phases.create(kind="ideation", starts_at=datetime(2030, 5, 1, tzinfo=madrid),
                          ends_at=datetime(2030, 6, 1, tzinfo=madrid))
    overview = desk.get(reverse("dashboard:project", args=["dated"])).content.decode()
    public = client.get(reverse("proposals:project", args=["dated"])).content.decode()
    for page in (overview, public):
        shown = re.findall(r"<time datetime=\"([\d-]+)\">([^<]+)</time>", page)
        assert shown == [("2030-05-01", "1 May 2030"), ("2030-05-31", "31 May 2030")]
        assert "30 Apr" not in page and "1 Jun" not in page


def test_a_phase_closing_in_the_evening_includes_that_day():
    project = project_make(slug="evening", phase=None)
    phase = project.phases.get(kind="ideation")
    madrid = ZoneInfo("Europe/Madrid")
    phase.starts_at = datetime(2030, 5, 1, 0, 30, tzinfo=madrid)  # 22:30 UTC on 30 April
    phase.ends_at = datetime(2030, 5, 20, 18, 0, tzinfo=madrid)
    assert (phase.first_day, phase.last_day) == (date(2030, 5, 1), date(2030, 5, 20))
    assert str(phase).endswith("(2030-05-01 – 2030-05-20)")
