"""Full-text search of proposals, comments and projects: the query, its ranking, the
pages and the snippets.

The texts' search vectors are stored columns the database keeps (migration 0016), each
stemmed in its own language with accents removed. A query does not know which language
it is in, so it is read in the three configurations and the three readings OR'ed
(`websearch_to_tsquery`: words, "quoted phrases", `or`, `-word`): "parcs infantils"
finds a Catalan text, "parques" a Spanish one, "playgrounds" an English one, and each
text matches through the stems of its own language. Only the rows that match are ranked
(`ts_rank_cd`, a title counting more than a body), found first by the GIN index.

Pages are read by cursor (the rank and id of the last row), never counted: counting a
common word's matches among a million proposals costs more than the page. Snippets are
made by PostgreSQL (`ts_headline`) for the page's rows only, with control characters as
match markers; `snippet_html` escapes the text and then turns the markers into <mark>,
so a text never reaches a page as HTML.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, FloatField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from proposals.comment_selectors import comments_listed
from proposals.models import Comment, Project, Proposal
from proposals.selectors import proposals_readable

MAX_QUERY = 200  # characters: a search is a few words, not a document
CONFIGS = tuple(f"plaza_{code}" for code, _name in settings.LANGUAGES)
# The three readings of one text, OR'ed: the params are the text once per reading.
TSQUERY = "(" + " || ".join(
    f"websearch_to_tsquery('{config}'::regconfig, %s)" for config in CONFIGS) + ")"
START, STOP = "\x02", "\x03"  # match markers in snippets; stripped from texts first
HEADLINE_OPTIONS = (f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, "
                    "MaxFragments=2, FragmentDelimiter=\" … \"")
# A title is shown whole, its matches marked.
HEADLINE_WHOLE = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"


def query_clean(text: str) -> str:
    """The query as searched: trimmed, without control characters, a clear error if it
    is empty or too long."""
    text = "".join(c for c in (text or "") if c.isprintable()).strip()
    if not text:
        raise ValidationError(_("Type a word to search for."), code="empty")
    if len(text) > MAX_QUERY:
        raise ValidationError(_("A search is at most %(max)d characters.") % {
            "max": MAX_QUERY}, code="too_long")
    return text


def _vector(model) -> str:
    return f'{connection.ops.quote_name(model._meta.db_table)}."search_vector"'


def _params(text: str) -> list[str]:
    return [text] * len(CONFIGS)


def matching(qs: QuerySet, text: str) -> QuerySet:
    """The rows of `qs` (proposals, comments or projects) that match `text`, annotated
    with `search_rank`: a condition the GIN index answers, then the rank of those only.
    The rank is double precision so that a cursor's value compares exactly."""
    # Only constants and the table's own name are formatted in; the text is a parameter.
    vector = _vector(qs.model)
    condition = RawSQL(f"{vector} @@ {TSQUERY}", _params(text),  # noqa: S611  # nosec B611
                       output_field=BooleanField())
    rank = RawSQL(f"ts_rank_cd({vector}, {TSQUERY})::float8", _params(text),  # noqa: S611  # nosec B611
                  output_field=FloatField())
    return qs.filter(condition).annotate(search_rank=rank)


def ranked(qs: QuerySet, text: str) -> QuerySet:
    """`matching`, best first (the newest first among equals)."""
    return matching(qs, text).order_by("-search_rank", "-pk")


# ------------------------------------------------------------------------- cursors
@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the row with this rank (or key) and id."""

    key: float | str
    pk: int

    def encode(self) -> str:
        raw = json.dumps([self.key, self.pk], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            key, pk = json.loads(raw)
            if not isinstance(key, float | int | str) or isinstance(key, bool) \
                    or not isinstance(pk, int) or isinstance(pk, bool):
                raise ValueError
            return cls(key, pk)
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            raise ValidationError({"cursor": _("This cursor is not one of ours: follow "
                                               "the next link of a page.")}) from exc


def next_query(request, cursor: Cursor | None) -> str | None:
    """The request's query string with `cursor` for the next page (None: last page)."""
    if cursor is None:
        return None
    args = request.GET.copy()
    args["cursor"] = cursor.encode()
    return args.urlencode()


def after(qs: QuerySet, cursor: Cursor | None, key: str) -> QuerySet:
    """The rows of `qs` (ordered by `-key`, `-pk`) after `cursor`."""
    if cursor is None:
        return qs
    try:
        if key == "search_rank":
            value = float(cursor.key)
        elif isinstance(cursor.key, str):
            value = cursor.key  # a time, which the field parses (an error if it is not)
        else:
            raise TypeError
    except (TypeError, ValueError) as exc:
        raise ValidationError({"cursor": _("This cursor is not one of ours: follow the "
                                           "next link of a page.")}) from exc
    return qs.filter(Q(**{f"{key}__lt": value}) | Q(**{key: value, "pk__lt": cursor.pk}))


