"""The pages' own texts come out in Catalan for Catalan visitors; English stays the default.

The project-level catalogue (locale/ca) holds the texts of the templates; it must be complete,
with nothing fuzzy, and its compiled form must be up to date.
"""

import gettext
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from tests.factories import project_make, proposal_make

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "ca" / "LC_MESSAGES" / "django.po"
CA = {"HTTP_ACCEPT_LANGUAGE": "ca"}
ES = {"HTTP_ACCEPT_LANGUAGE": "es"}


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    """A Catalan request leaves Catalan active in the thread; later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# ------------------------------------------------------------------------ public pages


@pytest.mark.django_db
def test_home_page_in_catalan_for_a_catalan_browser(client):
    project_make()
    html = _text(client.get(reverse("proposals:home"), **CA))
    assert '<html lang="ca">' in html
    assert "Dissenyem la ciutat entre tothom" in html
    assert "Salta al contingut" in html
    assert "Inicia la sessió" in html
    assert "participació de codi obert per a les ciutats" in html
    assert "Design your city together" not in html


@pytest.mark.django_db
def test_home_page_in_spanish_for_a_spanish_browser(client):
    project_make()
    html = _text(client.get(reverse("proposals:home"), **ES))
    assert '<html lang="es">' in html
    assert "Diseñemos la ciudad entre todos" in html
    assert "Salta al contenido" in html
    assert "participación de código abierto para las ciudades" in html
    assert "Design your city together" not in html and "Dissenyem" not in html


@pytest.mark.django_db
def test_english_stays_the_default(client):
    project_make()
    html = _text(client.get(reverse("proposals:home")))
    assert '<html lang="en">' in html
    assert "Design your city together" in html
    assert "Skip to content" in html
    assert "Dissenyem" not in html


@pytest.mark.django_db
def test_project_and_proposal_pages_in_catalan(client, citizen):
    project = project_make()
    proposal = proposal_make(project, citizen, title="More trees on Carrer de Pujades")
    html = _text(client.get(reverse("proposals:project", args=[project.slug]), **CA))
    assert "Mostra el mapa" in html
    assert ">Propostes</h2>" in html
    assert "Filtra" in html
    assert "More trees on Carrer de Pujades" in html  # the participants' own text stays as is
    html = _text(client.get(reverse("proposals:proposal", args=[proposal.pk]), **CA))
    assert "Comentaris" in html
    assert "More trees on Carrer de Pujades" in html


@pytest.mark.django_db
def test_login_page_in_catalan(client):
    html = _text(client.get(reverse("account_login"), **CA))
    assert '<html lang="ca">' in html
    assert "Salta al contingut" in html
    assert "Registra't" in html
    assert "Skip to content" not in html


@pytest.mark.django_db
def test_profile_page_in_catalan(client, citizen):
    client.force_login(citizen)
    html = _text(client.get(reverse("accounts:profile"), **CA))
    assert "El teu perfil" in html
    assert "Els teus rols d'agent implicat" in html
    assert "Descarrega les meves dades" in html
    assert "Tanca la sessió" in html


@pytest.mark.django_db
def test_dashboard_in_catalan_for_a_planner(client, planner):
    project_make()
    client.force_login(planner)
    html = _text(client.get(reverse("dashboard:index"), **CA))
    assert "Tauler del personal tècnic" in html
    assert "Tots els projectes" in html
    html = _text(client.get(reverse("dashboard:reports"), **CA))
    assert "Informes de decisió" in html
    html = _text(client.get(reverse("dashboard:imports"), **CA))
    assert "Importacions de dades SIG obertes" in html


# ------------------------------------------------------------------------ the picker


@pytest.mark.django_db
def test_every_page_offers_a_labelled_language_picker(client):
    html = _text(client.get(reverse("proposals:home")))
    assert f'action="{reverse("set_language")}"' in html
    assert '<label for="language-select">Language</label>' in html
    assert '<option value="ca" lang="ca">Català</option>' in html
    assert '<option value="es" lang="es">Español</option>' in html
    assert '<input type="hidden" name="next" value="/">' in html


@pytest.mark.django_db
def test_the_picker_switches_the_language_and_back(client):
    project_make()
    home = reverse("proposals:home")
    response = client.post(reverse("set_language"), {"language": "ca", "next": home})
    assert response.status_code == 302
    assert response["Location"] == home
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ca"
    html = _text(client.get(home))
    assert "Dissenyem la ciutat entre tothom" in html
    assert '<option value="ca" lang="ca" selected>Català</option>' in html

    client.post(reverse("set_language"), {"language": "es", "next": home})
    assert "Diseñemos la ciudad entre todos" in _text(client.get(home))

    client.post(reverse("set_language"), {"language": "en", "next": home})
    assert "Design your city together" in _text(client.get(home))


@pytest.mark.django_db
def test_the_picker_refuses_a_foreign_next_address(client):
    response = client.post(reverse("set_language"),
                           {"language": "ca", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


# ------------------------------------------------------------------------ the catalogue


def _entries(po_text: str):
    """(flags, msgid, [msgstr…]) for each entry but the header."""
    for block in po_text.strip().split("\n\n"):
        flags, fields, current = "", {}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags += line
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$',
                                   line):
                current = match.group(1)
                fields[current] = match.group(2)
            elif line.startswith('"') and current:
                fields[current] += line[1:-1]
        if fields.get("msgid"):
            yield flags, fields["msgid"], [v for k, v in fields.items() if k.startswith("msgstr")]


@pytest.mark.parametrize("language", ["ca", "es"])
def test_the_templates_catalogue_is_complete_and_nothing_is_fuzzy(language):
    catalogue = Path(str(CATALOGUE).replace("/ca/", f"/{language}/"))
    text = catalogue.read_text(encoding="utf-8")
    entries = list(_entries(text))
    assert len(entries) > 300
    assert [m for flags, m, _ in entries if "fuzzy" in flags] == []
    assert [m for _flags, m, strs in entries if not all(strs)] == []
    header = text.split("\n\n", 1)[0]
    assert "#, fuzzy" not in header
    assert f'"Language: {language}\\n"' in header

    stats = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(catalogue)],
                           capture_output=True, text=True, check=True).stderr
    assert "fuzzy" not in stats and "untranslated" not in stats, stats


BASE = Path(settings.BASE_DIR)
# Every catalogue of the project and its apps (one folder deep: not the virtualenv's).
PO_FILES = sorted(str(po.relative_to(BASE)) for pattern in (
    "locale/*/LC_MESSAGES/*.po", "locale/allauth/*/LC_MESSAGES/*.po",
    "*/locale/*/LC_MESSAGES/*.po") for po in BASE.glob(pattern))


def compiled_messages(mo: Path) -> tuple[dict, dict]:
    """What a compiled catalogue translates (msgid or (msgid, n) → text; a context is
    part of the msgid as gettext stores it) and the header fields that change its reading."""
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    messages = {key: text for key, text in translations._catalog.items() if key != ""}
    header = {name: translations.info().get(name) for name in ("plural-forms", "language")}
    return messages, {**header, "charset": translations.charset()}


def test_there_are_catalogues_to_check():
    assert "locale/ca/LC_MESSAGES/django.po" in PO_FILES
    assert "locale/ca/LC_MESSAGES/djangojs.po" in PO_FILES
    assert "locale/es/LC_MESSAGES/djangojs.po" in PO_FILES
    assert "locale/allauth/es/LC_MESSAGES/django.po" in PO_FILES
    assert len(PO_FILES) >= 20, PO_FILES


@pytest.mark.parametrize("po", PO_FILES)
def test_compiled_catalogue_is_committed_and_up_to_date(po, tmp_path):
    """The committed .mo holds exactly what msgfmt makes of the .po now: the same texts
    and plural forms. (File times say nothing: a fresh clone gives every file the same.)"""
    po = BASE / po
    committed = po.with_suffix(".mo")
    assert committed.is_file(), f"{committed} is missing: run msgfmt -o {committed} {po}"
    fresh = tmp_path / "fresh.mo"
    try:
        subprocess.run(["msgfmt", "-o", str(fresh), str(po)], check=True, timeout=60,
                       capture_output=True)
    except FileNotFoundError:
        pytest.fail("msgfmt is missing: install gettext to check the compiled catalogues")
    (want, want_header), (have, have_header) = compiled_messages(fresh), compiled_messages(
        committed)
    assert want, f"{po} compiles to no translation at all"
    stale = sorted(str(key) for key in want.keys() - have.keys())
    gone = sorted(str(key) for key in have.keys() - want.keys())
    changed = sorted(str(key) for key in want.keys() & have.keys() if want[key] != have[key])
    assert (stale, gone, changed) == ([], [], []), (
        f"{committed} is out of date (not compiled: {stale}; no longer in the .po: {gone}; "
        f"translated differently: {changed}); run msgfmt -o {committed} {po}")
    assert have_header == want_header
