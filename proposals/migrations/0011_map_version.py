"""The map's version per project, kept by the database (proposals.models.MapVersion).

The map's cells of a whole city take a second to count at a million proposals, and are
the same for every anonymous reader until a proposal changes. They are cached under the
project's map version (proposals/clusters.py); these triggers give the project a new
version in the same transaction as any write that changes what the map counts, whatever
path wrote it (the services, the admin, the demo loader, raw SQL, erasure):

- a proposal added or deleted, or its project, category, geometry, status or hidden flag
  changed by an update (statement-level, from the statement's transition tables: a
  million proposals inserted in one statement are one row per project, not a million;
  an update that changes none of those, an edited title, changes no version);
- a category's slug changed (the map filters by slug);
- the proposals truncated (every project's version changes).

A version is a random UUID, not a counter: a database restored from a backup never
hands out again a version that a cache may still hold. The upsert's row lock orders
writers of one project's proposals; it is held to the end of the writing transaction,
as the vote's tally row is.
"""

from django.db import migrations, models

BUMP = """
    INSERT INTO proposals_mapversion (project_id, version)
    SELECT p.project_id, gen_random_uuid()
      FROM (SELECT DISTINCT project_id FROM ({rows}) r) p
     ORDER BY p.project_id
    ON CONFLICT (project_id) DO UPDATE SET version = EXCLUDED.version;"""

# The projects of the rows an UPDATE changed in what the map counts (an edited title or
# a touched `updated_at` changes no cell). A trigger with transition tables cannot name
# columns (UPDATE OF …), so the rows before and after are compared here.
CHANGED = """
    SELECT x.project_id FROM new_rows n JOIN old_rows o ON o.id = n.id,
           LATERAL (VALUES (n.project_id), (o.project_id)) x(project_id)
     WHERE (n.project_id, n.category_id, n.status, n.is_hidden)
           IS DISTINCT FROM (o.project_id, o.category_id, o.status, o.is_hidden)
        OR NOT ST_OrderingEquals(n.geometry, o.geometry)"""
RENAMED = """
    SELECT n.project_id FROM new_rows n JOIN old_rows o ON o.id = n.id
     WHERE n.slug IS DISTINCT FROM o.slug"""

FORWARD = f"""
CREATE FUNCTION proposals_map_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {BUMP.format(rows="SELECT project_id FROM new_rows")}
    ELSIF TG_OP = 'UPDATE' THEN
        {BUMP.format(rows=CHANGED)}
    ELSE
        {BUMP.format(rows="SELECT project_id FROM old_rows")}
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER proposals_map_inserted AFTER INSERT ON proposals_proposal
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proposals_map_changed();
CREATE TRIGGER proposals_map_deleted AFTER DELETE ON proposals_proposal
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proposals_map_changed();
CREATE TRIGGER proposals_map_updated AFTER UPDATE ON proposals_proposal
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proposals_map_changed();

CREATE FUNCTION proposals_map_category_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {BUMP.format(rows=RENAMED)}
    RETURN NULL;
END $$;
CREATE TRIGGER proposals_map_category_renamed AFTER UPDATE ON proposals_category
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION proposals_map_category_renamed();

-- The projects that have proposals already start with a version of their own.
INSERT INTO proposals_mapversion (project_id, version)
SELECT p.project_id, gen_random_uuid()
  FROM (SELECT DISTINCT project_id FROM proposals_proposal) p;

CREATE FUNCTION proposals_map_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE proposals_mapversion SET version = gen_random_uuid();
    RETURN NULL;
END $$;
CREATE TRIGGER proposals_map_truncated AFTER TRUNCATE ON proposals_proposal
    FOR EACH STATEMENT EXECUTE FUNCTION proposals_map_truncated();
"""  # noqa: S608 (constants)

BACKWARD = """
DROP TRIGGER proposals_map_truncated ON proposals_proposal;
DROP FUNCTION proposals_map_truncated();
DROP TRIGGER proposals_map_category_renamed ON proposals_category;
DROP FUNCTION proposals_map_category_renamed();
DROP TRIGGER proposals_map_updated ON proposals_proposal;
DROP TRIGGER proposals_map_deleted ON proposals_proposal;
DROP TRIGGER proposals_map_inserted ON proposals_proposal;
DROP FUNCTION proposals_map_changed();
"""


class Migration(migrations.Migration):

    dependencies = [
        ("proposals", "0010_proposal_newest_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="MapVersion",
            fields=[
                ("project_id", models.IntegerField(primary_key=True, serialize=False)),
                ("version", models.UUIDField()),
            ],
            options={
                "db_table": "proposals_mapversion",
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
