"""The demo: Barcelona, Cambridge and Prague in one region, personas, roles, verified claims,
the projects and their proposals; loading twice changes nothing."""

import pytest
from django.contrib.auth import authenticate
from django.contrib.gis.geos import Point
from django.core.management import CommandError, call_command

from accounts.models import RoleClaim, StakeholderRole, User
from accounts.selectors import voting_weight_resolve
from demo.districts import districts_read
from demo.loader import demo_load
from demo.neighbourhoods import DATA_DIR, PROJECT_SLUG
from demo.people import DEMO_PASSWORD, PERSONAS
from proposals.geometry import geometry_clean
from proposals.models import Category, Comment, Phase, Project, Proposal, Visibility

pytestmark = pytest.mark.django_db


def barcelona_project(slug: str) -> Project:
    """Barcelona's project (a replica in Cambridge may share its slug)."""
    return Project.objects.get(slug=slug, municipality__slug="barcelona")

PLACA_DE_CATALUNYA = Point(2.1700, 41.3870, srid=4326)


@pytest.fixture(scope="module")
def districts():
    return districts_read(DATA_DIR / "districtes.zip")


def test_the_demo_has_each_persona_with_its_verified_role(settings):
    demo_load()
    personas = {p.username for p in PERSONAS}
    assert personas <= set(User.objects.values_list("username", flat=True))
    expert = User.objects.get(username="expert")
    assert voting_weight_resolve(user=expert).role.slug == "expert"
    assert voting_weight_resolve(user=User.objects.get(username="citizen")).role is None
    planner = User.objects.get(username="planner")
    assert planner.is_planner and not planner.is_superuser
    assert authenticate(username="resident", password=DEMO_PASSWORD) is not None


def _counts():
    from gisdata.models import Dataset, Feature, Layer
    from municipalities.models import Area, Municipality, Region

    return (User.objects.count(), StakeholderRole.objects.count(), RoleClaim.objects.count(),
            Project.objects.count(), Proposal.objects.count(), Category.objects.count(),
            Phase.objects.count(), Comment.objects.count(), Municipality.objects.count(),
            Region.objects.count(), Area.objects.count(), Dataset.objects.count(),
            Layer.objects.count(), Feature.objects.count())


def test_loading_the_demo_twice_creates_nothing_more():
    demo_load()
    counts = _counts()
    demo_load()
    assert counts == _counts()
    # Five projects (Cambridge's replica of Barcelona's among them): 40 + 8 + 5
    # proposals and Prague's three sharing options, eleven discussions of 22 comments
    # and replies.
    assert (counts[3], counts[4], counts[7]) == (5, 56, 22)
    originals = Project.objects.filter(replicated_from__isnull=True)
    # Of the four made here: 5 + 4 + 2 + 1 categories, 4 + 4 + 4 + 4 phases.
    assert Category.objects.filter(project__in=originals).count() == 12
    assert Phase.objects.filter(project__in=originals).count() == 16
    # Three municipalities of one region; 10 districts and 73 neighbourhoods; 8 datasets.
    assert counts[8:13] == (3, 1, 83, 8, 8)


def test_the_command_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_the_demo_data_carries_its_attribution():
    attribution = (DATA_DIR / "ATTRIBUTION.md").read_text()
    assert "Open Data BCN" in attribution and "CC BY 4.0" in attribution
    assert (DATA_DIR / "districtes.zip").exists()


def test_district_names_keep_their_accents(districts):
    names = {name for name, _ in districts}
    assert len(names) == 10
    assert {"Sants-Montjuïc", "Gràcia", "Sarrià-Sant Gervasi", "Horta-Guinardó"} <= names


def test_the_project_is_public_on_the_ten_districts_and_voting_on_its_budget(districts):
    demo_load()
    project = barcelona_project(PROJECT_SLUG)
    assert project.visibility == Visibility.PUBLIC
    assert project.area.geom_type == "MultiPolygon"
    assert project.area.srid == 4326 and project.area.valid
    assert project.area.covers(PLACA_DE_CATALUNYA)
    for name, district in districts:  # the union loses no district
        assert project.area.covers(district.point_on_surface), name
    assert project.current_phase().kind == "voting"  # ideation is over (budget_vote.py)
    assert [p.kind for p in project.phases.all()] == [
        "ideation", "voting", "decision", "implementation"]
    colors = set(project.categories.values_list("color", flat=True))
    assert len(colors) == project.categories.count() == 5


def test_the_proposals_cover_every_shape_category_and_most_districts(districts):
    demo_load()
    project = barcelona_project(PROJECT_SLUG)
    proposals = list(project.proposals.select_related("author", "category"))
    assert len(proposals) >= 36
    for kind in ("Point", "LineString", "Polygon"):
        assert sum(p.geometry.geom_type == kind for p in proposals) >= 12, kind
    assert {p.category.slug for p in proposals} == set(
        project.categories.values_list("slug", flat=True))
    assert {p.author.username for p in proposals} == {"citizen", "resident", "business",
                                                      "expert"}
    assert len({p.title for p in proposals}) == len(proposals)
    touched = {name for name, district in districts
               if any(district.intersects(p.geometry) for p in proposals)}
    assert len(touched) >= 6, touched
    for proposal in proposals:
        assert project.area.covers(proposal.geometry), proposal.title
        # what the site would accept from a user's map, unchanged
        geometry_clean(proposal.geometry.json, area=project.area)
        if proposal.geometry.geom_type == "LineString":
            assert proposal.geometry.num_points <= 200


