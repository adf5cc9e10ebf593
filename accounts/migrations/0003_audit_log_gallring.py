"""Let gallring remove audit entries older than a year, and nothing else (decision 0623).

The trigger of 0001 refuses every UPDATE and DELETE on layers_auditevent. Gallring (``manage.py gallra``)
must be able to remove entries past their time, so a DELETE is let through when, and only when, the
transaction has said it is gallring (``SET LOCAL trygg.gallring = 'on'``) *and* the entry is more than
365 days old. However the setting is set or the command configured, the last year of the log cannot be
deleted, and UPDATE stays refused. In production the application's role has no DELETE privilege on the log
at all: gallring runs as the role that runs migrations (docs/deployment.md).
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION trygg_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND current_setting('trygg.gallring', true) = 'on'
       AND OLD.at < now() - interval '365 days' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION trygg_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_api_tokens")]
    operations = [migrations.RunSQL(FORWARD, REVERSE)]
