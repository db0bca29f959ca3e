"""Every page, in every language: no interface text is left in English.

The walk's pages (public, citizen, the planners' dashboard, allauth's account pages, the
OGC API's HTML pages, the error pages) are rendered in a test-only pseudo-language,
`qps`, whose catalogue translates every text of every catalogue the site uses (Plaza's,
allauth's, Django's, DRF's…) into a marked form, ⟦n|text⟧. A text on the page that is
neither marked nor content from the database (which the test marks ◊…◊) was written
in English past the catalogues: a hard-coded string. Then every text the pages used
must have a Catalan and a Spanish translation.
"""

from __future__ import annotations

import functools
import gettext
import re
import struct
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest
from django.apps import apps
from django.conf import settings
from django.conf.locale import LANG_INFO
from django.db import DatabaseError, models, transaction
from django.test import override_settings
from django.urls import reverse

from tests.permission_walk.routes import ANONYMOUS, CITIZEN, PLANNER_USER, Case, allowed
from tests.permission_walk.table import ROUTES
from tests.permission_walk.test_walk import _args, _drain

pytestmark = pytest.mark.django_db

PSEUDO = "qps"  # the pseudo-locale code of Windows and Android: no real language has it
MARKED = re.compile(r"⟦(\d+)\|[^⟦⟧]*⟧")
CONTENT = re.compile(r"◊[^◊]*(?:◊|$)")
LETTER = re.compile(r"[^\W\d_]")
# What a page may show untranslated: names that are the same in every language. Each
# one is a name, never a sentence.
NAMES = {
    settings.SITE_NAME, "English", "Català", "Español", "Pseudo",  # the language picker, in each
    "GeoJSON", "CSV", "JSON", "HTML", "PDF", "KML", "KMZ", "GeoPackage", "Shapefile",
    "OGC", "API", "OpenAPI", "WGS", "EPSG", "CRS84", "SHA", "Features", "QGIS", "ArcGIS",
    "OpenStreetMap", "Open", "Data", "BCN", "Ajuntament", "de", "Barcelona", "CC", "BY",
    "Leaflet", "ETRS89", "UTM", "Plaza",
    "EUR",  # a currency's ISO code, after an amount
}
# Content the database refuses to mark (the append-only audit log): shown as it is.
UNMARKED: set[str] = set()
# Content fields the test marks, so that a page showing them is recognised.
CONTENT_FIELDS = {"title", "body", "name", "description", "display_name", "message",
                  "reason", "hidden_reason", "official_answer", "evidence", "username",
                  "email", "actor_name", "attribution"}
# Not words of the interface: e-mail addresses, and an OGC link's relation and media type,
# "(alternate, application/geo+json)", which are identifiers of the standard.
DATA = re.compile(r"\S+@\S+|\((?:[a-z-]+, )?[a-z]+/[\w.+-]+(?:;[\w.=-]+)*\)")
# The pages' readers: whoever may open them, planners first (they see the most).
READERS = (PLANNER_USER, CITIZEN, ANONYMOUS)
# Not Plaza's pages: the Django admin, the JSON API and Swagger UI's developer pages
# (English, third-party), and machine answers.
SKIPPED_PREFIXES = ("admin:", "admin/", "api:", "api-", "ogc:api-docs", "javascript-catalog",
                    "healthz", "metrics")


# ------------------------------------------------------------------------ the language


@functools.cache
def _catalogues(domain: str) -> tuple[Path, ...]:
    """Every compiled Catalan catalogue the site can use: its own and its packages'.
    Found once per run: the search walks the whole of site-packages, and the check of
    each language asks it again for every text."""
    import django

    packages = Path(django.__file__).parent.parent
    found = [*Path(settings.BASE_DIR).glob(f"locale/ca/LC_MESSAGES/{domain}.mo"),
             *Path(settings.BASE_DIR).glob(f"locale/allauth/ca/LC_MESSAGES/{domain}.mo"),
             *Path(settings.BASE_DIR).glob(f"*/locale/ca/LC_MESSAGES/{domain}.mo")]
    if domain == "django":
        found += packages.glob(f"**/locale/ca/LC_MESSAGES/{domain}.mo")
    return tuple(sorted(set(found)))


def _keys(domain: str) -> list:
    keys = set()
    for mo in _catalogues(domain):
        with mo.open("rb") as handle:
            keys.update(k for k in gettext.GNUTranslations(handle)._catalog if k != "")
    return sorted(keys, key=str)


def mark(text: str, number: int) -> str:
    """Each run of text between tags, marked with the message's number."""
    parts = re.split(r"(<[^>]*>)", text)
    return "".join(p if p.startswith("<") or not p.strip() else f"⟦{number}|{p}⟧"
                   for p in parts)


