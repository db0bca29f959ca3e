"""search: the first page of a two-word full-text search among 1,000,000 proposals.

Ours: an anonymous `GET /api/v1/proposals/?search=<two words>&limit=20` through
`django.test.Client` in this process: DRF, the filters, the visibility rules (public
proposals of projects the reader may open), the three languages' tsquery OR'ed, the
ranking of the matches, the cursor page, and the features built by PostGIS.
Reference: the same tsquery in raw SQL, sent with psycopg on a connection of its own:
the matching public proposals ranked the same way, the first 20 built as the same
GeoJSON features, fetched as text.

The proposals are seeded by SQL, a third in each language, each a title of four words
and a body of ten drawn from a vocabulary of 80 words per language, so a two-word query
matches a few thousand of them (a common pair, not a rare one): the first page costs
what ranking those matches costs, which is what a search API must not multiply.

    .venv/bin/python -m bench.bench_search [--runs 30] [--query "tree shade"]
"""

from __future__ import annotations

import argparse
import json
import time

import psycopg

from bench.common import (
    bench_seeding_project,
    fail,
    machine_facts,
    out,
    p50,
    p95,
    rounds,
    setup_django,
    summary,
)

NAME = "search"
PROPOSALS = 1_000_000
CHUNK = 100_000
PAGE = 20
SLUG = "bench-search"
AREA = (2.05, 41.32, 2.23, 41.47)
QUERY = "tree shade"
SEED = 0.2121

VOCABULARY = {
    "en": """tree shade bench fountain street square park playground bike lane bus stop
        crossing pavement school market garden river bridge light lamp noise traffic car
        parking children elderly dog water toilet bin recycling flower grass wall mural
        art music festival sport court pool library corner path trail sign speed calm
        safe night summer winter rain wind heat green roof solar kiosk cafe terrace
        table chair shelter station tram metro walk neighbour community repair paint
        plant build open close widen narrow""".split(),
    "ca": """arbre ombra banc font carrer plaça parc gronxador bicicleta carril parada
        autobús pas vorera escola mercat jardí riu pont llum fanal soroll trànsit cotxe
        aparcament infants gent gran gos aigua lavabo paperera reciclatge flor gespa paret
        mural art música festa esport pista piscina biblioteca cantonada camí senyal
        velocitat calma segur nit estiu hivern pluja vent calor verd terrat solar quiosc
        cafè terrassa taula cadira refugi estació tramvia metro passeig veí comunitat
        arreglar pintar plantar construir obrir""".split(),
    "es": """árbol sombra banco fuente calle plaza parque columpio bicicleta carril parada
        autobús paso acera escuela mercado jardín río puente luz farola ruido tráfico
        coche aparcamiento niños mayores perro agua lavabo papelera reciclaje flor césped
        pared mural arte música fiesta deporte pista piscina biblioteca esquina camino
        señal velocidad calma seguro noche verano invierno lluvia viento calor verde
        azotea solar quiosco café terraza mesa silla refugio estación tranvía metro paseo
        vecino comunidad arreglar pintar plantar construir abrir""".split(),
}

SEED_SQL = """
INSERT INTO proposals_proposal
    (project_id, author_id, category_id, title, body, geometry, status, official_answer,
     is_hidden, hidden_reason, constraint_feedback, language, created_at, updated_at)
SELECT %(project)s, %(author)s, %(category)s,
       array_to_string(w[1:4], ' '), array_to_string(w[5:14], ' ') || '.',
       ST_SetSRID(ST_MakePoint(%(minx)s + random() * (%(maxx)s - %(minx)s),
                               %(miny)s + random() * (%(maxy)s - %(miny)s)), 4326),
       'published', '', false, '', '[]', l.lang, now() - g * interval '1 second', now()
FROM generate_series(%(first)s, %(last)s) AS g
CROSS JOIN LATERAL (SELECT (ARRAY['en', 'ca', 'es'])[1 + g %% 3] AS lang) l
CROSS JOIN LATERAL (
    SELECT array_agg(v.words[1 + floor(random() * cardinality(v.words))::int]) AS w
    FROM generate_series(1, 14 + 0 * g) AS k,
         (SELECT CASE l.lang WHEN 'en' THEN %(en)s::text[] WHEN 'ca' THEN %(ca)s::text[]
                 ELSE %(es)s::text[] END AS words) v) ws
"""

TSQUERY = ("(websearch_to_tsquery('plaza_en'::regconfig, %(q)s)"
           " || websearch_to_tsquery('plaza_es'::regconfig, %(q)s)"
           " || websearch_to_tsquery('plaza_ca'::regconfig, %(q)s))")

# The same features as ours, property for property, for the same rows in the same order.
REFERENCE_SQL = f"""
SELECT coalesce(json_agg(json_build_object(
           'type', 'Feature', 'id', t.id, 'geometry', ST_AsGeoJSON(t.geometry, 7)::json,
           'properties', json_build_object(
               'project', t.project_id, 'title', t.title, 'body', t.body,
               'category', t.slug, 'category_name', t.name, 'status', t.status,
               'official_answer', t.official_answer, 'created_at', t.created_at,
               'updated_at', t.updated_at)) ORDER BY t.n), '[]')::text
FROM (SELECT row_number() OVER () AS n, s.* FROM (
        SELECT p.id, p.geometry, p.project_id, p.title, p.body, c.slug, c.name, p.status,
               p.official_answer, p.created_at, p.updated_at
        FROM proposals_proposal p JOIN proposals_category c ON c.id = p.category_id
        WHERE p.search_vector @@ {TSQUERY}
          AND p.status = ANY(%(statuses)s) AND NOT p.is_hidden
        ORDER BY ts_rank_cd(p.search_vector, {TSQUERY}) DESC, p.id DESC
        LIMIT %(limit)s) s) t
"""  # noqa: S608 - constants only

