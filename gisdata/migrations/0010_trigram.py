"""The `pg_trgm` extension, and `plaza_fold(text)`: text folded for finding, lower case
without accents.

Names and titles are found by likeness, not only by exact words: a place typed "Sant
Antonio" finds "Sant Antoni", a proposal's title is compared with those near it. pg_trgm
is trusted, like `unaccent` (0008): the database's owner may create it.

`unaccent()` itself is only STABLE (its dictionary could be changed), so no index may use
it; `plaza_fold` names the dictionary and is declared IMMUTABLE, the usual way to index
unaccented text. An index on `plaza_fold(column)` serves a query written with the same
expression.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

FOLD = """
CREATE FUNCTION plaza_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN lower(public.unaccent('public.unaccent'::regdictionary, value));
"""


class Migration(migrations.Migration):
    dependencies = [("gisdata", "0009_remove_layer_gisdata_layer_one_districts_and_more")]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(FOLD, "DROP FUNCTION plaza_fold(text);"),
    ]
