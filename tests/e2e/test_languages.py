"""A visitor reads Plaza in their browser's language: the interface and the city's own
texts (a project's title and description, its categories), with English where the city
wrote none; the propose page and the planners' dashboard too."""

import re

import pytest
from playwright.sync_api import expect

from proposals.models import Category, Project
from tests.factories import PASSWORD, project_make, user_make

pytestmark = pytest.mark.browser

TEXTS = {
    "ca": {"title": "Superilla de Sant Antoni", "category": "Verd i ombra",
           "propose": "Fes una proposta", "send": "Envia la meva proposta",
           "log_in_first": "Inicia la sessió per fer una proposta.",
           "dashboard": "Tauler del personal tècnic", "title_label": "Títol"},
    "es": {"title": "Supermanzana de Sant Antoni", "category": "Verde y sombra",
           "propose": "Haz una propuesta", "send": "Envía mi propuesta",
           "log_in_first": "Inicia sesión para hacer una propuesta.",
           "dashboard": "Panel del personal técnico", "title_label": "Título"},
}


def translated_project() -> Project:
    project = project_make("sant-antoni", title="Sant Antoni superblock",
                           description="Streets for people.")
    Project.objects.filter(pk=project.pk).update(
        title_ca=TEXTS["ca"]["title"], title_es=TEXTS["es"]["title"],
        description_ca="Carrers per a la gent.")
    green = Category.objects.filter(project=project, slug="green")
    green.update(name_ca=TEXTS["ca"]["category"], name_es=TEXTS["es"]["category"])
    return project


def log_in(page, username: str) -> None:
    """By the form, whatever language its button speaks."""
    page.goto("/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


@pytest.mark.parametrize("language", ["ca", "es"])
def test_a_visitor_reads_the_project_and_proposes_in_their_language(
        new_page, transactional_db, language):
    project = translated_project()
    user_make("marta")
    texts = TEXTS[language]
    page = new_page(locale=f"{language}-ES", viewport={"width": 1200, "height": 900})
    page.goto(f"/projects/{project.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_text(texts["title"])
    # No Spanish description: the English one, never a blank.
    description = {"ca": "Carrers per a la gent.", "es": "Streets for people."}[language]
    expect(page.get_by_text(description)).to_be_visible()
    expect(page.locator("select[name=category] option", has_text=texts["category"]))\
        .to_have_count(1)
    expect(page.get_by_text(texts["log_in_first"])).to_be_visible()
    expect(page.get_by_text("Sant Antoni superblock")).to_have_count(0)

    log_in(page, "marta")
    page.goto(f"/projects/{project.slug}/")
    page.get_by_role("link", name=texts["propose"]).click()
    expect(page.get_by_role("button", name=texts["send"])).to_be_visible()
    expect(page.get_by_label(re.compile(f"^{texts['title_label']}"))).to_be_visible()
    expect(page.locator("select[name=category] option", has_text=texts["category"]))\
        .to_have_count(1)


@pytest.mark.parametrize("language", ["ca", "es"])
def test_a_planner_runs_the_dashboard_in_their_language(new_page, transactional_db,
                                                        language):
    translated_project()
    user_make("pau", planner=True)
    texts = TEXTS[language]
    page = new_page(locale=f"{language}-ES", viewport={"width": 1200, "height": 900})
    log_in(page, "pau")
    page.goto("/dashboard/")
    expect(page.locator("h1")).to_have_text(texts["dashboard"])
    expect(page.get_by_role("link", name=texts["title"])).to_be_visible()


def test_an_english_visitor_reads_the_english_title(new_page, transactional_db):
    project = translated_project()
    page = new_page(locale="en-GB", viewport={"width": 390, "height": 844})
    page.goto(f"/projects/{project.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Sant Antoni superblock")
    expect(page.get_by_text("Log in to make a proposal.")).to_be_visible()
    expect(page.get_by_text(TEXTS["ca"]["title"])).to_have_count(0)
