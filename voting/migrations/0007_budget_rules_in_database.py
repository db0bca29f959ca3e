"""A budget vote's rules hold in the database, whatever path writes (docs/budgeting.md).

- **Ballots** (`voting_ballot`): the project and area are copied from the budget. A
  ballot is written only while its project's voting phase is open, in a project that
  votes by budget, with the weight that applies to its role (as a vote,
  0003/0005). It lists distinct proposals, each assessed feasible, costed and placed in
  this very budget, public and open to votes; their number lies within the project's
  minimum and maximum and their costs add up to no more than the budget. Erasing the
  voter (the user becomes NULL) is always allowed.
- **Votes**: a project that votes by budget takes no for/against vote.
- **Frozen**: once the voting phase has started or a vote or ballot exists
  (`voting_project_frozen`, which now reads ballots too), a project's method, its
  ballot counts, its budgets and its proposals' assessments no longer change; a budget's
  area is one of the project's municipality.

Errors are check violations whose message says what was refused; the services check the
same rules first and say it in the voter's words.
"""

from django.db import migrations

PREVIOUS_FROZEN = r"""
CREATE OR REPLACE FUNCTION voting_project_frozen(p bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM proposals_phase
                    WHERE project_id = p AND kind = 'voting' AND starts_at <= now())
        OR EXISTS (SELECT 1 FROM proposals_proposal pr
                    WHERE pr.project_id = p
                      AND EXISTS (SELECT 1 FROM voting_vote v WHERE v.proposal_id = pr.id))
$$;
"""

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION voting_project_frozen(p bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM proposals_phase
                    WHERE project_id = p AND kind = 'voting' AND starts_at <= now())
        OR EXISTS (SELECT 1 FROM proposals_proposal pr
                    WHERE pr.project_id = p
                      AND EXISTS (SELECT 1 FROM voting_vote v WHERE v.proposal_id = pr.id))
        OR EXISTS (SELECT 1 FROM voting_ballot b WHERE b.project_id = p)
$$;

CREATE OR REPLACE FUNCTION voting_ballot_checked() RETURNS trigger AS $$
DECLARE
    b record;
    rules record;
    applying numeric;
    n integer;
    total numeric;
    eligible integer;