def _write_mo(path: Path, messages: dict[bytes, bytes]) -> None:
    """A GNU .mo file (the format msgfmt writes), from encoded keys and values."""
    keys = sorted(messages)
    ids, strs, offsets = b"", b"", []
    for key in keys:
        offsets.append((len(ids), len(key), len(strs), len(messages[key])))
        ids += key + b"\0"
        strs += messages[key] + b"\0"
    start = 7 * 4 + 16 * len(keys)
    table = []
    for id_at, id_len, str_at, str_len in offsets:
        table.append((id_len, start + id_at, str_len, start + len(ids) + str_at))
    data = struct.pack("Iiiiiii", 0x950412DE, 0, len(keys), 7 * 4, 7 * 4 + 8 * len(keys),
                       0, 0)
    data += b"".join(struct.pack("ii", length, at) for length, at, _l, _a in table)
    data += b"".join(struct.pack("ii", length, at) for _l, _a, length, at in table)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data + ids + strs)


def pseudo_catalogue(folder: Path) -> dict[int, tuple]:
    """Write the pseudo-language's catalogues; answer what each number stands for."""
    numbers: dict[int, tuple] = {}
    plurals: set[tuple[str, str]] = set()
    for domain in ("django", "djangojs"):
        messages = {b"": (b"Content-Type: text/plain; charset=UTF-8\n"
                          b"Plural-Forms: nplurals=2; plural=(n != 1);\n")}
        for key in _keys(domain):
            number = len(numbers) + 1
            if isinstance(key, tuple):  # (singular, plural index): one entry per msgid
                singular = key[0]
                if (domain, singular) in plurals:
                    continue
                plurals.add((domain, singular))
                numbers[number] = (domain, singular, True)
                value = mark(singular.rpartition("\x04")[2], number).encode()
                messages[(singular + "\0" + singular).encode()] = value + b"\0" + value
            else:
                numbers[number] = (domain, key, False)
                msgid = key.rpartition("\x04")[2]
                messages[key.encode()] = mark(msgid, number).encode()
        _write_mo(folder / PSEUDO / "LC_MESSAGES" / f"{domain}.mo", messages)
    return numbers


@pytest.fixture(scope="module")
def pseudo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pseudo-locale")
    numbers = pseudo_catalogue(folder)
    info = {PSEUDO: {"bidi": False, "code": PSEUDO, "name": "Pseudo", "name_local": "Pseudo"}}
    with override_settings(LANGUAGES=[*settings.LANGUAGES, (PSEUDO, "Pseudo")],
                           LOCALE_PATHS=[folder, *settings.LOCALE_PATHS]), \
            mock.patch.dict(LANG_INFO, info):
        yield numbers


@pytest.fixture(scope="module")
def marked_world(world, django_db_blocker):
    """The walk's world with its content marked ◊…◊ (undone when the module ends)."""
    with django_db_blocker.unblock():
        point = transaction.savepoint()
        for model in apps.get_models():
            if model._meta.app_label not in ("audit", "accounts", "municipalities",
                                             "proposals", "voting", "gisdata", "reports",
                                             "dashboard"):
                continue
            for field in model._meta.concrete_fields:
                base = re.sub(r"_(en|ca|es)$", "", field.name)
                if base in CONTENT_FIELDS and isinstance(field, (models.CharField,
                                                                  models.TextField)):
                    try:
                        with transaction.atomic():
                            _mark_column(model, field)
                    except DatabaseError:  # a table that refuses changes (the audit log)
                        UNMARKED.update(model._base_manager.values_list(field.name, flat=True))
        yield world
        transaction.savepoint_rollback(point)


def _mark_column(model, field) -> None:
    from django.db.models import Value
    from django.db.models.functions import Concat, Length

    manager = model._base_manager
    if hasattr(manager.all(), "rewrite"):
        manager = manager.all().rewrite(False)
    rows = manager.exclude(**{f"{field.name}__isnull": True}).exclude(**{field.name: ""})
    if field.max_length:  # leave room for the two marks
        rows = rows.alias(length=Length(field.name)).filter(length__lte=field.max_length - 2)
    rows.update(**{field.name: Concat(Value("◊"), field.name, Value("◊"),
                                      output_field=models.TextField())})


# ------------------------------------------------------------------------ the pages


class _Texts(HTMLParser):
    """The visible texts of a page and its labelling attributes, but what the page says
    is not to be translated (translate="no": data such as a feature's attributes)."""

    HIDDEN = {"script", "style", "template", "code", "pre", "textarea"}
    ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.hidden = 0
        self.stack: list[bool] = []  # per open element: does it hide its text?

    def handle_starttag(self, tag, attrs):
        hides = tag in self.HIDDEN or dict(attrs).get("translate") == "no"
        if tag not in self.VOID:
            self.stack.append(hides)
            self.hidden += hides
        if self.hidden:
            return
        for name, value in attrs:
            if value and (name in self.ATTRIBUTES or (
                    tag == "input" and name == "value"
                    and dict(attrs).get("type") in ("submit", "button"))):
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.hidden -= self.stack.pop()

    def handle_data(self, data):
        if not self.hidden and data.strip():
            self.texts.append(data)


