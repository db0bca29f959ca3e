"""The dashboard's forms that post to an action URL and come back with errors: the page
sent back keeps what the planner chose and the page they came from (as every form's
`next`), the corrected form lands on that page with its message, the change is made
once; the action URL opened by GET (a reload) sends to the page, never a bare 405."""

import re
import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from audit.models import AuditEntry
from gisdata.models import Constraint, ImportRun
from proposals.models import Flag, Proposal
from tests.dashboard.test_imports import layer_make, run_make
from tests.e2e.test_citizen_journey import log_in
from tests.factories import project_make, proposal_make, user_make
from tests.gisdata.test_layers import layer_make as map_layer_make

pytestmark = [pytest.mark.browser, pytest.mark.allow_failed(r"^400 POST .*/dashboard/")]


def planner_on(new_page, path):
    user_make("planner", planner=True)
    page = new_page()
    log_in(page, "planner")
    page.goto(path)
    return page


def sent_back(page, action, came_from, error):
    """The form came back with `error`, at its action URL; every form's `next` is the
    page it came from, and opening the action URL again by GET leads there."""
    expect(page.locator("main")).to_contain_text(error)
    assert page.url.endswith(action)
    nexts = page.locator("input[name=next]").evaluate_all("els => els.map(e => e.value)")
    assert nexts and {n.split("#")[0] for n in nexts} == {came_from}, nexts


def landed(page, path, message):
    expect(page.locator(".messages")).to_contain_text(message)
    assert page.url.split("#")[0].endswith(path), page.url


def reload_lands(page, action, path):
    page.goto(action)
    assert page.url.endswith(path), page.url


@pytest.mark.quality("form-retry")
def test_a_status_change_with_an_error_keeps_the_choice_and_is_made_once(
        new_page, worker_mail, transactional_db):
    author = user_make("aina")
    proposal = proposal_make(project_make("status-retry"), author)
    came_from = reverse("dashboard:project-proposals", args=["status-retry"]) + \
        "?status=published"
    page = planner_on(new_page, came_from)
    status = page.locator(f"#status-{proposal.pk}")
    status.select_option("accepted")
    page.get_by_role("button", name=f"Change the status of {proposal.title}").click()
    action = reverse("dashboard:proposal-status", args=[proposal.pk])
    sent_back(page, action, came_from, "answer")
    expect(status).to_have_value("accepted")  # the planner's choice, not the first one

    page.locator(f"#status-answer-{proposal.pk}").fill("We will plant them in spring.")
    page.get_by_role("button", name=f"Change the status of {proposal.title}").click()
    landed(page, came_from, "is now Accepted")
    assert Proposal.objects.get(pk=proposal.pk).status == "accepted"
    assert AuditEntry.objects.count() == 1
    deadline = time.monotonic() + 30
    while not worker_mail() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1)  # a second e-mail, were there one, would be sent by now
    assert [m["To"] for m in worker_mail()] == [author.email]
    reload_lands(page, action, came_from.split("?")[0])


@pytest.mark.quality("form-retry")
def test_an_answer_with_an_error_is_published_once(new_page, transactional_db):
    proposal = proposal_make(project_make("answer-retry"), user_make("aina"))
    came_from = reverse("dashboard:project-proposals", args=["answer-retry"])
    page = planner_on(new_page, came_from)
    answer = page.locator(f"#answer-{proposal.pk}")
    answer.fill("   ")
    page.get_by_role("button", name=f"Publish the answer on {proposal.title}").click()
    sent_back(page, reverse("dashboard:proposal-answer", args=[proposal.pk]), came_from,
              "required")
    answer.fill("We are studying it.")
    page.get_by_role("button", name=f"Publish the answer on {proposal.title}").click()
    landed(page, came_from, "is published")
    assert Proposal.objects.get(pk=proposal.pk).official_answer == "We are studying it."
    assert AuditEntry.objects.count() == 1


def hide(page, proposal):
    page.get_by_role("button", name=f"Hide {proposal.title}").first.click()
    page.locator(f"#confirm-proposal-{proposal.pk} [data-confirm-yes]").click()


@pytest.mark.quality("form-retry")
def test_a_moderation_with_an_error_hides_once(new_page, transactional_db):
    proposal = proposal_make(project_make("hide-retry"), user_make("aina"))
    Flag.objects.create(proposal=proposal, user=user_make("bernat"), reason="Spam")
    came_from = reverse("dashboard:moderation")
    page = planner_on(new_page, came_from)
    reason = page.locator(f"#reason-proposal-{proposal.pk}")
    reason.fill("   ")
    hide(page, proposal)
    action = reverse("dashboard:moderate-proposal", args=[proposal.pk])
    sent_back(page, action, came_from, "required")
    expect(reason).to_have_value("   ")
    reason.fill("Advertising.")
    hide(page, proposal)
    landed(page, came_from, "Hidden.")
    assert Proposal.objects.get(pk=proposal.pk).is_hidden
    assert AuditEntry.objects.count() == 1
    reload_lands(page, action, came_from)


@pytest.mark.quality("form-retry")
def test_a_constraint_with_an_error_keeps_its_values_and_is_added_once(
        new_page, transactional_db):
    layer = map_layer_make("fountains", published=False)
    came_from = reverse("dashboard:layer", args=[layer.pk])
    page = planner_on(new_page, came_from)
    page.locator("#id_new-rule").select_option("within")
    page.locator("#id_new-message").fill("Near a fountain")
    page.get_by_role("button", name="Add the constraint").click()
    action = reverse("dashboard:constraint-add", args=[layer.pk])
    sent_back(page, action, came_from, "distance")
    expect(page.locator("#id_new-rule")).to_have_value("within")
    expect(page.locator("#id_new-message")).to_have_value("Near a fountain")
    page.locator("#id_new-distance_m").fill("50")
    page.get_by_role("button", name="Add the constraint").click()
    landed(page, came_from, "The constraint is added.")
    assert Constraint.objects.get().distance_m == 50
    reload_lands(page, action, came_from)


@pytest.mark.quality("form-retry")
def test_an_import_retry_with_an_error_leaves_the_run_page_working(
        new_page, transactional_db):
    run = run_make(status="failed", layers=["a"], message="No coordinate system")
    layer = layer_make(run.dataset)
    came_from = reverse("dashboard:import-run", args=[run.pk])
    page = planner_on(new_page, came_from)
    page.get_by_label("EPSG code").fill("abc")
    page.get_by_role("button", name="Import again").click()
    action = reverse("dashboard:import-retry", args=[run.pk])
    sent_back(page, action, came_from, "EPSG")
    expect(page.get_by_label("EPSG code")).to_have_value("abc")
    # The page's other forms still lead back to it.
    page.get_by_role("button", name=f"Publish {layer.name}").click()
    landed(page, came_from, "is published")
    reload_lands(page, action, came_from)

    page.get_by_label("EPSG code").fill("abc")
    page.get_by_role("button", name="Import again").click()
    page.get_by_label("EPSG code").fill("25831")
    page.get_by_role("button", name="Import again").click()
    expect(page.locator(".messages")).to_contain_text("The import has started again.")
    again = ImportRun.objects.exclude(pk=run.pk).get()
    assert re.search(rf"/dashboard/imports/runs/{again.pk}/$", page.url)
