"""Each municipality's face: its name, colour and tagline in the header, its name in the
page title, links to the other municipalities, and only its own languages."""

import re

import pytest
from django.conf import settings

from municipalities.models import Municipality
from municipalities.selectors import municipality_default

pytestmark = pytest.mark.django_db


@pytest.fixture
def default():
    municipality = municipality_default()
    municipality.name, municipality.slug = "Barcelona", "barcelona"
    municipality.colour, municipality.tagline = "#b3202a", "La ciutat que fem"
    municipality.save()
    return municipality


@pytest.fixture
def cambridge(default):
    return Municipality.objects.create(
        slug="cambridge", name="Cambridge", languages=["en"], colour="#1f6f5c",
        tagline="Shape your riverfront")


def header(html: str) -> str:
    return html[html.index("<header"):html.index("</header>")]


def footer(html: str) -> str:
    return html[html.index("<footer"):html.index("</footer>")]


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1)


def test_the_header_shows_the_served_municipality_s_name_colour_and_tagline(client,
                                                                             cambridge):
    html = client.get("/").content.decode()
    assert 'style="--municipality-colour: #b3202a"' in header(html)
    assert ">Barcelona</a>" in header(html) and "La ciutat que fem" in header(html)
    html = client.get("/cambridge/").content.decode()
    assert 'style="--municipality-colour: #1f6f5c"' in header(html)
    assert ">Cambridge</a>" in header(html) and "Shape your riverfront" in header(html)
    assert "Barcelona" not in header(html)


def test_the_page_title_names_the_municipality(client, cambridge):
    assert title(client.get("/").content.decode()) == f"Barcelona — {settings.SITE_NAME}"
    assert title(client.get("/cambridge/").content.decode()) == (
        f"Cambridge — {settings.SITE_NAME}")
    assert title(client.get("/cambridge/privacy/").content.decode()).endswith(
        f"— Cambridge — {settings.SITE_NAME}")


def test_a_deployment_of_one_city_named_as_the_site_keeps_its_title_and_no_switcher(client):
    municipality = municipality_default()
    municipality.name = settings.SITE_NAME
    municipality.save()
    html = client.get("/").content.decode()
    assert title(html) == settings.SITE_NAME
    assert 'class="municipalities"' not in html


def test_the_footer_links_every_municipality_s_home(client, cambridge):
    html = footer(client.get("/cambridge/privacy/").content.decode())
    links = re.findall(r'<nav class="municipalities"[^>]*>(.*?)</nav>', html, re.S)[0]
    assert re.findall(r'<a href="([^"]+)"( aria-current="true")?>([^<]+)</a>', links) == [
        ("/", "", "Barcelona"), ("/cambridge/", ' aria-current="true"', "Cambridge")]
    # A municipality with a host name of its own is linked there.
    cambridge.host = "participa.cambridge.example"
    cambridge.save()
    html = footer(client.get("/").content.decode())
    assert 'href="//participa.cambridge.example/"' in html


def test_a_colour_that_is_not_rrggbb_never_reaches_the_page(client, default):
    # An UPDATE skips the model's validation; this one would add a declaration.
    Municipality.objects.filter(pk=default.pk).update(colour="red;x:y")
    from municipalities import resolver

    resolver.forget()
    html = client.get("/").content.decode()
    assert "red;x:y" not in html
    assert 'style="--municipality-colour: #1f5f8b"' in header(html)


def test_the_name_and_tagline_are_escaped(client, default):
    default.name, default.tagline = "<b>Bad</b> city", "<img src=x onerror=alert(1)>"
    default.save()
    html = client.get("/").content.decode()
    assert "<b>Bad</b>" not in html and "<img src=x" not in html
    assert "&lt;b&gt;Bad&lt;/b&gt; city" in header(html)


def offered(html: str) -> list[str]:
    return re.findall(r'<option value="([a-z-]+)"', footer(html))


def language(html: str) -> str:
    return re.search(r'<html lang="([a-z-]+)"', html).group(1)


@pytest.fixture
def catalan_first(default):
    default.languages = ["ca", "es"]
    default.save()
    return default


def test_the_picker_offers_only_the_municipality_s_languages(client, catalan_first,
                                                            cambridge):
    assert offered(client.get("/").content.decode()) == ["ca", "es"]
    # One language: nothing to pick.
    html = client.get("/cambridge/").content.decode()
    assert offered(html) == [] and 'class="language-picker"' not in html


def test_a_visitor_with_no_choice_gets_the_municipality_s_first_language(client,
                                                                          catalan_first,
                                                                          cambridge):
    assert language(client.get("/").content.decode()) == "ca"
    assert language(client.get("/cambridge/").content.decode()) == "en"


def test_the_browser_s_language_counts_when_the_municipality_offers_it(client,
                                                                       catalan_first,
                                                                       cambridge):
    assert language(client.get("/", HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9").content
                    .decode()) == "es"
    assert language(client.get("/", HTTP_ACCEPT_LANGUAGE="fr, en;q=0.5").content
                    .decode()) == "ca"  # English is the site's, not Barcelona's here
    assert language(client.get("/cambridge/", HTTP_ACCEPT_LANGUAGE="ca").content
                    .decode()) == "en"


def test_a_language_chosen_but_not_offered_falls_back_to_the_first(client, catalan_first,
                                                                   cambridge):
    client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert language(client.get("/").content.decode()) == "es"
    assert language(client.get("/cambridge/").content.decode()) == "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert language(client.get("/").content.decode()) == "ca"


def test_a_municipality_with_no_list_offers_every_language_as_before(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="ca").content.decode()
    assert language(html) == "ca"
    assert offered(html) == [code for code, _name in settings.LANGUAGES]
    assert language(client.get("/").content.decode()) == settings.LANGUAGE_CODE
