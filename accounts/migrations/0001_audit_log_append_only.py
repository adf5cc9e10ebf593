"""Make the audit log append-only in the database itself, not only in Python.

A trigger refuses UPDATE and DELETE on layers_auditevent. This is a security invariant of the log, not a
business rule: whoever reaches the database through the application cannot rewrite history through the
ORM, raw SQL or the admin. TRUNCATE is left to the table's owner (the test runner empties tables with it);
in production the application runs as a role that does not own the tables and has only INSERT and SELECT
on the log (docs/deployment.md, docs/security.md).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION trygg_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditevent_append_only
    BEFORE UPDATE OR DELETE ON layers_auditevent
    FOR EACH ROW EXECUTE FUNCTION trygg_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS auditevent_append_only ON layers_auditevent;
DROP FUNCTION IF EXISTS trygg_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("layers", "0003_audit_user_no_constraint")]
    operations = [migrations.RunSQL(FORWARD, REVERSE)]