BEGIN
    SELECT id, project_id, area_id, amount INTO b FROM voting_budget WHERE id = NEW.budget_id;
    NEW.project_id := b.project_id;
    NEW.area_id := b.area_id;
    IF TG_OP = 'UPDATE' THEN
        -- Erasing the voter, or touching nothing that counts, is always allowed.
        IF NEW.budget_id = OLD.budget_id AND NEW.proposals = OLD.proposals
           AND NEW.weight = OLD.weight AND NEW.role_id IS NOT DISTINCT FROM OLD.role_id
           AND (NEW.user_id IS NULL OR NEW.user_id = OLD.user_id) THEN
            RETURN NEW;
        END IF;
    END IF;
    SELECT method, min_projects, max_projects INTO rules FROM voting_projectvoting
     WHERE project_id = b.project_id;
    IF rules IS NULL OR rules.method IS DISTINCT FROM 'budget' THEN
        RAISE EXCEPTION 'Project % does not vote by budget.', b.project_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM proposals_phase WHERE project_id = b.project_id
                      AND kind = 'voting' AND starts_at <= now() AND now() < ends_at) THEN
        RAISE EXCEPTION 'Ballots in project % are taken only while its voting phase is open.',
            b.project_id USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.role_id IS NOT NULL
       AND (SELECT municipality_id FROM accounts_stakeholderrole WHERE id = NEW.role_id)
           IS DISTINCT FROM (SELECT municipality_id FROM proposals_project
                              WHERE id = b.project_id) THEN
        RAISE EXCEPTION 'Role % is not one of the municipality of project %.',
            NEW.role_id, b.project_id USING ERRCODE = 'check_violation';
    END IF;
    applying := voting_weight_applying(b.project_id, NEW.role_id);
    IF NEW.weight IS DISTINCT FROM applying THEN
        RAISE EXCEPTION 'A ballot in project % as role % weighs %, not %.',
            b.project_id, COALESCE(NEW.role_id::text, '(none)'), applying, NEW.weight
            USING ERRCODE = 'check_violation';
    END IF;
    n := COALESCE(cardinality(NEW.proposals), 0);
    IF n <> (SELECT count(DISTINCT x) FROM unnest(NEW.proposals) x) THEN
        RAISE EXCEPTION 'A ballot lists each proposal once.' USING ERRCODE = 'check_violation';
    END IF;
    IF n < rules.min_projects OR (rules.max_projects IS NOT NULL AND n > rules.max_projects) THEN
        RAISE EXCEPTION 'A ballot in project % picks between % and % proposals, not %.',
            b.project_id, rules.min_projects, COALESCE(rules.max_projects::text, 'any'), n
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT count(*), COALESCE(sum(a.cost), 0) INTO eligible, total
      FROM voting_assessment a JOIN proposals_proposal p ON p.id = a.proposal_id
     WHERE a.proposal_id = ANY(NEW.proposals) AND a.budget_id = NEW.budget_id
       AND a.feasibility = 'feasible' AND a.cost IS NOT NULL
       AND p.project_id = b.project_id AND NOT p.is_hidden
       AND p.status IN ('published', 'shortlisted');
    IF eligible <> n THEN
        RAISE EXCEPTION 'A ballot in budget % lists only its own feasible, costed proposals '
            'open to votes.', NEW.budget_id USING ERRCODE = 'check_violation';
    END IF;
    IF total > b.amount THEN
        RAISE EXCEPTION 'A ballot in budget % costs %, over its % budget.',
            NEW.budget_id, total, b.amount USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION voting_vote_not_budget() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.proposal_id = OLD.proposal_id AND NEW.value = OLD.value THEN
        RETURN NEW;
    END IF;
    IF EXISTS (SELECT 1 FROM proposals_proposal pr
                 JOIN voting_projectvoting pv ON pv.project_id = pr.project_id
                WHERE pr.id = NEW.proposal_id AND pv.method = 'budget') THEN
        RAISE EXCEPTION 'Proposal % is in a project that votes by budget.', NEW.proposal_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

