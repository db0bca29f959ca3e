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
    # Loaded, not loading: "Loading proposals…" is no longer the total either.
    expect(page.locator("[data-map-status]")).to_have_text(
        re.compile(rf"^(?!{total} )\d+ proposals? in view\.$"))
    shown = int(node.get_attribute("data-loaded"))
    assert 0 < shown < total
    if node.get_attribute("data-clustered") == "true":
        assert sum(bubble_counts(page)) == shown


# Each bubble's box and its number's box (a Range over the text).
BUBBLE_BOXES = """nodes => nodes.map(n => {
  const box = n.getBoundingClientRect();
  const range = document.createRange();
  range.selectNodeContents(n);
  const text = range.getBoundingClientRect();
  return { box: [box.left, box.top, box.width, box.height],
           text: [text.left, text.top, text.width, text.height] };
})"""


@pytest.mark.quality("crowded-map-counts")
@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_bubbles_number_is_in_its_middle_and_no_bubble_is_wider_than_its_cell(
        new_page, transactional_db, device):
    """A city of millions of proposals has bubbles of 100,000 and more: each number stands
    whole in the middle of its bubble, and a bubble is no wider than a cell of the grid
    (where the proposals are dense, as there, the cells' bubbles stand a cell apart: a
    wider one would cover the next one's number)."""
    from proposals.clusters import CELL_PIXELS

    BUSIER = 20_000
    project = project_make("busy")
    total = CLUSTER_THRESHOLD + 300
    many(project, user_make("author"), total)
    page = new_page(**device)

    def thousandfold(route):
        # The server's own cells where they are, with the counts of a city 20,000 times
        # as busy (numbers of five and six digits).
        response = route.fetch()
        data = response.json()
        for feature in data["features"]:
            feature["properties"]["count"] *= BUSIER
        data["numberMatched"] *= BUSIER
        route.fulfill(response=response, json=data)

    page.route("**/proposals/clusters/**", thousandfold)
    page.goto(f"/projects/{project.slug}/")
    show_map(page)
    expect(page.locator("#map")).to_have_attribute("data-loaded", str(total * BUSIER))
    bubbles = page.locator(".map-bubble").evaluate_all(BUBBLE_BOXES)
    assert sum(bubble_counts(page)) == total * BUSIER
    assert max(bubble_counts(page)) >= 100_000
    for bubble in bubbles:
        (bx, by, bw, bh), (tx, ty, tw, th) = bubble["box"], bubble["text"]
        assert bw <= CELL_PIXELS and bh <= CELL_PIXELS, bubble
        assert abs((tx + tw / 2) - (bx + bw / 2)) <= 1.5, bubble
        assert abs((ty + th / 2) - (by + bh / 2)) <= 1.5, bubble
        assert bx < tx and tx + tw < bx + bw and by < ty and ty + th < by + bh, bubble
