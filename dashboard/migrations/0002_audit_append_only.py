"""The audit log is append-only: the database refuses UPDATE and DELETE on its rows.

Enforced by a trigger rather than by the code alone, so that neither the admin, a
shell, nor a future endpoint can rewrite history. TRUNCATE stays possible: it needs
the table owner's rights (an operator, not the application's code paths), and the test
suite uses it to empty the database between browser tests.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION dashboard_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % is refused.', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER dashboard_auditentry_append_only BEFORE UPDATE OR DELETE
    ON dashboard_auditentry FOR EACH ROW EXECUTE FUNCTION dashboard_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS dashboard_auditentry_append_only ON dashboard_auditentry;
DROP FUNCTION IF EXISTS dashboard_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
