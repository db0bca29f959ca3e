"""A region of two municipalities, Athens and Skopje (served by the /athens/ and
/skopje/ prefixes), a third one in another region, and Athens' project with everything
a replica copies or leaves behind: translated texts and categories, phases with a gap,
voting rules and weights, layer rules, proposals, comments and votes."""

from datetime import datetime
from decimal import Decimal

from django.contrib.gis.geos import MultiPolygon, Polygon
from django.utils import timezone

from accounts.groups import PLANNER_GROUP, ensure_planner_group
from gisdata.models import Constraint, Dataset, Layer
from municipalities.models import Municipality, Region
from proposals.models import Category, Phase, Project
from tests.factories import comment_make, proposal_make, role_make, user_make
from voting.models import ProjectVoting, RoleWeight

ATHENS_BOX = (23.70, 37.95, 23.78, 38.01)
SKOPJE_BOX = (21.38, 41.97, 21.48, 42.03)


def area(box) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox(box), srid=4326)


def local(*args) -> datetime:
    return timezone.make_aware(datetime(*args), timezone.get_current_timezone())


def planner_of(municipality=None, *, region=None, name=None, **fields):
    """A planner of `municipality` (None: of none), regional planner of `region`."""
    from django.contrib.auth.models import Group

    user = user_make(name, **fields)
    ensure_planner_group()
    user.groups.add(Group.objects.get(name=PLANNER_GROUP))
    user.is_staff = True
    user.planner_municipality = municipality
    user.planner_region = region
    user.save()
    return user


def layer_make(municipality, name: str, *, published=True, districts=False) -> Layer:
    dataset = Dataset.objects.create(municipality=municipality, name=name,
                                     slug=f"{municipality.slug}-{name}",
                                     source_url="https://example.org/layer.zip")
    layer = Layer.objects.create(dataset=dataset, name=name, title=name.title(),
                                 geometry_type="MultiPolygon", is_published=published,
                                 is_districts=districts)
    layer.refresh_from_db()
    return layer


def _athens_project(athens, citizens):
    project = Project(municipality=athens, slug="synathina", area=area(ATHENS_BOX),
                      visibility="public", moderate_before_publishing=True)
    project.title_en, project.title_ca, project.title_es = (
        "SynAthina", "SynAthina (ca)", "SynAthina (es)")
    project.description_en, project.description_ca = "Citizens' groups <b>act</b>.", "Grups."
    project.save()
    for position, (slug, name, name_ca, colour) in enumerate((
            ("green", "Green", "Verd", "#2e7d32"), ("culture", "Culture", "Cultura",
                                                    "#aa00aa")), start=1):
        Category.objects.create(project=project, slug=slug, name_en=name, name_ca=name_ca,
                                color=colour, position=position)
    ProjectVoting.objects.create(project=project, unverified_weight=Decimal("0.5"),
                                 results_public=True)
    roles = {slug: role_make(slug, "1", municipality=athens)
             for slug in ("resident", "business-owner", "expert")}
    RoleWeight.objects.create(project=project, role=roles["resident"], weight=Decimal("2"))
    RoleWeight.objects.create(project=project, role=roles["expert"], weight=Decimal("3"))
    # Ideation runs now (from 10 days ago, 09:30), a week's gap, then voting.
    start = timezone.localtime() - timezone.timedelta(days=10)
    start = start.replace(hour=9, minute=30, second=0, microsecond=0)
    plan = [("ideation", start, start + timezone.timedelta(days=20, hours=14, minutes=30)),
            ("voting", start + timezone.timedelta(days=27, hours=14, minutes=30),
             start + timezone.timedelta(days=41, hours=14, minutes=30))]
    for kind, begins, ends in plan:
        Phase.objects.create(project=project, kind=kind, starts_at=begins, ends_at=ends)
    idea = proposal_make(project, citizens[0], title="Clean the square")
    proposal_make(project, citizens[1], title="Accepted idea", status="accepted",
                  official_answer="We will do it.")
    comment_make(idea, citizens[1])
    return project, roles


def region_world_make() -> dict:
    network = Region.objects.create(slug="balkans", name="Balkan network")
    elsewhere = Region.objects.create(slug="iberia", name="Iberia")
    athens = Municipality.objects.create(slug="athens", name="Athens", region=network,
                                         area=area(ATHENS_BOX), population=640_000)
    skopje = Municipality.objects.create(slug="skopje", name="Skopje", region=network,
                                         area=area(SKOPJE_BOX), population=526_000)
    lisbon = Municipality.objects.create(slug="lisbon", name="Lisbon", region=elsewhere,
                                         area=area((-9.2, 38.7, -9.1, 38.8)))
    citizens = [user_make(f"athenian{i}") for i in range(2)]
    project, roles = _athens_project(athens, citizens)
    for slug in ("resident", "business-owner"):
        role_make(slug, "1", municipality=skopje)
    flood = layer_make(athens, "flood_zones")
    trees = layer_make(athens, "trees")
    heritage = layer_make(athens, "heritage")
    layer_make(skopje, "flood_zones")
    skopje_trees = layer_make(skopje, "trees")
    layer_make(skopje, "heritage", published=False)
    scoped = Constraint.objects.create(layer=flood, message_en="In flood zone {zone}",
                                       message_ca="En zona inundable {zone}",
                                       severity="blocking")
    scoped.projects.add(project)
    Constraint.objects.create(layer=trees, rule="within", distance_m=50,
                              message_en="Near a tree", severity="info")
    Constraint.objects.create(layer=skopje_trees, rule="within", distance_m=50,
                              message_en="Near a tree", severity="info")
    listed = Constraint.objects.create(layer=heritage, message_en="Listed building")
    listed.projects.add(project)
    other = Project.objects.create(municipality=athens, slug="other", title="Other",
                                   description="", area=area(ATHENS_BOX))
    elsewhere_rule = Constraint.objects.create(layer=flood, message_en="Other project's")
    elsewhere_rule.projects.add(other)
    return {"region": network, "athens": athens, "skopje": skopje, "lisbon": lisbon,
            "project": project, "roles": roles, "citizens": citizens, "other": other,
            "flood": flood, "trees": trees, "heritage": heritage}
