"""A project runs for a district or neighbourhood of its own municipality: (scope_area,
municipality) must be an area's (id, municipality), which a plain foreign key cannot
say (the key municipalities 0002 made unique). A project run for the whole city (no
scope area) is not checked (MATCH SIMPLE)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("proposals", "0013_proposal_placed_by_database"),
                    ("municipalities", "0002_default_municipality")]

    operations = [
        migrations.RunSQL(
            """
            ALTER TABLE proposals_project
              ADD CONSTRAINT proposals_project_scope_in_municipality
              FOREIGN KEY (scope_area_id, municipality_id)
              REFERENCES municipalities_area (id, municipality_id)
              DEFERRABLE INITIALLY DEFERRED;
            """,
            "ALTER TABLE proposals_project DROP CONSTRAINT "
            "proposals_project_scope_in_municipality;"),
    ]
