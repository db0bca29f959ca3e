"""Full-text search: a text search configuration per language, and the texts' search
vectors kept by the database.

`plaza_en`, `plaza_es`, `plaza_ca` are PostgreSQL's `english`, `spanish` and `catalan`
with `unaccent` before the stemmer, so "plaça" and "placa", "camión" and "camion" stem
alike: people type without accents on phones, and a text may have them or not.

The vectors are generated columns (STORED): the database keeps them whatever writes the
row (services, the admin, a migration, raw SQL), in the same statement. A proposal's is
its title (weight A) and body (B) in its own language's configuration; a comment's its
body in its language; a project's each language's title (A) and description (B) in that
language's configuration. They are not model fields: nothing in Python reads or writes
them; proposals/search.py queries them by name.

`proposals_title_fold_trgm`: titles found by likeness (similar proposals), with the same
expression as `plaza_fold(title) % plaza_fold(%s)`.
"""

from django.db import migrations

LANGUAGES = {"en": "english", "es": "spanish", "ca": "catalan"}


def _config(code: str) -> str:
    return f"'plaza_{code}'::regconfig"


def _by_language(column: str, expression: str) -> str:
    """`expression` (with {config}) in the configuration of the row's `language`."""
    cases = " ".join(f"WHEN '{code}' THEN {expression.format(config=_config(code))}"
                     for code in LANGUAGES)
    return f"CASE {column} {cases} ELSE {expression.format(config=_config('en'))} END"


CONFIGURATIONS = "\n".join(
    f"""CREATE TEXT SEARCH CONFIGURATION plaza_{code} (COPY = pg_catalog.{name});
    ALTER TEXT SEARCH CONFIGURATION plaza_{code}
      ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, {name}_stem;"""
    for code, name in LANGUAGES.items())

PROPOSAL_VECTOR = _by_language("language", (
    "setweight(to_tsvector({config}, title), 'A')"
    " || setweight(to_tsvector({config}, body), 'B')"))
COMMENT_VECTOR = _by_language("language", "to_tsvector({config}, body)")
PROJECT_VECTOR = " || ".join(
    f"setweight(to_tsvector({_config(code)}, coalesce(title_{code}, '')), 'A')"
    f" || setweight(to_tsvector({_config(code)}, coalesce(description_{code}, '')), 'B')"
    for code in LANGUAGES)

FORWARD = f"""
{CONFIGURATIONS}
ALTER TABLE proposals_proposal ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS ({PROPOSAL_VECTOR}) STORED;
CREATE INDEX proposals_proposal_search ON proposals_proposal USING gin (search_vector);
ALTER TABLE proposals_comment ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS ({COMMENT_VECTOR}) STORED;
CREATE INDEX proposals_comment_search ON proposals_comment USING gin (search_vector);
ALTER TABLE proposals_project ADD COLUMN search_vector tsvector
  GENERATED ALWAYS AS ({PROJECT_VECTOR}) STORED;
CREATE INDEX proposals_project_search ON proposals_project USING gin (search_vector);
CREATE INDEX proposals_title_fold_trgm ON proposals_proposal
  USING gin (plaza_fold(title) gin_trgm_ops);
"""

BACKWARD = """
DROP INDEX proposals_title_fold_trgm;
ALTER TABLE proposals_project DROP COLUMN search_vector;
ALTER TABLE proposals_comment DROP COLUMN search_vector;
ALTER TABLE proposals_proposal DROP COLUMN search_vector;
DROP TEXT SEARCH CONFIGURATION plaza_ca;
DROP TEXT SEARCH CONFIGURATION plaza_es;
DROP TEXT SEARCH CONFIGURATION plaza_en;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0015_proposal_language_merged"),
        ("gisdata", "0010_trigram"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
