"""The frozen weights hold whatever table is written: phases, weights, roles and votes.

Migration 0002 guarded the weight tables only, and only by the phases: moving the voting
phase a day ahead, changing a weight and moving the phase back went through, with votes
already cast at the old weight. Here every table whose change could undo the freeze is
guarded in the database, so the dashboard, the admin, the API, a service or raw SQL all
meet the same rule (docs/voting-weights.md, "A project's weights, published and frozen").

A project is frozen once its voting phase has started **or** any vote was cast on one of
its proposals (`voting_project_frozen`). Then:

- **Weights** (`voting_roleweight`, `voting_projectvoting`): no insert or update may
  change the weight that applies to a role or to unverified participants (0002's
  trigger, now reading votes as well). Deleting a weight row is checked at commit: it is
  refused if the project still exists and the weight that applies changed; deleting the
  whole project deletes its weights first, and the project is gone by then.
- **Phases** (`proposals_phase`): the voting phase's start cannot move, nor the phase be
  deleted or become another kind, once it has passed or votes exist. Checked at commit,
  so that replacing the phases with the same plan (delete, then insert) passes.
- **Roles** (`accounts_stakeholderrole`): changing a role's default weight first pins
  the old weight in every frozen project that used the default; a role created after a
  project froze is pinned there at the project's weight for unverified participants
  (it was not in the published table, so it counts as no verified role would).
- **Votes** (`voting_vote`): a vote is written only while its project's voting phase is
  open, and only with the weight that applies to its role in its project (the weight of
  unverified participants when it has no role). Erasing the voter (the user becomes
  NULL) is always allowed. A vote may be deleted only while voting is open, or with its
  proposal (checked at commit).

Errors are check violations (Django's IntegrityError) whose message says what was
refused; the services check the same rules first and say it in the user's words.
"""

from importlib import import_module

from django.db import migrations

# Undoing this migration puts back 0002's trigger function, which read the phases only.
PREVIOUS = import_module("voting.migrations.0002_weights_frozen_trigger").FUNCTION

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION voting_project_frozen(p bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM proposals_phase
                    WHERE project_id = p AND kind = 'voting' AND starts_at <= now())
        OR EXISTS (SELECT 1 FROM proposals_proposal pr
                    WHERE pr.project_id = p
                      AND EXISTS (SELECT 1 FROM voting_vote v WHERE v.proposal_id = pr.id))
$$;

-- The weight a vote in role `r` (NULL: no verified role) carries in project `p` now.
CREATE OR REPLACE FUNCTION voting_weight_applying(p bigint, r bigint) RETURNS numeric
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN r IS NULL THEN
               COALESCE((SELECT unverified_weight FROM voting_projectvoting
                          WHERE project_id = p), 0.000)
           ELSE
               COALESCE((SELECT weight FROM voting_roleweight
                          WHERE project_id = p AND role_id = r),
                        (SELECT default_weight FROM accounts_stakeholderrole WHERE id = r))
           END
$$;

CREATE OR REPLACE FUNCTION voting_weights_frozen() RETURNS trigger AS $$
BEGIN
    -- (Nested IFs: PL/pgSQL may evaluate every operand of an AND, and each table has
    -- its own columns.)
    IF pg_trigger_depth() > 1 THEN
        -- Written by the roles' trigger below, to pin a weight: it changes none.
        RETURN NEW;
    END IF;
    IF TG_TABLE_NAME = 'voting_projectvoting' THEN
        -- Whether results are public may change at any time.
        IF TG_OP = 'UPDATE' THEN
            IF NEW.unverified_weight = OLD.unverified_weight
               AND NEW.project_id = OLD.project_id THEN
                RETURN NEW;
            END IF;
        END IF;
        -- A project without voting rules has an unverified weight of 0: creating the
        -- rules with 0 (to publish the results, say) changes no weight.
        IF TG_OP = 'INSERT' THEN
            IF NEW.unverified_weight = 0 THEN RETURN NEW; END IF;
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF NEW.project_id <> OLD.project_id THEN
                IF voting_project_frozen(OLD.project_id) THEN
                    RAISE EXCEPTION 'The voting weights of project % are frozen: voting '
                        'has opened.', OLD.project_id USING ERRCODE = 'check_violation';
                END IF;
            END IF;
        END IF;
    ELSE
        IF TG_OP = 'UPDATE' THEN
            IF NEW.weight = OLD.weight AND NEW.role_id = OLD.role_id
               AND NEW.project_id = OLD.project_id THEN
                RETURN NEW;
            END IF;
            IF voting_project_frozen(OLD.project_id) THEN
                RAISE EXCEPTION 'The voting weights of project % are frozen: voting has '
                    'opened.', OLD.project_id USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        -- Writing down the weight that applies anyway (a role's default) changes none.
        IF TG_OP = 'INSERT' THEN
            IF NEW.weight = voting_weight_applying(NEW.project_id, NEW.role_id) THEN
                RETURN NEW;
            END IF;
        END IF;
    END IF;
    IF voting_project_frozen(NEW.project_id) THEN
        RAISE EXCEPTION 'The voting weights of project % are frozen: voting has opened.',
            NEW.project_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

-- At commit: a deleted weight row must not have changed the weight that applies in a
-- project that still exists and is frozen.
CREATE OR REPLACE FUNCTION voting_weight_deleted() RETURNS trigger AS $$
DECLARE
    before numeric;
    role bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM proposals_project WHERE id = OLD.project_id) THEN
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'voting_projectvoting' THEN
        before := OLD.unverified_weight;
        role := NULL;
    ELSE
        before := OLD.weight;
        role := OLD.role_id;
    END IF;
    IF voting_weight_applying(OLD.project_id, role) IS DISTINCT FROM before
       AND voting_project_frozen(OLD.project_id) THEN
        RAISE EXCEPTION 'The voting weights of project % are frozen: voting has opened.',
            OLD.project_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- At commit: once the voting phase has started, or votes exist, the project still has a