def untranslated(html: str, used: set[int]) -> list[str]:
    """The page's texts that are neither marked, nor content, nor a name."""
    parser = _Texts()
    parser.feed(html)
    found = []
    for text in parser.texts:
        rest = text
        while True:  # innermost first: a translated text may hold another
            used.update(int(n) for n in MARKED.findall(rest))
            shorter = MARKED.sub(" ", rest)
            if shorter == rest:
                break
            rest = shorter
        rest = DATA.sub(" ", CONTENT.sub(" ", rest))
        for content in sorted(filter(None, UNMARKED), key=len, reverse=True):
            rest = rest.replace(content, " ")
        words = [w for w in re.findall(r"[^\W\d_][\w'’.-]*", rest) if w.strip(".-") not in NAMES]
        if any(LETTER.search(w) for w in words):
            found.append(text.strip()[:120])
    return found


def _pages(world) -> list[tuple[str, str, str]]:
    """(what, url, reader) for every page the walk knows, read by one who may."""
    pages = []
    for key, spec in ROUTES.items():
        if key.startswith(SKIPPED_PREFIXES):
            continue
        for case in (spec if isinstance(spec, tuple) else (spec,)):
            if not isinstance(case, Case) or case.read is None:
                continue
            reader = next((r for r in READERS if allowed(case.read, r)), None)
            if reader is None:
                continue
            url = reverse(key, kwargs=_args(case.args, world))
            variant = f"[{case.variant}]" if case.variant else ""
            pages.append((f"{key}{variant}", url, reader))
    pages.append(("404", "/no-such-page/", ANONYMOUS))
    pages.append(("403", reverse("dashboard:index"), CITIZEN))
    return pages


def _html_of(client, url: str):
    response = client.get(url, HTTP_ACCEPT="text/html")
    _drain(response)
    if response.streaming or not response["Content-Type"].startswith("text/html"):
        return None
    return response


@pytest.fixture(scope="module")
def walked(pseudo, marked_world, client_for, django_db_blocker):
    """Every HTML page in the pseudo-language: what it showed untranslated, and the
    numbers of the texts it used."""
    results, used = {}, set()
    with django_db_blocker.unblock():
        for what, url, reader in _pages(marked_world):
            client = client_for(reader)
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = PSEUDO
            sid = transaction.savepoint()
            response = _html_of(client, url)
            transaction.savepoint_rollback(sid)
            if response is None:
                continue
            page = response.content.decode()
            assert "<html" not in page or f'<html lang="{PSEUDO}">' in page, what
            results[what] = untranslated(page, used)
    return results, used


def test_no_page_shows_an_interface_text_past_the_catalogues(walked):
    results, _used = walked
    assert len(results) >= 60, sorted(results)
    left = {what: texts for what, texts in results.items() if texts}
    assert left == {}, f"{len(left)} of {len(results)} pages show English: {left}"


def test_the_walk_sees_hard_coded_english(pseudo):
    """The negative twin: an English sentence outside the catalogues is found, a marked
    one and a content one are not."""
    used: set[int] = set()
    assert untranslated("<p>Send my proposal</p>", used) == ["Send my proposal"]
    assert untranslated('<button aria-label="Close">×</button>', used) == ["Close"]
    assert untranslated("<p>⟦7|Send ⟦8|my⟧ proposal⟧ ◊A bench◊ · Plaza</p>", used) == []
    assert untranslated('<td translate="no">category_name</td><td>Walking</td>', used) == [
        "Walking"]
    assert used == {7, 8}


@pytest.mark.parametrize("language", ["ca", "es"])
def test_every_text_the_pages_use_is_translated(walked, pseudo, language):
    """What the pseudo-language marked on the pages has a Catalan and a Spanish text
    (the same as the English only where a catalogue says so, as "Format" in Catalan)."""
    _results, used = walked
    assert len(used) > 300
    missing = []
    for number in sorted(used):
        domain, key, plural = pseudo[number]
        if not _translated(language, domain, key, plural):
            missing.append(key.replace("\x04", " | "))
    assert missing == [], f"{len(missing)} texts have no {language} translation: {missing}"


def _translated(language: str, domain: str, key: str, plural: bool) -> bool:
    if not LETTER.search(key.rpartition("\x04")[2]):
        return True  # nothing to translate: "%(n)s / %(total)s"
    for mo in _catalogues(domain):
        mo = Path(str(mo).replace("/ca/LC_MESSAGES/", f"/{language}/LC_MESSAGES/"))
        if not mo.is_file():
            continue
        catalog = _catalog(str(mo))
        if (key, 0) in catalog if plural else key in catalog:
            return True
    return False


@functools.cache
def _catalog(path: str) -> dict:
    """A compiled catalogue's texts, read once per run: the walk asks it of every text."""
    with open(path, "rb") as handle:
        return gettext.GNUTranslations(handle)._catalog
