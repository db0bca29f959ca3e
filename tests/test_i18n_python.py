"""Text written in the apps' Python code comes out in Catalan and Spanish for their readers.

English stays the default; every app's Catalan and Spanish catalogues are complete and
compiled, and speak to the reader as "tu" (Catalan) and "tú" (Spanish).
"""

import ast
import gettext
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.forms import AccountEraseForm, RoleClaimForm
from accounts.models import ClaimStatus
from core.form_errors import form_add_service_errors
from proposals.models import ProposalStatus
from tests.factories import project_make, proposal_make, role_make, user_make

APPS = ["audit", "municipalities", "accounts", "proposals", "voting", "energy", "gisdata",
        "dashboard", "reports", "opendata", "notifications"]
# Every language but English, the source language of the texts.
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]


# ------------------------------------------------------------------------------ forms


@pytest.mark.django_db
def test_form_texts_and_service_errors_follow_the_active_language():
    role_make("resident")
    with translation.override("ca"):
        form = RoleClaimForm()
        assert str(form.fields["evidence_file"].help_text).startswith(
            "Opcional: un document PDF, PNG o JPEG")
        erase = AccountEraseForm()
        assert str(erase.fields["confirm"].label) == "Entenc que això no es pot desfer."
    with translation.override("es"):
        assert str(RoleClaimForm().fields["evidence_file"].help_text).startswith(
            "Opcional: un documento PDF, PNG o JPEG")
        assert str(AccountEraseForm().fields["confirm"].label) == (
            "Entiendo que esto no se puede deshacer.")
    assert str(RoleClaimForm().fields["evidence_file"].help_text).startswith(
        "Optional: a PDF, PNG or JPEG document")


@pytest.mark.django_db
def test_the_erase_form_says_a_wrong_password_in_catalan(client):
    user = user_make("marta")
    client.force_login(user)
    response = client.post(reverse("accounts:account-erase"),
                           {"password": "not-it", "confirm": "on"},
                           headers={"accept-language": "ca"})
    assert response.status_code == 400
    assert "La contrasenya no és correcta." in response.content.decode()
    english = client.post(reverse("accounts:account-erase"),
                          {"password": "not-it", "confirm": "on"},
                          headers={"accept-language": "en"})
    assert b"The password is not right." in english.content
    spanish = client.post(reverse("accounts:account-erase"),
                          {"password": "not-it", "confirm": "on"},
                          headers={"accept-language": "es"})
    assert "La contraseña no es correcta." in spanish.content.decode()


@pytest.mark.django_db
def test_a_role_claim_service_error_lands_on_the_form_in_catalan():
    from django.core.exceptions import ValidationError

    from accounts import services

    user = user_make("pere")
    role = role_make("resident")
    with translation.override("ca"):
        form = AccountEraseForm(data={})
        form.is_valid()
        try:
            services.role_claim_submit(user=user, role=role, evidence="  ")
        except ValidationError as exc:
            form_add_service_errors(form, exc)
        assert "Explica per què tens aquest rol." in str(form.errors)


def test_choice_labels_are_lazy_and_translated():
    with translation.override("ca"):
        assert str(ProposalStatus.ACCEPTED.label) == "Acceptada"
        assert str(ClaimStatus.PENDING.label) == "Pendent de revisió"
    with translation.override("es"):
        assert str(ProposalStatus.ACCEPTED.label) == "Aceptada"
        assert str(ClaimStatus.PENDING.label) == "Pendiente de revisión"
    assert str(ProposalStatus.ACCEPTED.label) == "Accepted"


# ------------------------------------------------------------------------------ API


@pytest.mark.django_db
def test_a_vote_outside_the_voting_phase_is_refused_in_the_readers_language():
    voter = user_make("joan")
    project = project_make("ideas-only", phase="ideation")
    proposal = proposal_make(project, user_make("author"))
    api = APIClient()
    api.force_authenticate(voter)
    url = reverse("api:proposal-vote", args=[proposal.pk])
    catalan = api.post(url, {"value": "support"}, format="json", HTTP_ACCEPT_LANGUAGE="ca")
    assert catalan.status_code == 403
    assert catalan.json()["detail"] == ("Només es pot votar mentre la fase de votació "
                                        "és oberta.")
    english = api.post(url, {"value": "support"}, format="json")
    assert english.json()["detail"] == "Votes are taken only while the voting phase is open."


