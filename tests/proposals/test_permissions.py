"""Who may do what in which phase, through the API: (persona) × (phase) × (action)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from proposals.models import Flag, Proposal
from tests.factories import POINT, project_make, proposal_make, user_make

pytestmark = pytest.mark.django_db

PHASES = [None, "ideation", "voting", "decision", "implementation"]
PERSONAS = ["anonymous", "citizen", "author", "planner"]
Y, N = True, False

# Expected outcome per action: persona → phases in which it is allowed.
ALLOWED = {
    "create": {"citizen": {"ideation"}, "author": {"ideation"}, "planner": {"ideation"}},
    "edit": {"author": {None, "ideation"}},
    "withdraw": {"author": {None, "ideation", "voting"}},
    "flag": {"citizen": set(PHASES), "planner": set(PHASES)},
    "hide": {"planner": set(PHASES)},
}


def perform(api, action, project, proposal):
    if action == "create":
        return api.post(reverse("api:project-proposals", args=[project.pk]), {
            "title": "New", "body": "Idea.", "category": "green", "geometry": POINT},
            format="json")
    if action == "edit":
        return api.patch(reverse("api:proposal-detail", args=[proposal.pk]),
                         {"title": "Changed"}, format="json")
    return api.post(reverse(f"api:proposal-{action}", args=[proposal.pk]),
                    {"reason": "Because."}, format="json")


def changed(action, proposal, before: int) -> bool:
    proposal.refresh_from_db()
    return {
        "create": Proposal.objects.count() > before,
        "edit": proposal.title == "Changed",
        "withdraw": proposal.status == "withdrawn",
        "flag": Flag.objects.filter(proposal=proposal).exists(),
        "hide": proposal.is_hidden,
    }[action]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.quality("another-users-row")
def test_permission_matrix(action, persona, phase):
    project = project_make(phase=phase)
    author = user_make("author")
    users = {"anonymous": None, "author": author, "citizen": user_make("someone"),
             "planner": user_make("planner", planner=True)}
    proposal = proposal_make(project, author)
    before = Proposal.objects.count()
    api = APIClient()
    api.force_authenticate(users[persona])
    response = perform(api, action, project, proposal)
    allowed = phase in ALLOWED[action].get(persona, set())
    if allowed:
        assert response.status_code in (200, 201, 204), response.content
    else:
        assert response.status_code in (401, 403), (response.status_code, response.content)
    assert changed(action, proposal, before) is allowed
