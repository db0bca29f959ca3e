"""The pages' own texts come out in Catalan for Catalan visitors; English stays the default.

The project-level catalogue (locale/ca) holds the texts of the templates; it must be complete,
with nothing fuzzy, and its compiled form must be up to date.
"""

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
    assert "Propostes (1)" in html
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


def test_catalan_catalogue_is_complete_and_nothing_is_fuzzy():
    text = CATALOGUE.read_text(encoding="utf-8")
    entries = list(_entries(text))
    assert len(entries) > 300
    assert [m for flags, m, _ in entries if "fuzzy" in flags] == []
    assert [m for _flags, m, strs in entries if not all(strs)] == []
    header = text.split("\n\n", 1)[0]
    assert "#, fuzzy" not in header
    assert '"Language: ca\\n"' in header

    stats = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(CATALOGUE)],
                           capture_output=True, text=True, check=True).stderr
    assert "fuzzy" not in stats and "untranslated" not in stats, stats


def test_compiled_catalogue_is_committed_and_up_to_date():
    compiled = CATALOGUE.with_suffix(".mo")
    assert compiled.exists()
    assert compiled.stat().st_mtime >= CATALOGUE.stat().st_mtime - 1
