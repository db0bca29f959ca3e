"""Full-text search: stored vectors kept by the database, each text stemmed in its
language with accents ignored, a query read in every language, ranked, paged by
cursor, snippets made safe."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from proposals import search
from proposals.comment_services import comment_create
from proposals.models import Comment, Project, Proposal
from proposals.services import proposal_create
from tests.factories import POINT, comment_make, project_make, proposal_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return project_make()


def found(text, qs=None):
    return list(search.ranked(qs or Proposal.objects.all(), text)
                .values_list("pk", flat=True))


@pytest.mark.quality("search-catalan-accents")
def test_placa_and_plaça_find_the_same_catalan_proposal(project, citizen):
    catalan = proposal_make(project, citizen, language="ca", title="Més arbres a la plaça",
                            body="Ombra per als infants que juguen a la plaça del barri.")
    proposal_make(project, citizen, language="ca", title="Un carril bici",
                  body="Pel carrer de baix.")
    assert found("plaça") == [catalan.pk]
    assert found("placa") == [catalan.pk]
    assert found("PLACA") == [catalan.pk]


@pytest.mark.quality("search-catalan-accents")
def test_spanish_and_english_texts_are_found_by_their_stems(project, citizen):
    spanish = proposal_make(project, citizen, language="es", title="Parques infantiles",
                            body="Más columpios para los niños del barrio.")
    english = proposal_make(project, citizen, language="en", title="Shaded playgrounds",
                            body="Trees planted along the benches.")
    assert found("parque infantil") == [spanish.pk]  # singular finds the plural
    assert found("columpio") == [spanish.pk]
    assert found("playground") == [english.pk]
    assert found("planting tree") == [english.pk]
    assert found("camion") == []


@pytest.mark.quality("search-catalan-accents")
def test_a_title_match_ranks_above_a_body_match(project, citizen):
    in_body = proposal_make(project, citizen, title="Benches", body="Near the fountain.")
    in_title = proposal_make(project, citizen, title="A fountain", body="For the summer.")
    assert found("fountain") == [in_title.pk, in_body.pk]
    ranks = [p.search_rank for p in search.ranked(Proposal.objects.all(),
                                                            "fountain")]
    assert ranks[0] > ranks[1] > 0


def test_the_vector_follows_every_write_even_raw_sql(project, citizen):
    proposal = proposal_make(project, citizen, title="Benches", body="In the square.")
    assert found("fountain") == []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE proposals_proposal SET body = 'A drinking fountain.' "
                       "WHERE id = %s", [proposal.pk])
    assert found("fountain") == [proposal.pk]
    Proposal.objects.filter(pk=proposal.pk).update(language="es", title="Fuentes")
    assert found("fuente") == [proposal.pk]


def test_comments_and_projects_are_searchable(project, citizen):
    proposal = proposal_make(project, citizen)
    comment = comment_make(proposal, citizen, body="Les voreres són massa estretes",
                           language="ca")
    assert list(search.ranked(Comment.objects.all(), "voreres estretes")
                .values_list("pk", flat=True)) == [comment.pk]
    Project.objects.filter(pk=project.pk).update(title_ca="Superilla de Sant Antoni",
                                                 description_es="Calles para caminar")
    assert list(search.ranked(Project.objects.all(), "superilla")
                .values_list("pk", flat=True)) == [project.pk]
    assert list(search.ranked(Project.objects.all(), "calle caminando")
                .values_list("pk", flat=True)) == [project.pk]


def test_websearch_syntax_phrases_or_and_minus(project, citizen):
    a = proposal_make(project, citizen, title="Green roof", body="On the market.")
    b = proposal_make(project, citizen, title="Roof garden", body="On the school.")
    assert set(found("roof")) == {a.pk, b.pk}
    assert found('"green roof"') == [a.pk]
    assert found("roof -school") == [a.pk]
    assert set(found("market or school")) == {a.pk, b.pk}


def test_the_language_of_a_new_text_is_the_page_language(project, citizen):
    with translation.override("ca"):
        proposal = proposal_create(project=project, author=citizen, title="La plaça",
                                   body="Bancs a l'ombra.", category="green",
                                   geometry=POINT)
        comment = comment_create(proposal=proposal, author=citizen, body="Sí, i fonts.")
    with translation.override("es"):
        other = proposal_create(project=project, author=citizen, title="La plaza",
                                body="Bancos a la sombra.", category="green",
                                geometry=POINT)
    with translation.override("de"):
        english = proposal_create(project=project, author=citizen, title="A square",
                                  body="Benches.", category="green", geometry=POINT)
    assert (proposal.language, comment.language, other.language) == ("ca", "ca", "es")
    assert english.language == "en"


def test_pages_follow_the_cursor_without_overlap(project, citizen):
    made = {proposal_make(project, citizen, title=f"Fountain {i}", body="x" * i).pk
            for i in range(1, 8)}
    seen, cursor = [], None
    while True:
        page = search.page(search.ranked(Proposal.objects.all(), "fountain"),
                           limit=3, cursor=cursor)
        seen += [p.pk for p in page.rows]
        if page.next is None:
            break
        cursor = search.Cursor.decode(page.next.encode())
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == made


@pytest.mark.parametrize("bad", ["nonsense", "W10=", "WyJ4IiwxXQ", "eyJhIjoxfQ"])
def test_a_bad_cursor_is_a_clear_error(bad):
    with pytest.raises(ValidationError):
        cursor = search.Cursor.decode(bad)
        search.after(Proposal.objects.all(), cursor, "search_rank")


@pytest.mark.parametrize("bad", ["", "   ", "\x00\x01", "x" * 201])
def test_an_empty_or_long_query_is_refused(bad):
    with pytest.raises(ValidationError):
        search.query_clean(bad)


def test_snippets_escape_the_text_and_mark_only_matches(project, citizen):
    proposal = proposal_make(
        project, citizen, title="<script>alert(1)</script> fountain",
        body="A \x02fake\x03 marker and <b>bold</b> fountain <img src=x onerror=alert(1)>")
    raw = search.headlines(Proposal, [proposal.pk], "fountain", column="body")
    html = search.snippet_html(raw[proposal.pk])
    assert "<mark>fountain</mark>" in html
    # PostgreSQL drops what it parses as tags; whatever else is left is escaped.
    bare = html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare
    assert "&lt;img src=x" in html
    assert html.count("<mark>") == 1  # the text's own markers were stripped
    title = search.snippet_html(search.headlines(Proposal, [proposal.pk], "fountain",
                                                 column="title")[proposal.pk])
    assert "<script>" not in title and "<mark>fountain</mark>" in title