@pytest.mark.django_db
def test_a_bad_api_parameter_is_explained_in_catalan():
    project = project_make()
    api = APIClient()
    url = reverse("api:project-proposals", args=[project.pk])
    catalan = api.get(url, {"status": "secret"}, HTTP_ACCEPT_LANGUAGE="ca")
    assert catalan.status_code == 400
    assert catalan.json()["status"] == ["Estat desconegut: secret."]
    english = api.get(url, {"status": "secret"})
    assert english.json()["status"] == ["Unknown status: secret."]
    bbox = api.get(url, {"bbox": "a,b,c,d"}, HTTP_ACCEPT_LANGUAGE="ca")
    assert bbox.status_code == 400
    assert "minlon,minlat,maxlon,maxlat" in bbox.json()["bbox"][0]
    assert not bbox.json()["bbox"][0].startswith("bbox is")


# ------------------------------------------------------------------------------ catalogues


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def _entries(po: Path) -> list[dict]:
    """Each entry of a .po file: flags, msgctxt, msgid, plural and msgstr (a list)."""
    entries, current, key, seen_msgstr = [], None, None, False
    for line in po.read_text(encoding="utf-8").splitlines():
        match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$', line)
        starts = line.startswith("#") or (match and match.group(1) in ("msgctxt", "msgid"))
        if starts and (current is None or seen_msgstr):
            current = {"flags": "", "msgctxt": None, "msgid": None, "plural": None,
                       "msgstr": []}
            entries.append(current)
            seen_msgstr = False
        if line.startswith("#,"):
            current["flags"] += line
        elif match:
            key, text = match.group(1), _unquote(match.group(2))
            if key.startswith("msgstr"):
                current["msgstr"].append(text)
                seen_msgstr = True
            else:
                current[{"msgid_plural": "plural"}.get(key, key)] = text
        elif line.startswith('"'):
            if key.startswith("msgstr"):
                current["msgstr"][-1] += _unquote(line)
            else:
                current[{"msgid_plural": "plural"}.get(key, key)] += _unquote(line)
    return entries