-- Budgets, assessments and the budget rules of a frozen project stay as they were.
-- Inserts and updates are checked at once; deletes (and an assessment's updates, which
-- a deleted budget's SET NULL makes while its project is deleted) at commit, when a
-- deleted project or proposal is gone and so nothing it held counts any more.
CREATE OR REPLACE FUNCTION voting_budget_checked() RETURNS trigger AS $$
DECLARE
    project bigint;
BEGIN
    IF TG_TABLE_NAME = 'voting_projectvoting' THEN
        IF NEW.method = OLD.method AND NEW.min_projects = OLD.min_projects
           AND NEW.max_projects IS NOT DISTINCT FROM OLD.max_projects
           AND NEW.currency = OLD.currency THEN
            RETURN NEW;
        END IF;
        project := NEW.project_id;
    ELSIF TG_TABLE_NAME = 'voting_budget' THEN
        IF NEW.area_id IS NOT NULL
           AND (SELECT municipality_id FROM municipalities_area WHERE id = NEW.area_id)
               IS DISTINCT FROM (SELECT municipality_id FROM proposals_project
                                  WHERE id = NEW.project_id) THEN
            RAISE EXCEPTION 'Area % is not one of the municipality of project %.',
                NEW.area_id, NEW.project_id USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE' THEN
            IF NEW.amount = OLD.amount AND NEW.area_id IS NOT DISTINCT FROM OLD.area_id
               AND NEW.project_id = OLD.project_id THEN
                RETURN NEW;
            END IF;
        END IF;
        project := NEW.project_id;
    ELSE  -- voting_assessment
        SELECT project_id INTO project FROM proposals_proposal WHERE id = NEW.proposal_id;
        IF NEW.budget_id IS NOT NULL
           AND (SELECT project_id FROM voting_budget WHERE id = NEW.budget_id)
               IS DISTINCT FROM project THEN
            RAISE EXCEPTION 'Budget % is not one of project %.', NEW.budget_id, project
                USING ERRCODE = 'check_violation';
        END IF;
        IF TG_OP = 'UPDATE' THEN
            RETURN NEW;  -- voting_budget_kept, at commit
        END IF;
    END IF;
    IF voting_project_frozen(project) THEN
        RAISE EXCEPTION 'Voting has opened in project %: its budgets and assessments are '
            'frozen.', project USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION voting_budget_kept() RETURNS trigger AS $$
DECLARE
    project bigint;
BEGIN
    IF TG_TABLE_NAME = 'voting_budget' THEN
        project := OLD.project_id;
        IF NOT EXISTS (SELECT 1 FROM proposals_project WHERE id = project) THEN
            RETURN NULL;
        END IF;
    ELSE
        IF TG_OP = 'UPDATE' THEN
            IF NEW.cost IS NOT DISTINCT FROM OLD.cost AND NEW.feasibility = OLD.feasibility
               AND NEW.budget_id IS NOT DISTINCT FROM OLD.budget_id
               AND NEW.unfeasible_reason = OLD.unfeasible_reason THEN
                RETURN NULL;
            END IF;
        END IF;
        SELECT project_id INTO project FROM proposals_proposal WHERE id = OLD.proposal_id;
        IF project IS NULL THEN  -- the proposal (or its whole project) was deleted
            RETURN NULL;
        END IF;
    END IF;
    IF voting_project_frozen(project) THEN
        RAISE EXCEPTION 'Voting has opened in project %: its budgets and assessments are '
            'frozen.', project USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER voting_ballot_checked BEFORE INSERT OR UPDATE ON voting_ballot
    FOR EACH ROW EXECUTE FUNCTION voting_ballot_checked();
CREATE TRIGGER voting_vote_not_budget BEFORE INSERT OR UPDATE ON voting_vote
    FOR EACH ROW EXECUTE FUNCTION voting_vote_not_budget();
CREATE TRIGGER voting_budget_rules_frozen BEFORE UPDATE ON voting_projectvoting
    FOR EACH ROW EXECUTE FUNCTION voting_budget_checked();
CREATE TRIGGER voting_budget_checked BEFORE INSERT OR UPDATE ON voting_budget
    FOR EACH ROW EXECUTE FUNCTION voting_budget_checked();
CREATE TRIGGER voting_assessment_checked BEFORE INSERT OR UPDATE ON voting_assessment
    FOR EACH ROW EXECUTE FUNCTION voting_budget_checked();
CREATE CONSTRAINT TRIGGER voting_budget_kept AFTER DELETE ON voting_budget
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION voting_budget_kept();
CREATE CONSTRAINT TRIGGER voting_assessment_kept AFTER UPDATE OR DELETE ON voting_assessment
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION voting_budget_kept();
"""

REVERSE = """
DROP TRIGGER IF EXISTS voting_assessment_kept ON voting_assessment;
DROP TRIGGER IF EXISTS voting_budget_kept ON voting_budget;
DROP TRIGGER IF EXISTS voting_assessment_checked ON voting_assessment;
DROP TRIGGER IF EXISTS voting_budget_checked ON voting_budget;
DROP TRIGGER IF EXISTS voting_budget_rules_frozen ON voting_projectvoting;
DROP TRIGGER IF EXISTS voting_vote_not_budget ON voting_vote;
DROP TRIGGER IF EXISTS voting_ballot_checked ON voting_ballot;
DROP FUNCTION IF EXISTS voting_budget_kept();
DROP FUNCTION IF EXISTS voting_budget_checked();
DROP FUNCTION IF EXISTS voting_vote_not_budget();
DROP FUNCTION IF EXISTS voting_ballot_checked();
""" + PREVIOUS_FROZEN


class Migration(migrations.Migration):
    dependencies = [("voting", "0006_budgets")]

    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
