"""A project's voting weights cannot change once its voting phase has opened.

The rule is enforced by the database, not only by the services: the admin, a shell or
a future endpoint cannot change the weights that votes were cast with. The trigger
guards inserts and updates. Deleting a weight row is guarded by the service and the
admin only: the database cannot tell it from deleting a whole project, whose rows go
first.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION voting_weights_frozen() RETURNS trigger AS $$
BEGIN
    -- (Nested IFs: PL/pgSQL may evaluate every operand of an AND, and each table has
    -- its own columns.)
    IF TG_TABLE_NAME = 'voting_projectvoting' THEN
        -- Only the weight of unverified participants is frozen in the voting rules;
        -- whether results are public may change at any time.
        IF TG_OP = 'UPDATE' THEN
            IF NEW.unverified_weight = OLD.unverified_weight THEN RETURN NEW; END IF;
        END IF;
        -- A project without voting rules has an unverified weight of 0: creating the
        -- rules with 0 (to publish the results, say) changes no weight.
        IF TG_OP = 'INSERT' THEN
            IF NEW.unverified_weight = 0 THEN RETURN NEW; END IF;
        END IF;
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.weight = OLD.weight AND NEW.role_id = OLD.role_id
           AND NEW.project_id = OLD.project_id THEN
            RETURN NEW;
        END IF;
    END IF;
    IF EXISTS (SELECT 1 FROM proposals_phase
               WHERE project_id = NEW.project_id AND kind = 'voting' AND starts_at <= now())
    THEN
        RAISE EXCEPTION 'The voting weights of project % are frozen: its voting phase has '
                        'opened.', NEW.project_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
"""

TRIGGERS = """
CREATE TRIGGER voting_roleweight_frozen BEFORE INSERT OR UPDATE ON voting_roleweight
    FOR EACH ROW EXECUTE FUNCTION voting_weights_frozen();
CREATE TRIGGER voting_projectvoting_frozen BEFORE INSERT OR UPDATE ON voting_projectvoting
    FOR EACH ROW EXECUTE FUNCTION voting_weights_frozen();
"""

REVERSE = """
DROP TRIGGER IF EXISTS voting_roleweight_frozen ON voting_roleweight;
DROP TRIGGER IF EXISTS voting_projectvoting_frozen ON voting_projectvoting;
DROP FUNCTION IF EXISTS voting_weights_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("voting", "0001_initial"), ("proposals", "0001_initial")]

    operations = [migrations.RunSQL(FUNCTION + TRIGGERS, REVERSE)]