-- voting phase starting at the same moment.
CREATE OR REPLACE FUNCTION voting_phase_kept() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM proposals_project WHERE id = OLD.project_id) THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM proposals_phase WHERE project_id = OLD.project_id
                  AND kind = 'voting' AND starts_at = OLD.starts_at) THEN
        RETURN NULL;
    END IF;
    IF OLD.starts_at <= now() OR voting_project_frozen(OLD.project_id) THEN
        RAISE EXCEPTION 'The voting phase of project % opened at %: its start can no '
            'longer move, nor the phase be removed (the weights are frozen from then).',
            OLD.project_id, OLD.starts_at USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

-- Before a role's default weight changes, or after a role is created: pin what applied
-- in every frozen project that has no weight of its own for the role.
CREATE OR REPLACE FUNCTION voting_role_pinned() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.default_weight = OLD.default_weight THEN RETURN NEW; END IF;
        INSERT INTO voting_roleweight (project_id, role_id, weight)
        SELECT p.id, OLD.id, OLD.default_weight FROM proposals_project p
         WHERE voting_project_frozen(p.id)
           AND NOT EXISTS (SELECT 1 FROM voting_roleweight w
                            WHERE w.project_id = p.id AND w.role_id = OLD.id);
        RETURN NEW;
    END IF;
    INSERT INTO voting_roleweight (project_id, role_id, weight)
    SELECT p.id, NEW.id, voting_weight_applying(p.id, NULL) FROM proposals_project p
     WHERE voting_project_frozen(p.id);
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
    applying := voting_weight_applying(project, NEW.role_id);
    IF NEW.weight IS DISTINCT FROM applying THEN
        RAISE EXCEPTION 'A vote in project % as role % weighs %, not %.',
            project, COALESCE(NEW.role_id::text, '(none)'), applying, NEW.weight
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

-- At commit: a deleted vote's proposal is gone too, or voting is still open.
CREATE OR REPLACE FUNCTION voting_vote_deleted() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM proposals_proposal pr WHERE pr.id = OLD.proposal_id
                  AND NOT EXISTS (SELECT 1 FROM proposals_phase ph
                                   WHERE ph.project_id = pr.project_id
                                     AND ph.kind = 'voting' AND ph.starts_at <= now()
                                     AND now() < ph.ends_at)) THEN
        RAISE EXCEPTION 'Votes on proposal % can be withdrawn only while voting is open.',
            OLD.proposal_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE CONSTRAINT TRIGGER voting_roleweight_deleted AFTER DELETE ON voting_roleweight
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION voting_weight_deleted();
CREATE CONSTRAINT TRIGGER voting_projectvoting_deleted AFTER DELETE ON voting_projectvoting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION voting_weight_deleted();
CREATE CONSTRAINT TRIGGER voting_phase_kept AFTER UPDATE OR DELETE ON proposals_phase
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (OLD.kind = 'voting')
    EXECUTE FUNCTION voting_phase_kept();
CREATE TRIGGER voting_role_weight_pinned BEFORE UPDATE OF default_weight
    ON accounts_stakeholderrole FOR EACH ROW EXECUTE FUNCTION voting_role_pinned();
CREATE TRIGGER voting_role_created_pinned AFTER INSERT ON accounts_stakeholderrole
    FOR EACH ROW EXECUTE FUNCTION voting_role_pinned();
CREATE TRIGGER voting_vote_checked BEFORE INSERT OR UPDATE ON voting_vote
    FOR EACH ROW EXECUTE FUNCTION voting_vote_checked();
CREATE CONSTRAINT TRIGGER voting_vote_deleted AFTER DELETE ON voting_vote
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION voting_vote_deleted();
"""

REVERSE = """
DROP TRIGGER IF EXISTS voting_roleweight_deleted ON voting_roleweight;
DROP TRIGGER IF EXISTS voting_projectvoting_deleted ON voting_projectvoting;
DROP TRIGGER IF EXISTS voting_phase_kept ON proposals_phase;
DROP TRIGGER IF EXISTS voting_role_weight_pinned ON accounts_stakeholderrole;
DROP TRIGGER IF EXISTS voting_role_created_pinned ON accounts_stakeholderrole;
DROP TRIGGER IF EXISTS voting_vote_checked ON voting_vote;
DROP TRIGGER IF EXISTS voting_vote_deleted ON voting_vote;
DROP FUNCTION IF EXISTS voting_vote_deleted();
DROP FUNCTION IF EXISTS voting_vote_checked();
DROP FUNCTION IF EXISTS voting_role_pinned();
DROP FUNCTION IF EXISTS voting_phase_kept();
DROP FUNCTION IF EXISTS voting_weight_deleted();
DROP FUNCTION IF EXISTS voting_weight_applying(bigint, bigint);
DROP FUNCTION IF EXISTS voting_project_frozen(bigint);
""" + PREVIOUS


class Migration(migrations.Migration):
    dependencies = [("voting", "0002_weights_frozen_trigger"),
                    ("proposals", "0003_constraint_feedback"), ("accounts", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTIONS + TRIGGERS, REVERSE)]
