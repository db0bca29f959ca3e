"""The `pg_trgm` extension: names and titles found by likeness, not only by exact words
(a place typed "Sant Antonio" finds "Sant Antoni"; a proposal's title near an existing
one's). Trusted, like `unaccent` (0008): the database's owner may create it.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gisdata", "0009_remove_layer_gisdata_layer_one_districts_and_more")]

    operations = [TrigramExtension()]
