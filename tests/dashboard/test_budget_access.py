"""Who opens the participatory budget's pages: planners of the municipality all of them;
a project's assessors (who are no planners) its assessments and nothing else of the
dashboard; visitors are sent to log in; everyone else is refused, and nothing changes."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from municipalities.models import Municipality
from tests.budget_factories import budget_project_make
from tests.factories import project_make, proposal_make, user_make
from voting.budget_models import Assessment, Assessor

pytestmark = pytest.mark.django_db

PLANNERS_ONLY = ("project-budget", "project-assessors", "project-outcomes")


@pytest.fixture
def made():
    made = budget_project_make(phase="ideation")
    made.benches = made.proposals["Benches"]
    made.assessor = user_make("expert-eva")
    Assessor.objects.create(project=made.project, user=made.assessor)
    return made


def _urls(made) -> dict[str, str]:
    slug = made.project.slug
    return {"project-budget": reverse("dashboard:project-budget", args=[slug]),
            "project-assessors": reverse("dashboard:project-assessors", args=[slug]),
            "project-outcomes": reverse("dashboard:project-outcomes", args=[slug]),
            "project-assessments": reverse("dashboard:project-assessments", args=[slug]),
            "proposal-assessment": reverse("dashboard:proposal-assessment",
                                           args=[made.benches.pk])}


def _attempt(made) -> dict:
    """What each POST would change if it got through."""
    pk = made.benches.pk
    return {"method": "votes", "city": "5", "min_projects": "1", "currency": "USD",
            "rule": "greedy", "save": "1", "who": made.author.username,
            f"p{pk}-cost": "1", f"p{pk}-feasibility": "unfeasible",
            f"p{pk}-unfeasible_reason": "No."}


def _state(made):
    return (AuditEntry.objects.count(), list(Assessor.objects.values_list("user", flat=True)),
            list(Assessment.objects.values_list("cost", "feasibility")))


def test_anonymous_visitors_are_sent_to_log_in(client, made):
    for name, url in _urls(made).items():
        for response in (client.get(url), client.post(url, _attempt(made))):
            assert response.status_code == 302, name
            assert response["Location"].startswith("/accounts/login/"), name


def test_citizens_are_refused_and_nothing_changes(client, made, citizen):
    before = _state(made)
    client.force_login(citizen)
    for name, url in _urls(made).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url, _attempt(made)).status_code == 403, name
    assert _state(made) == before


def test_an_assessor_opens_the_assessments_of_their_project_only(client, made):
    client.force_login(made.assessor)
    urls = _urls(made)
    page = client.get(urls["project-assessments"])
    assert page.status_code == 200
    assert 'class="dash-nav"' not in page.content.decode()  # no tabs to refused pages
    assert client.get(urls["proposal-assessment"]).status_code == 200
    before = _state(made)
    for name in PLANNERS_ONLY:
        assert client.get(urls[name]).status_code == 403, name
        assert client.post(urls[name], _attempt(made)).status_code == 403, name
    assert _state(made) == before
    for other in ("index", "projects", "audit", "moderation", "roles"):
        assert client.get(reverse(f"dashboard:{other}")).status_code == 403, other
    for other in ("project", "project-edit", "project-weights", "project-proposals"):
        assert client.get(reverse(f"dashboard:{other}", args=[made.project.slug])
                          ).status_code == 403, other


def test_an_assessor_of_another_project_is_refused(client, made):
    other = project_make("elsewhere")
    someone = user_make("expert-oriol")
    Assessor.objects.create(project=other, user=someone)
    client.force_login(someone)
    before = _state(made)
    urls = _urls(made)
    for name in ("project-assessments", "proposal-assessment"):
        assert client.get(urls[name]).status_code == 403, name
        assert client.post(urls[name], _attempt(made)).status_code == 403, name
    # A project that does not exist is refused alike: a slug cannot be probed.
    assert client.get(reverse("dashboard:project-assessments",
                              args=["no-such-project"])).status_code == 403
    assert _state(made) == before


def test_planners_of_another_municipality_are_refused(client, made):
    girona = Municipality.objects.create(slug="girona", name="Girona")
    planner = user_make(planner=True)
    planner.planner_municipality = girona
    planner.save(update_fields=["planner_municipality"])
    client.force_login(planner)
    before = _state(made)
    for name, url in _urls(made).items():
        # Here their permissions do not apply; in Girona the project does not exist.
        assert client.get(url).status_code == 403, name
        assert client.post(url, _attempt(made)).status_code == 403, name
        # (A form's POST-only address opened by GET sends to its page, which is a 404.)
        assert client.get(f"/girona{url}").status_code == (
            302 if name in PLANNERS_ONLY[1:] else 404), name
        assert client.post(f"/girona{url}", _attempt(made)).status_code == 404, name
    assert _state(made) == before


def test_hidden_and_unpublished_proposals_have_no_assessment_page(client, made):
    hidden = proposal_make(made.project, made.author, title="Hidden", is_hidden=True,
                           hidden_reason="Off topic.")
    waiting = proposal_make(made.project, made.author, title="Waiting", status="submitted")
    client.force_login(made.planner)
    for proposal in (hidden, waiting):
        url = reverse("dashboard:proposal-assessment", args=[proposal.pk])
        assert client.get(url).status_code == 404
    page = client.get(_urls(made)["project-assessments"]).content.decode()
    assert "Hidden" not in page and "Waiting" not in page
    client.force_login(made.assessor)
    assert client.get(reverse("dashboard:proposal-assessment",
                              args=[hidden.pk])).status_code == 403


def test_an_assessor_finds_the_assessments_from_their_profile(client, made, citizen):
    made.project.title = "<b>Budget</b> 2027"
    made.project.save(update_fields=["title"])
    client.force_login(made.assessor)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Proposals you assess" in page
    assert f'href="{_urls(made)["project-assessments"]}"' in page
    assert "&lt;b&gt;Budget&lt;/b&gt; 2027" in page and "<b>Budget" not in page
    client.force_login(citizen)
    assert "Proposals you assess" not in client.get(reverse("accounts:profile")).content.decode()
