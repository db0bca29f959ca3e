"""A proposal's picture shows on its page: the browser loads it from /media/."""

import pytest
from playwright.sync_api import expect

from tests.factories import picture_make, project_make, proposal_make, user_make

pytestmark = pytest.mark.browser


def test_a_visitor_sees_the_picture_of_a_proposal(new_page, transactional_db):
    proposal = proposal_make(project_make(), user_make("proposer"),
                             title="A fountain for Plaça del Sol")
    picture = picture_make(proposal, size=(320, 200), colour="teal")

    page = new_page()
    with page.expect_response(lambda r: r.url.endswith(picture.image.url)) as answer:
        page.goto(f"/proposals/{proposal.pk}/")
        image = page.get_by_role("img", name="Picture of the proposal")
        image.scroll_into_view_if_needed()  # the picture loads lazily
    assert answer.value.status == 200
    assert answer.value.headers["content-type"] == "image/jpeg"
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=image.element_handle())
    assert image.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [320, 200]
