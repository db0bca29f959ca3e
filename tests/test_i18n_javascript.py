"""The map scripts' messages come out in Catalan for Catalan readers.

Their catalogue (locale/ca/LC_MESSAGES/djangojs.po) must hold every text the scripts
mark, translated, nothing fuzzy, and compiled; /jsi18n/ serves it as JavaScript, and
every page with a map script loads it first.
"""

import gettext
import re
import subprocess
from email.utils import formatdate
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import project_make, proposal_make
from tests.test_i18n_python import _entries

BASE = Path(settings.BASE_DIR)
PO = BASE / "locale" / "ca" / "LC_MESSAGES" / "djangojs.po"
SCRIPTS = sorted((BASE / "static" / "js").glob("plaza-*.js"))
CA = {"HTTP_ACCEPT_LANGUAGE": "ca"}


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A Catalan request leaves Catalan active in the thread; later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _catalogue(language: str = "ca") -> list[dict]:
    return [e for e in _entries(_po(language)) if e["msgid"]]


def _po(language: str) -> Path:
    return BASE / "locale" / language / "LC_MESSAGES" / "djangojs.po"


# ------------------------------------------------------------------------ the catalogue


@pytest.mark.parametrize("language", ["ca", "es"])
def test_the_scripts_catalogue_is_complete_and_nothing_is_fuzzy(language):
    PO = _po(language)
    entries = _catalogue(language)
    assert len(entries) > 20
    assert [e["msgid"] for e in entries if not all(e["msgstr"])] == []
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    header = PO.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header
    assert f'"Language: {language}\\n"' in header
    assert "nplurals=2" in header

    try:
        stats = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null",
                                str(PO)], capture_output=True, text=True, check=True,
                               timeout=30).stderr
    except FileNotFoundError:
        pytest.skip("msgfmt (gettext) is not installed")
    assert "fuzzy" not in stats and "untranslated" not in stats, stats


@pytest.mark.parametrize("language", ["ca", "es"])
def test_the_compiled_scripts_catalogue_is_up_to_date(language):
    """What /jsi18n/ sends is the .mo: a text translated in the .po but not compiled
    would reach Catalan or Spanish readers in English."""
    with _po(language).with_suffix(".mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in _catalogue(language):
        if entry["plural"] is None:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], (
                f"{entry['msgid']!r} is not compiled; run msgfmt")
        else:
            one, many = (compiled.ngettext(entry["msgid"], entry["plural"], n) for n in (1, 5))
            assert [one, many] == entry["msgstr"], f"{entry['msgid']!r} is not compiled"