def test_the_proposals_name_real_places_with_their_accents():
    demo_load()
    titles = " ".join(Proposal.objects.values_list("title", flat=True))
    assert any(ch in titles for ch in "àèéíòóúïüç"), titles
    assert "{place}" not in titles


def test_the_demo_has_a_project_in_voting_where_weights_change_the_ranking(client):
    from voting.models import Vote
    from voting.selectors import ranking_queryset, results_visible

    demo_load()
    project = barcelona_project("sant-antoni-superblock")
    assert project.current_phase().kind == "voting"
    for persona in ("resident", "business"):
        assert Vote.objects.filter(user__username=persona, proposal__project=project).exists()
    rows = list(ranking_queryset(project))
    assert len(rows) == 8
    assert any(r.rank_weighted != r.rank_equal for r in rows)
    html = client.get(f"/projects/{project.slug}/results/").content.decode()
    assert "Where the weights changed the outcome" in html
    assert results_visible(User.objects.get(username="citizen"), project)


def test_the_demo_imports_its_layers_and_a_flood_zone_informs_cambridge_proposals():
    import json

    from demo.layers import flood_zone_point
    from demo.riverside import RIVERSIDE
    from gisdata.models import Layer
    from proposals import services
    from proposals.models import Project

    demo_load()
    layers = dict(Layer.objects.filter(is_published=True).values_list("title",
                                                                       "feature_count"))
    assert layers == {"Barcelona districts": 10, "Barcelona neighbourhoods": 73,
                      "Barcelona bike lanes": 247, "Barcelona drinking fountains": 1988,
                      "Cambridge neighbourhoods": 13, "Cambridge 100-year flood zones": 21,
                      "Cambridge streets": 401, "Bubeneč buildings": 144}
    project = Project.objects.get(slug=RIVERSIDE)
    assert project.current_phase().kind == "ideation"
    proposal = services.proposal_create(
        project=project, author=User.objects.get(username="citizen"), title="Swings",
        body="By the river.", category="play", geometry=json.loads(flood_zone_point().json))
    assert "100-year flood zone" in proposal.constraint_feedback[0]["message"]
    demo_load()  # once more: nothing imported twice
    assert Layer.objects.count() == 8


@pytest.mark.parametrize("slug, home", [("barcelona", "/"), ("cambridge", "/cambridge/")])
def test_the_first_project_on_each_home_page_has_ideas_and_discussions(client, slug, home):
    from core.tenancy import working_for
    from municipalities.models import Municipality
    from proposals.selectors import projects_listed

    demo_load()
    html = client.get(home).content.decode()
    with working_for(Municipality.objects.get(slug=slug)):
        listed = list(projects_listed(user=User()))
    first = listed[0]
    assert all(html.index(first.title) < html.index(p.title) for p in listed[1:])
    assert first.proposals.filter(status="published").count() >= 5
    assert Comment.objects.filter(proposal__project=first, parent__isnull=False).exists()


def test_cambridge_leads_with_the_riverside_ideas_its_planner_answers(client):
    from demo.riverside import RIVERSIDE

    demo_load()
    first = Project.objects.get(slug=RIVERSIDE)
    # One idea lies in the flood zone: its author was told so while drawing.
    splash = first.proposals.get(title="Splash pad at Magazine Beach")
    assert "100-year flood zone" in splash.constraint_feedback[0]["message"]
    page = client.get(f"/cambridge/proposals/{splash.pk}/").content.decode()
    assert "would a splash pad survive that?" in page and "Casey Cambridge" in page


def test_demo_discussions_are_personas_comments_and_replies_with_notifications():
    from notifications.models import Event

    demo_load()
    comments = list(Comment.objects.select_related("proposal__author", "author"))
    assert {c.author.username for c in comments} <= {p.username for p in PERSONAS}
    assert {c.author.username for c in comments} >= {"citizen", "resident", "business",
                                                     "expert", "planner"}
    replies = [c for c in comments if c.parent_id]
    assert len(replies) >= 8
    assert all(r.parent.parent_id is None and r.created_at > r.parent.created_at
               for r in replies)
    assert all(c.created_at > c.proposal.created_at for c in comments)
    assert {c.proposal.project.slug for c in comments} == set(
        Project.objects.values_list("slug", flat=True))
    # Each comment is an event, as on the site: its author's followers hear of it.
    others = [c for c in comments if c.author_id != c.proposal.author_id]
    assert sorted(Event.objects.filter(kind="comment_posted").values_list(
        "comment_id", flat=True)) == sorted(c.pk for c in comments)
    assert 0 < len(others) < len(comments)  # authors answer under their own proposals too
