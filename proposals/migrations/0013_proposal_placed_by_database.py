"""Where a proposal lies in its city's hierarchy, kept by the database.

A proposal's district and neighbourhood (proposals.Proposal.district/neighbourhood)
follow from its point on surface and its project's municipality's areas. This trigger
sets them on every insert and on every update of the geometry or the project, whatever
path writes (the services, the admin, the demo loader, the benches' bulk SQL), so the
roll-ups by area (reports/rollup.py) group by stored ids and never disagree with the
shapes. An import of the areas places every proposal again (proposals/areas.py) with
the same rule, as one UPDATE that names neither column, so this trigger does not run
for it.

The rule: the neighbourhood that covers the point on surface (the lowest id on a
border, as proposals/districts.py), and then the district is that neighbourhood's
parent, so that the levels nest and the counts add up; a point in no neighbourhood
takes the district that covers it, if any. (The generated column `point` is not yet
computed in a BEFORE trigger: the point on surface is computed here again.)
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION proposals_proposal_place() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    spot geometry := ST_PointOnSurface(NEW.geometry);
    town bigint;
BEGIN
    SELECT municipality_id INTO town FROM proposals_project WHERE id = NEW.project_id;
    SELECT a.id, a.parent_id INTO NEW.neighbourhood_id, NEW.district_id
      FROM municipalities_area a
     WHERE a.municipality_id = town AND a.level = 2 AND ST_Covers(a.geometry, spot)
     ORDER BY a.id LIMIT 1;
    IF NEW.neighbourhood_id IS NULL THEN
        SELECT a.id INTO NEW.district_id
          FROM municipalities_area a
         WHERE a.municipality_id = town AND a.level = 1 AND ST_Covers(a.geometry, spot)
         ORDER BY a.id LIMIT 1;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER proposals_proposal_placed
    BEFORE INSERT OR UPDATE OF geometry, project_id ON proposals_proposal
    FOR EACH ROW EXECUTE FUNCTION proposals_proposal_place();
"""

BACKWARD = """
DROP TRIGGER proposals_proposal_placed ON proposals_proposal;
DROP FUNCTION proposals_proposal_place();
"""


class Migration(migrations.Migration):
    dependencies = [("proposals", "0012_project_municipality_project_replicated_from_and_more")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
