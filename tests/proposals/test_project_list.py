"""The project page's list: one state with the map (filters, the map's view, the page),
read from the URL by the page and by the list alone (proposals:project-list)."""

import pytest
from django.urls import reverse

from tests.factories import project_make, proposal_make

pytestmark = pytest.mark.django_db

WEST = {"type": "Point", "coordinates": [2.12, 41.38]}
EAST = {"type": "Point", "coordinates": [2.20, 41.42]}
WEST_BBOX = "2.100000,41.350000,2.150000,41.400000"


@pytest.fixture
def project(db):
    return project_make()


@pytest.fixture
def three(project, citizen):
    return {
        "west-green": proposal_make(project, citizen, title="West green", geometry=WEST),
        "west-bike": proposal_make(project, citizen, title="West bike", geometry=WEST,
                                   category="mobility"),
        "east-green": proposal_make(project, citizen, title="East green", geometry=EAST),
    }


def part(client, project, **query):
    return client.get(reverse("proposals:project-list", args=[project.slug]), query)


def test_the_list_keeps_to_the_maps_view(client, project, three):
    html = part(client, project, bbox=WEST_BBOX).content.decode()
    assert "West green" in html and "West bike" in html and "East green" not in html
    assert "2 of 3 proposals, in the map's view" in html


def test_the_list_shows_everything_when_told_not_to_keep_to_the_map(client, project, three):
    html = part(client, project, bbox=WEST_BBOX, in_view="0").content.decode()
    assert "East green" in html
    assert "3 of 3 proposals" in html and "in the map" not in html


def test_the_plain_forms_unticked_box_is_heard_and_its_ticked_box_too(client, project, three):
    url = reverse("proposals:project", args=[project.slug])
    # The form sends a hidden 0 before its checkbox: unticked, only the 0 arrives.
    unticked = client.get(f"{url}?bbox={WEST_BBOX}&in_view=0").content.decode()
    ticked = client.get(f"{url}?bbox={WEST_BBOX}&in_view=0&in_view=on").content.decode()
    assert "East green" in unticked
    assert "East green" not in ticked


def test_filters_and_the_maps_view_combine(client, project, three):
    html = part(client, project, bbox=WEST_BBOX, category="mobility").content.decode()
    assert "West bike" in html and "West green" not in html and "East green" not in html
    assert "1 of 3 proposals" in html


def test_the_list_counts_only_what_the_reader_may_see(client, project, three, citizen):
    proposal_make(project, citizen, title="Hidden one", is_hidden=True,
                  hidden_reason="Spam.")
    html = part(client, project).content.decode()
    assert "3 of 3 proposals" in html and "Hidden one" not in html


@pytest.mark.quality("damaged-links")
def test_the_list_alone_refuses_a_bbox_that_does_not_parse(client, project, three):
    for bad in ("1,2,3", "2.2,41.4,2.1,41.3", "a,b,c,d", "0,0,0,inf"):
        answer = part(client, project, bbox=bad)
        assert answer.status_code == 400, bad
        assert b"bbox" in answer.content


@pytest.mark.quality("damaged-links")
def test_the_page_opens_a_damaged_link_with_the_rest_of_its_state(client, project, three):
    url = reverse("proposals:project", args=[project.slug])
    answer = client.get(url, {"bbox": "not,a,bbox", "category": "mobility"})
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "West bike" in html and "West green" not in html


def test_the_list_of_an_unlisted_or_draft_project_is_404_without_its_link(client):
    draft = project_make("draft-one", visibility="draft")
    assert part(client, draft).status_code == 404
    unlisted = project_make("unlisted-one", visibility="unlisted")
    assert part(client, unlisted).status_code == 404
    assert part(client, unlisted, key=unlisted.link_key).status_code == 200


def test_the_pages_of_the_list_keep_its_filters_and_view(client, project, citizen):
    for i in range(25):
        proposal_make(project, citizen, title=f"Idea {i}", geometry=WEST, category="mobility")
    proposal_make(project, citizen, title="Far away", geometry=EAST, category="mobility")
    html = part(client, project, bbox=WEST_BBOX, category="mobility").content.decode()
    path = reverse("proposals:project", args=[project.slug])
    assert (f'href="{path}?category=mobility&amp;bbox=2.100000%2C41.350000%2C2.150000'
            f'%2C41.400000&amp;page=2"') in html
    second = part(client, project, bbox=WEST_BBOX, category="mobility",
                  page="2").content.decode()
    assert "25 of 26 proposals" in second and "Far away" not in second


def count_queries(client, url: str, query: dict) -> tuple[str, int]:
    """The page's HTML and how many of its queries counted proposals."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        html = client.get(url, query).content.decode()
    return html, sum(1 for q in captured.captured_queries
                     if q["sql"].startswith("SELECT COUNT(*)") and "proposals_proposal" in q["sql"])


@pytest.mark.quality("crowded-map-counts")
@pytest.mark.parametrize("order", ["", "most_commented", "most_supported"])
def test_a_list_of_every_proposal_counts_them_once(client, project, three, order):
    """A busy project's proposals are counted once for the page, not twice (the total and
    the list's own count are the same number when nothing narrows the list)."""
    url = reverse("proposals:project", args=[project.slug])
    html, counts = count_queries(client, url, {"order": order} if order else {})
    assert "3 of 3 proposals" in html
    assert counts == 1
    # Narrowed, the list has its own count: two, and both right.
    html, counts = count_queries(client, url, {"bbox": WEST_BBOX})
    assert "2 of 3 proposals, in the map's view" in html and counts == 2
    html, counts = count_queries(client, url, {"bbox": WEST_BBOX, "in_view": "0",
                                               "category": "mobility"})
    assert "1 of 3 proposals" in html and counts == 2