def test_every_text_marked_in_the_scripts_is_in_the_catalogue(tmp_path):
    """xgettext reads the scripts as `makemessages -d djangojs` does: a text marked
    after the catalogue was last made would show in English to Catalan readers."""
    pot = tmp_path / "scripts.pot"
    try:
        subprocess.run(["xgettext", "--language=JavaScript", "--from-code=UTF-8",
                        "-o", str(pot), *[str(s.relative_to(BASE)) for s in SCRIPTS]],
                       cwd=BASE, check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        pytest.skip("xgettext (gettext) is not installed")
    in_code = {(e["msgid"], e["plural"]) for e in _entries(pot) if e["msgid"]}
    assert len(in_code) > 20
    for language in ("ca", "es"):
        in_catalogue = {(e["msgid"], e["plural"]) for e in _catalogue(language)}
        missing = sorted(msgid for msgid, _ in in_code - in_catalogue)
        assert not missing, (f"run makemessages -d djangojs -l {language} and translate: "
                             f"{missing}")


# What a script would show as it is, in English: a literal sentence given to the status
# line, to an element's text or to the layer control, not through gettext().
BARE_TEXT = re.compile(r"""(?:status\(|textContent\s*\+?=)\s*["'][A-Za-z(]""")


# A script that puts text on the page at all (the others only show or hide what the
# server rendered, already translated, such as plaza-confirm.js, or read their config,
# such as plaza-layer-preview.js).
# Reading an element's text (a page's JSON config) writes nothing.
WRITES_TEXT = re.compile(r"(?:textContent|innerText|innerHTML)\s*\+?=(?!=)|\bstatus\(|\.title\s*="
                         r"|alert\(")


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_script_shows_a_sentence_past_the_catalogue(script):
    source = script.read_text(encoding="utf-8")
    if WRITES_TEXT.search(source):
        assert "gettext(" in source
    assert BARE_TEXT.findall(source) == []


# ------------------------------------------------------------------------ /jsi18n/


@pytest.mark.django_db
def test_the_catalogue_answers_in_catalan_for_a_catalan_request(client):
    response = client.get(reverse("javascript-catalog"), **CA)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Content-Language"] == "ca"
    script = response.content.decode()
    assert '"Show the list": "Mostra la llista"' in script
    assert '"%(count)s propostes a la vista."' in script
    assert "django.pluralidx" in script and "globals.ngettext" in script
    # Only Plaza's texts: not the admin's calendar, which Django would add by default.
    assert "Gener" not in script and "Calendar" not in script
    # The bare address follows the request's language, so no browser may keep it.
    assert "max-age" not in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_the_catalogue_answers_in_spanish_for_a_spanish_request(client):
    response = client.get(reverse("javascript-catalog"), HTTP_ACCEPT_LANGUAGE="es")
    assert response["Content-Language"] == "es"
    script = response.content.decode()
    assert '"Show the list": "Muestra la lista"' in script
    assert "Mostra la llista" not in script


@pytest.mark.django_db
def test_the_catalogue_has_no_translations_for_an_english_request(client):
    response = client.get(reverse("javascript-catalog"))
    assert response.status_code == 200
    script = response.content.decode()
    assert "Mostra la llista" not in script
    assert "globals.gettext" in script  # the functions are there all the same


@pytest.mark.django_db
def test_the_language_in_the_address_decides_and_the_browser_may_keep_it(client):
    """After the picker switched to Catalan, a browser holding the English copy asks for
    another address: ?language=ca."""
    url = reverse("javascript-catalog")
    catalan = client.get(f"{url}?language=ca")  # an English request
    assert "Mostra la llista" in catalan.content.decode()
    assert catalan["Content-Language"] == "ca"
    assert "max-age=3600" in catalan["Cache-Control"]
    assert catalan["Last-Modified"]
    english = client.get(f"{url}?language=en", **CA)
    assert "Mostra la llista" not in english.content.decode()
    assert english["Content-Language"] == "en"

    again = client.get(f"{url}?language=ca", HTTP_IF_MODIFIED_SINCE=catalan["Last-Modified"])
    assert again.status_code == 304
    stale = formatdate(0, usegmt=True)
    assert client.get(f"{url}?language=ca", HTTP_IF_MODIFIED_SINCE=stale).status_code == 200

    unknown = client.get(f"{url}?language=xx", **CA)
    assert "Mostra la llista" in unknown.content.decode()  # the request's language
    assert "max-age" not in unknown.get("Cache-Control", "")


# ------------------------------------------------------------------------ the pages


def _script_sources(html: str) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', html)


@pytest.mark.django_db
def test_map_pages_load_the_catalogue_in_their_language_before_the_map_scripts(
        client, citizen):
    project = project_make()
    proposal = proposal_make(project, citizen)
    catalogue = reverse("javascript-catalog")
    for url in (reverse("proposals:project", args=[project.slug]),
                reverse("proposals:proposal", args=[proposal.pk])):
        for headers, language in ((CA, "ca"), ({}, "en")):
            response = client.get(url, **headers)
            assert response.status_code == 200
            sources = _script_sources(response.content.decode())
            assert f"{catalogue}?language={language}" in sources, url
            first_map_script = min(i for i, s in enumerate(sources) if "/js/plaza-" in s)
            assert sources.index(f"{catalogue}?language={language}") < first_map_script


@pytest.mark.django_db
def test_the_proposal_form_loads_the_catalogue_before_its_feedback_script(client, citizen):
    project = project_make()
    client.force_login(citizen)
    response = client.get(reverse("proposals:propose", args=[project.slug]), **CA)
    assert response.status_code == 200
    sources = _script_sources(response.content.decode())
    assert sources.index(f"{reverse('javascript-catalog')}?language=ca") < next(
        i for i, s in enumerate(sources) if "plaza-feedback" in s)


@pytest.mark.django_db
def test_an_import_in_progress_loads_the_catalogue_before_the_progress_script(client, planner):
    from tests.dashboard.test_imports import run_make

    run = run_make()  # queued: the page watches it
    client.force_login(planner)
    response = client.get(reverse("dashboard:import-run", args=[run.pk]), **CA)
    assert response.status_code == 200
    sources = _script_sources(response.content.decode())
    assert sources.index(f"{reverse('javascript-catalog')}?language=ca") < next(
        i for i, s in enumerate(sources) if "plaza-progress" in s)
