"""The `unaccent` extension, so that a planner who types "Gracia" finds "Gràcia".

`unaccent` is a trusted extension (PostgreSQL 13 and later): the database's owner may
create it without being a superuser.
"""

from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("gisdata", "0007_layer_constraint_translations")]

    operations = [UnaccentExtension()]
