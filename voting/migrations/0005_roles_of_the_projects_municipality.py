"""A project's weights and votes name only roles of the project's own municipality.

Roles are each municipality's (a resident of one city is not a resident of another), so:

- a weight (`voting_roleweight`) may only name a role of its project's municipality:
  checked before every insert and update, whatever writes it (the admin, a service, SQL);
- a role created, or whose default weight changes, is pinned only in the frozen projects
  of its own municipality (0003 pinned it in every frozen project, which then carried
  weights for other cities' roles);
- a vote may only be cast in a role of its project's municipality.

Errors are check violations (Django's IntegrityError), as 0003's.
"""

from importlib import import_module

from django.db import migrations

PREVIOUS = import_module("voting.migrations.0003_frozen_on_every_path").FUNCTIONS

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION voting_roleweight_same_municipality() RETURNS trigger AS $$
BEGIN
    IF (SELECT municipality_id FROM accounts_stakeholderrole WHERE id = NEW.role_id)
       IS DISTINCT FROM (SELECT municipality_id FROM proposals_project
                          WHERE id = NEW.project_id) THEN
        RAISE EXCEPTION 'Role % is not one of the municipality of project %.',
            NEW.role_id, NEW.project_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION voting_role_pinned() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.default_weight = OLD.default_weight THEN RETURN NEW; END IF;
        INSERT INTO voting_roleweight (project_id, role_id, weight)
        SELECT p.id, OLD.id, OLD.default_weight FROM proposals_project p
         WHERE p.municipality_id = OLD.municipality_id AND voting_project_frozen(p.id)
           AND NOT EXISTS (SELECT 1 FROM voting_roleweight w
                            WHERE w.project_id = p.id AND w.role_id = OLD.id);
        RETURN NEW;
    END IF;
    INSERT INTO voting_roleweight (project_id, role_id, weight)
    SELECT p.id, NEW.id, voting_weight_applying(p.id, NULL) FROM proposals_project p
     WHERE p.municipality_id = NEW.municipality_id AND voting_project_frozen(p.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION voting_vote_checked() RETURNS trigger AS $$
DECLARE
    project bigint;
    applying numeric;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- Erasing the voter, or touching nothing that counts, is always allowed.
        IF NEW.proposal_id = OLD.proposal_id AND NEW.value = OLD.value
           AND NEW.weight = OLD.weight AND NEW.role_id IS NOT DISTINCT FROM OLD.role_id
           AND (NEW.user_id IS NULL OR NEW.user_id = OLD.user_id) THEN
            RETURN NEW;
        END IF;
    END IF;
    SELECT project_id INTO project FROM proposals_proposal WHERE id = NEW.proposal_id;
    IF NOT EXISTS (SELECT 1 FROM proposals_phase WHERE project_id = project
                      AND kind = 'voting' AND starts_at <= now() AND now() < ends_at) THEN
        RAISE EXCEPTION 'Votes on project % are taken only while its voting phase is open.',
            project USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.role_id IS NOT NULL
       AND (SELECT municipality_id FROM accounts_stakeholderrole WHERE id = NEW.role_id)
           IS DISTINCT FROM (SELECT municipality_id FROM proposals_project
                              WHERE id = project) THEN
        RAISE EXCEPTION 'Role % is not one of the municipality of project %.',
            NEW.role_id, project USING ERRCODE = 'check_violation';
    END IF;
    applying := voting_weight_applying(project, NEW.role_id);
    IF NEW.weight IS DISTINCT FROM applying THEN
        RAISE EXCEPTION 'A vote in project % as role % weighs %, not %.',
            project, COALESCE(NEW.role_id::text, '(none)'), applying, NEW.weight
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER voting_roleweight_same_municipality BEFORE INSERT OR UPDATE
    ON voting_roleweight FOR EACH ROW EXECUTE FUNCTION voting_roleweight_same_municipality();
"""

REVERSE = """
DROP TRIGGER IF EXISTS voting_roleweight_same_municipality ON voting_roleweight;
DROP FUNCTION IF EXISTS voting_roleweight_same_municipality();
""" + PREVIOUS


class Migration(migrations.Migration):
    dependencies = [("voting", "0004_tally"),
                    ("accounts", "0005_stakeholderrole_municipality_and_more"),
                    ("proposals", "0012_project_municipality_project_replicated_from_and_more")]

    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