def test_spanish_is_offered_beside_english_and_catalan():
    assert ("es", "Español") in settings.LANGUAGES
    assert LANGUAGES == ["ca", "es"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_each_app_has_a_complete_compiled_catalogue(app, language):
    base = Path(settings.BASE_DIR) / app / "locale" / language / "LC_MESSAGES"
    po, mo = base / "django.po", base / "django.mo"
    assert po.is_file() and mo.is_file()
    entries = [e for e in _entries(po) if e["msgid"]]
    assert entries, f"{app}: the catalogue is empty"
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not untranslated, f"{app}: untranslated {untranslated}"
    assert not fuzzy, f"{app}: fuzzy {fuzzy}"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in entries:
        msgid = entry["msgid"]
        if entry["msgctxt"]:
            context = entry["msgctxt"]
            assert compiled.pgettext(context, msgid) != msgid or entry["msgstr"][0] == msgid, (
                f"{app}: {msgid!r} is not in the compiled catalogue; run compilemessages")
        elif entry["plural"] is None:
            assert compiled.gettext(msgid) != msgid or entry["msgstr"][0] == msgid, (
                f"{app}: {msgid!r} is not in the compiled catalogue; run compilemessages")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_msgfmt_finds_the_catalogues_valid(app, language):
    po = Path(settings.BASE_DIR) / app / "locale" / language / "LC_MESSAGES" / "django.po"
    try:
        result = subprocess.run(["msgfmt", "--check", "--statistics", "-o", "/dev/null",
                                 str(po)], capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        pytest.skip("msgfmt (gettext) is not installed")
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr


# The keywords Django's makemessages gives xgettext for Python files.
XGETTEXT_KEYWORDS = ["gettext_noop", "gettext_lazy", "ngettext_lazy:1,2", "pgettext:1c,2",
                     "npgettext:1c,2,3", "pgettext_lazy:1c,2", "npgettext_lazy:1c,2,3"]


@pytest.mark.parametrize("app", APPS)
def test_every_text_marked_in_the_code_is_in_the_catalogues(app, tmp_path):
    """A text marked for translation after the catalogue was last made would show in
    English to Catalan readers: xgettext reads the app's code as makemessages does."""
    root = Path(settings.BASE_DIR) / app
    sources = sorted(str(p.relative_to(root)) for p in root.rglob("*.py")
                     if "migrations" not in p.parts)
    pot = tmp_path / "code.pot"
    try:
        subprocess.run(["xgettext", "--language=Python", "--from-code=UTF-8", "-o", str(pot),
                        *[f"--keyword={k}" for k in XGETTEXT_KEYWORDS], *sources],
                       cwd=root, check=True, capture_output=True, timeout=60)
    except FileNotFoundError:
        pytest.skip("xgettext (gettext) is not installed")
    in_code = {(e["msgctxt"], e["msgid"]) for e in _entries(pot) if e["msgid"]} \
        if pot.exists() else set()
    for language in LANGUAGES:
        po = root / "locale" / language / "LC_MESSAGES" / "django.po"
        in_catalogue = {(e["msgctxt"], e["msgid"]) for e in _entries(po) if e["msgid"]}
        missing = sorted(msgid for _, msgid in in_code - in_catalogue)
        assert not missing, (f"{app}: run makemessages -l {language} (see the catalogue's "
                             f"header) and translate: {missing}")


# ------------------------------------------------------------------------------ one voice

BASE = Path(settings.BASE_DIR)
# Plaza says "tu" in Catalan and "tú" in Spanish. These are the forms of "vós"/"vosaltres"
# and "usted" that its texts (and allauth's, which Plaza overrides) used before.
FORMAL = {
    "ca": re.compile(r"\b(vostr[ea]s?|vós|us|heu|podeu|teniu|voleu|sou|esteu|feu|vegeu|"
                     r"\w+eu-(?:lo|la|los|les|ho|ne|hi|vos|us)|(?:escriviu|afegiu|llegiu|"
                     r"suprimiu|comprimiu|descomprimiu|dividiu|obriu|seguiu)-\w+|indiqueu|trieu|escriviu|"
                     r"inicieu|doneu|dibuixeu|afegiu|envieu|torneu|comproveu|consulteu|"
                     r"espereu|responeu|introduïu|confirmeu|verifiqueu|utilitzeu|"
                     r"si us plau)\b", re.IGNORECASE),
    "es": re.compile(r"\b(usted(?:es)?|introduzca|haga|inicie|vuelva|elija|escriba|"
                     r"compruebe|confirme|verifique|utilice|ha olvidado|está seguro|"
                     r"por favor)\b", re.IGNORECASE),
}


def _catalogues(language: str) -> list[Path]:
    return sorted([*BASE.glob(f"locale/{language}/LC_MESSAGES/*.po"),
                   *BASE.glob(f"locale/allauth/{language}/LC_MESSAGES/*.po"),
                   *BASE.glob(f"*/locale/{language}/LC_MESSAGES/*.po")])


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_catalogue_says_tu_never_vos_or_usted(language):
    found = []
    for po in _catalogues(language):
        for entry in _entries(po):
            for text in entry["msgstr"]:
                if entry["msgid"] and (match := FORMAL[language].search(text)):
                    found.append(f"{po.relative_to(BASE)}: {match.group(0)!r} in {text!r}")
    assert len(_catalogues(language)) >= 10
    assert found == []


def test_the_formal_forms_are_recognised():
    """The negative twin: allauth's own catalogues say "vós" and the test sees it."""
    import allauth

    own = Path(allauth.__file__).parent / "locale" / "ca" / "LC_MESSAGES" / "django.po"
    texts = [t for e in _entries(own) if e["msgid"] for t in e["msgstr"]]
    assert any(FORMAL["ca"].search(text) for text in texts)
    assert FORMAL["es"].search("¿Ha olvidado su contraseña?")
    assert not FORMAL["es"].search("¿Has olvidado la contraseña?")


@pytest.mark.parametrize(("language", "forgot", "signed_in"), [
    ("ca", "Has oblidat la contrasenya?", "Has iniciat la sessió com a %(name)s."),
    ("es", "¿Has olvidado la contraseña?", "Has iniciado sesión como %(name)s."),
    ("en", "Forgot your password?", "Successfully signed in as %(name)s."),
])
def test_allauths_texts_speak_as_plaza_does(language, forgot, signed_in):
    """locale/allauth's catalogues win over allauth's own (which says "Heu oblidat la
    contrasenya?" in Catalan), in every language but English."""
    with translation.override(language):
        assert translation.gettext("Forgot your password?") == forgot
        assert translation.gettext("Successfully signed in as %(name)s.") == signed_in
