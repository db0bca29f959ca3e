"""A ballot is taken back only while voting is open, as a vote is (0003): once voting
closes, the ballots the outcome was computed from stay. Deleting the budget (or its whole
project) takes its ballots with it; that is checked at commit, when the budget is gone."""

from django.db import migrations

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION voting_ballot_deleted() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM voting_budget b WHERE b.id = OLD.budget_id
                  AND NOT EXISTS (SELECT 1 FROM proposals_phase ph
                                   WHERE ph.project_id = b.project_id
                                     AND ph.kind = 'voting' AND ph.starts_at <= now()
                                     AND now() < ph.ends_at)) THEN
        RAISE EXCEPTION 'Ballots in budget % can be withdrawn only while voting is open.',
            OLD.budget_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER voting_ballot_deleted AFTER DELETE ON voting_ballot
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION voting_ballot_deleted();
"""

REVERSE = """
DROP TRIGGER IF EXISTS voting_ballot_deleted ON voting_ballot;
DROP FUNCTION IF EXISTS voting_ballot_deleted();
"""


class Migration(migrations.Migration):
    dependencies = [("voting", "0007_budget_rules_in_database")]

    operations = [migrations.RunSQL(FUNCTIONS, REVERSE)]
