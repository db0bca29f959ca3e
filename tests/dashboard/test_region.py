"""The region's dashboard and its CSV report: each municipality's numbers are the ones
its own pages count, a replicated project stands beside its source, and only the
region's planners (and superusers) see any of it."""

import csv
import io
from datetime import date

import pytest
from django.utils import timezone

from core import tenancy
from dashboard.overview import project_overview
from dashboard.replication import project_replicate
from dashboard.selectors import projects_for_dashboard
from proposals.models import Project
from tests.dashboard.region_world import planner_of
from tests.factories import proposal_make, user_make

pytestmark = pytest.mark.django_db

PAGE = "/athens/dashboard/region/"
REPORT = "/athens/dashboard/region/report.csv"


@pytest.fixture
def regional(region_world):
    """Skopje's planner, a planner of the region too; Athens' population made small
    enough for its rates to show."""
    athens = region_world["athens"]
    athens.population = 800
    athens.save()
    return planner_of(region_world["skopje"], region=region_world["region"], name="ana")


def _own_numbers(municipality):
    """What Athens' own dashboard shows, read as a request to Athens reads it."""
    with tenancy.working_for(municipality):
        project = Project.objects.get(slug="synathina")
        totals = project_overview(project).totals
        received = sum(p.proposal_count for p in projects_for_dashboard())
    return totals, received


def test_each_municipality_shows_its_own_numbers(client, region_world, regional):
    totals, received = _own_numbers(region_world["athens"])
    assert (totals.proposals.received, totals.comments, totals.participants) == (2, 1, 2)
    client.force_login(regional)
    response = client.get(PAGE)
    assert response.status_code == 200
    rows = {row.municipality.slug: row for row in response.context["rows"]}
    assert set(rows) == {"athens", "skopje"}  # Lisbon is in another region
    athens = rows["athens"]
    assert athens.totals == totals
    assert athens.totals.proposals.received == received
    assert athens.projects_public == 1  # "other" is a draft
    assert str(athens.rates["participants"]) == "2.50"  # 2 people, 800 inhabitants
    assert rows["skopje"].totals.participants == 0


def test_the_report_is_the_same_table_as_csv(client, region_world, regional):
    client.force_login(regional)
    response = client.get(REPORT)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="region-balkans-{timezone.localdate():%Y-%m-%d}.csv"')
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    header, athens = lines[0], lines[1]
    row = dict(zip(header, athens, strict=True))
    assert row["Municipality"] == "Athens"
    assert (row["Population"], row["Public projects"], row["Proposals received"],
            row["Public proposals"], row["Comments"], row["Votes"], row["Participants"],
            row["Participants per 1,000"]) == ("800", "1", "2", "2", "1", "0", "2", "2.50")


def test_a_replica_stands_beside_its_source(client, region_world, regional):
    copy = project_replicate(planner=regional, project=region_world["project"],
                             to=region_world["skopje"], starts_on=date(2027, 3, 1))
    proposal_make(copy, user_make("skopjanka"), title="Clean the river bank",
                  status="implemented", official_answer="Done.")
    client.force_login(regional)
    [group] = client.get(PAGE).context["groups"]
    assert [(c.municipality.slug, c.project.pk) for c in group] == [
        ("athens", region_world["project"].pk), ("skopje", copy.pk)]
    assert [(c.accepted, c.implemented, c.totals.participants) for c in group] == [
        (1, 0, 2), (0, 1, 1)]
    assert [c.phase_label for c in group] == ["Ideation: proposals open", "Not started"]
    lines = client.get(REPORT).content.decode()
    assert "SynAthina,Skopje,SynAthina,Replica,Not started,1,1,0,0,1,0,1" in lines


def test_the_navigation_links_it_for_the_regions_planners_only(client, region_world,
                                                               regional):
    client.force_login(regional)
    assert f'href="{PAGE}"' in client.get("/athens/dashboard/projects/").content.decode()
    client.force_login(planner_of(region_world["athens"], name="athens-only"))
    assert f'href="{PAGE}"' not in client.get("/athens/dashboard/projects/").content.decode()


@pytest.mark.parametrize("url", [PAGE, REPORT])
def test_others_are_refused(client, region_world, url):
    assert client.get(url).status_code == 302  # to log in
    for user in (planner_of(region_world["athens"], name="athens-only"),
                 planner_of(region_world["lisbon"], region=region_world["lisbon"].region,
                            name="lisbon-regional"),
                 user_make("athenian")):
        client.force_login(user)
        assert client.get(url).status_code == 403, user.username


def test_superusers_see_it_and_a_municipality_in_no_region_has_none(client, region_world):
    client.force_login(user_make("root", is_superuser=True))
    assert client.get(PAGE).status_code == 200
    assert client.get("/dashboard/region/").status_code == 404  # the default one


def test_names_that_start_a_formula_are_neutralised_in_the_report(client, region_world,
                                                                  regional):
    athens = region_world["athens"]
    athens.name = "=HYPERLINK(\"http://evil\")"
    athens.save()
    client.force_login(regional)
    lines = list(csv.reader(io.StringIO(client.get(REPORT).content.decode())))
    assert lines[1][0] == "'=HYPERLINK(\"http://evil\")"