MATCHES_SQL = (
    f"SELECT count(*) FROM proposals_proposal p WHERE p.search_vector @@ {TSQUERY}")  # noqa: S608


def seed(n: int = PROPOSALS, *, slug: str = SLUG):
    """The project with its `n` proposals: reused when it is there with all of them."""
    from django.db import connection, transaction

    from proposals.models import Category, Project, Proposal

    project = Project.objects.filter(slug=slug).first()
    if project is not None and Proposal.objects.filter(project=project).count() == n:
        out(f"seed: reused project {project.pk} with {n:,} proposals")
        return project
    started = time.perf_counter()
    with transaction.atomic():
        project, user = bench_seeding_project(
            project, slug=slug, title="Benchmark: full-text search",
            description=f"{n:,} proposals seeded by bench/bench_search.py.", area=AREA)
        category, _ = Category.objects.get_or_create(
            project=project, slug="streets", defaults={"name": "Streets"})
        with connection.cursor() as cursor:
            # Seeding a million rows (and their search vectors and index entries) takes
            # minutes: beyond the 30 s that bounds the site's statements.
            cursor.execute("SET LOCAL statement_timeout = 0")
            cursor.execute("DELETE FROM proposals_proposal WHERE project_id = %s",
                           [project.pk])
            cursor.execute("SELECT setseed(%s)", [SEED])
            minx, miny, maxx, maxy = AREA
            for first in range(1, n + 1, CHUNK):
                cursor.execute(SEED_SQL, {
                    "project": project.pk, "author": user.pk, "category": category.pk,
                    "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
                    "first": first, "last": min(first + CHUNK - 1, n), **VOCABULARY})
                if n > CHUNK:
                    out(f"seed: {min(first + CHUNK - 1, n):,} proposals, "
                        f"{time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:  # ANALYZE alone inside a test's transaction
        if connection.in_atomic_block:
            cursor.execute("ANALYZE proposals_proposal")
        else:
            cursor.execute("SET statement_timeout = 0")
            cursor.execute("VACUUM ANALYZE proposals_proposal")
            cursor.execute("RESET statement_timeout")
    out(f"seed: project {project.pk}, {n:,} proposals in "
        f"{time.perf_counter() - started:.1f} s (with VACUUM ANALYZE)")
    return project


def url(query: str, limit: int = PAGE) -> str:
    from urllib.parse import urlencode

    return "/api/v1/proposals/?" + urlencode({"search": query, "limit": limit})


def reference_params(query: str, limit: int = PAGE) -> dict:
    from proposals.models import PUBLIC_STATUSES

    return {"q": query, "statuses": [str(s) for s in PUBLIC_STATUSES], "limit": limit}


def check(ours_body: bytes, reference_text: str) -> str:
    """Ours and the reference: the same features in the same order (exits otherwise)."""
    ours = json.loads(ours_body)["features"]
    reference = json.loads(reference_text)
    if not reference:
        fail("the reference found nothing: the query matches no proposal.")
    if [f["id"] for f in ours] != [f["id"] for f in reference]:
        fail("the API and the reference returned different proposals, or in another order.")
    if ours != reference:
        fail("the API's features differ from the reference's.")
    return f"the same {len(ours)} features in the same order"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="timed runs of each (30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (3)")
    parser.add_argument("--query", default=QUERY, help=f"two words ({QUERY!r})")
    args = parser.parse_args()
    if args.runs < 2:
        parser.error("--runs must be at least 2")

    dsn = setup_django()
    from django.test import Client

    seed()
    client = Client()
    answered = set()
    target = url(args.query)
    params = reference_params(args.query)

    def ours():
        response = client.get(target)
        answered.add(response.status_code)
        return response.content

    with psycopg.connect(dsn, connect_timeout=5, autocommit=True,
                         prepare_threshold=None) as conn:
        def reference():
            return conn.execute(REFERENCE_SQL, params).fetchone()[0]

        out(machine_facts(conn))
        matches = conn.execute(MATCHES_SQL, {"q": args.query}).fetchone()[0]
        first = ours()
        if answered != {200}:
            fail(f"GET {target} answered {sorted(answered)}: {first[:300]!r}")
        out(f"query {args.query!r}: {matches:,} of {PROPOSALS:,} proposals match; "
            f"{check(first, reference())}")
        plan = conn.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "
                            + REFERENCE_SQL, params).fetchall()
        out("reference plan: " + " / ".join(
            row[0].strip() for row in plan if "->" in row[0] or not row[0].startswith(" ")))
        started = time.perf_counter()
        times = rounds({"ours": ours, "reference": reference}, warmup=args.warmup,
                       runs=args.runs)
        if answered != {200}:
            fail(f"GET {target} answered {sorted(answered)} during the timed runs.")
        med = {name: p50(t) for name, t in times.items()}
        out(f"{args.runs} timed rounds after {args.warmup} warm-up, the order rotating, "
            f"{time.perf_counter() - started:.1f} s; " + "; ".join(
                f"{name} p50 {med[name] * 1000:.2f} ms, p95 {p95(t) * 1000:.2f} ms"
                for name, t in times.items())
            + f"; ratio {med['ours'] / med['reference']:.2f} (target 1.5)")
    out(summary(NAME, med["ours"] * 1000, med["reference"] * 1000, "ms"))


if __name__ == "__main__":
    main()