@dataclass(frozen=True)
class Page:
    rows: list
    next: Cursor | None


def page(qs: QuerySet, *, limit: int, cursor: Cursor | None = None,
         key: str = "search_rank", key_of=None) -> Page:
    """A page of `qs` ordered by `-key, -pk`: one row past it is read to know whether
    another follows, nothing is counted."""
    rows = list(after(qs, cursor, key)[:limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = None
    if more:
        last = rows[-1]
        value = getattr(last, key) if not isinstance(last, dict) else last[key]
        nxt = Cursor(key_of(value) if key_of else value,
                     last.pk if not isinstance(last, dict) else last["id"])
    return Page(rows, nxt)


# ------------------------------------------------------------------------- snippets
def _config_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{code}' THEN '{config}'::regconfig"
                     for (code, _n), config in zip(settings.LANGUAGES, CONFIGS, strict=True))
    return f"CASE {column} {cases} ELSE '{CONFIGS[0]}'::regconfig END"


def _clean_sql(expression: str) -> str:
    return f"translate({expression}, E'\\x02\\x03', '')"


def headlines(model, pks: list[int], text: str, *, column: str,
              language: str | None = "language", config: str | None = None,
              options: str = HEADLINE_OPTIONS) -> dict[int, str]:
    """{pk: `column`'s snippet around the matches of `text`} for the rows `pks` of
    `model` (a page's: ts_headline reads the whole text, so only for those), in the
    row's language (`language`, a column) or the given one (`config`, a language
    code). `column` is SQL from the code, never from input. Raw: with markers, not
    escaped; `snippet_html` makes it safe."""
    if not pks:
        return {}
    codes = [code for code, _n in settings.LANGUAGES]
    config = (_config_sql(language) if language and not config
              else f"'plaza_{config if config in codes else codes[0]}'::regconfig")
    sql = (f"SELECT id, ts_headline({config}, {_clean_sql(column)}, {TSQUERY}, %s) "  # noqa: S608
           f"FROM {connection.ops.quote_name(model._meta.db_table)} WHERE id = ANY(%s)")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*_params(text), options, list(pks)])
        return dict(cursor.fetchall())


def snippet_html(raw: str) -> SafeString:
    """A snippet for a page: the text escaped, then the match markers made <mark>.
    The markers are control characters no escaping touches, stripped from the texts
    before PostgreSQL adds its own, so only PostgreSQL's markers become tags."""
    escaped = str(escape(raw or ""))
    return mark_safe(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S308  # nosec B308 B703


def snippet_text(raw: str) -> str:
    """A snippet as plain text (the API): the markers removed."""
    return (raw or "").replace(START, "").replace(STOP, "")


# ------------------------------------------------------------------------- the site
KINDS = ("proposals", "comments", "projects")
SITE_PAGE = 20


@dataclass(frozen=True)
class Found:
    """One result of the site's search page: the object and its snippet, made safe."""

    kind: str
    item: object
    snippet: SafeString


@dataclass(frozen=True)
class Results:
    found: list[Found]
    next: Cursor | None


def site_search(*, user, text: str, kind: str = "proposals", project_id: int | None = None,
                status: str | None = None, cursor: Cursor | None = None,
                limit: int = SITE_PAGE) -> Results:
    """A page of what `user` may see that matches `text`, of one kind, best first, each
    with its snippet: the site's search page."""
    if kind == "comments":
        qs = comments_listed(user=user).select_related("proposal")
        if project_id:
            qs = qs.filter(proposal__project_id=project_id)
        found = page(ranked(qs, text), limit=limit, cursor=cursor)
        snippets = headlines(Comment, [c.pk for c in found.rows], text, column="body")
    elif kind == "projects":
        qs = Project.objects.visible_to(user).defer("area")
        found = page(ranked(qs, text), limit=limit, cursor=cursor)
        code = translation.get_language() or ""
        column = (f"coalesce(nullif(description_{code}, ''), description_en)"
                  if code in dict(settings.LANGUAGES) else "description_en")
        snippets = headlines(Project, [p.pk for p in found.rows], text, column=column,
                             config=code)
    else:
        qs = proposals_readable(user=user).defer("geometry", "point")
        if project_id:
            qs = qs.filter(project_id=project_id)
        if status:
            qs = qs.filter(status=status)
        found = page(ranked(qs, text), limit=limit, cursor=cursor)
        pks = [p.pk for p in found.rows]
        snippets = headlines(Proposal, pks, text, column="body")
        titles = headlines(Proposal, pks, text, column="title", options=HEADLINE_WHOLE)
        for proposal in found.rows:
            proposal.title_html = snippet_html(titles.get(proposal.pk, ""))
        kind = "proposals"
    return Results([Found(kind, row, snippet_html(snippets.get(row.pk, "")))
                    for row in found.rows], found.next)
