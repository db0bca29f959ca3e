"""A busy project's map: the server's bubbles count every proposal in view, exactly, and
a bubble is a button the keyboard opens, on a desktop and on a phone."""

import re

import pytest
from playwright.sync_api import expect

from proposals.clusters import CLUSTER_THRESHOLD
from tests.e2e.test_map_and_list import DESKTOP, PHONE, show_map
from tests.factories import AREA_BBOX, project_make, user_make
from tests.proposals.test_map_clusters import many

pytestmark = pytest.mark.browser


def bubble_counts(page) -> list[int]:
    labels = page.locator(".map-bubble").evaluate_all(
        "nodes => nodes.map(n => n.getAttribute('aria-label'))")
    counts = []
    for label in labels:
        match = re.fullmatch(r"(\d+) proposals?", label)
        assert match, label
        counts.append(int(match[1]))
    return counts


@pytest.mark.quality("crowded-map-counts")
@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_bubbles_add_up_to_every_proposal_and_enter_zooms_in(new_page, transactional_db,
                                                                  device):
    project = project_make("busy")
    total = CLUSTER_THRESHOLD + 300
    many(project, user_make("author"), total)
    page = new_page(**device)
    page.goto(f"/projects/{project.slug}/")
    show_map(page)
    node = page.locator("#map")
    expect(node).to_have_attribute("data-clustered", "true")
    expect(node).to_have_attribute("data-loaded", str(total))
    expect(page.locator("[data-map-status]")).to_have_text(f"{total} proposals in view.")
    counts = bubble_counts(page)
    assert len(counts) > 1 and sum(counts) == total

    # A bubble is a button named by its count; Enter zooms in to its proposals.
    first = page.get_by_role("button", name=re.compile(r"^\d+ proposals?$")).first
    expect(first).to_have_text(re.compile(r"^\d+$"))
    first.focus()
    page.keyboard.press("Enter")
    # The reader's move is kept in the URL: a view less than half as wide as the area.
    page.wait_for_function("""width => {
        const bbox = new URLSearchParams(location.search).get("bbox");
        return bbox && (b => b[2] - b[0])(bbox.split(",").map(Number)) < width / 2;
    }""", arg=AREA_BBOX[2] - AREA_BBOX[0])
    expect(page.locator("[data-map-status]")).not_to_have_text(f"{total} proposals in view.")
    shown = int(node.get_attribute("data-loaded"))
    assert 0 < shown < total
    if node.get_attribute("data-clustered") == "true":
        assert sum(bubble_counts(page)) == shown
