"""The audit trail's contexts (who, from which request or job) cannot be deleted or re-dated.

The event tables refuse UPDATE and DELETE through pghistory's append-only triggers. The context
rows they point to are upserted by pghistory while a request or job runs (its metadata grows as
the request learns more, e.g. the API key), so an update of the metadata stays allowed; a
delete, or a change of a context's id or creation time, is refused.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION rpo_audit_context_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'The audit trail cannot be deleted (pghistory_context %)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'The audit trail cannot be rewritten (pghistory_context %)', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER rpo_audit_context_kept
    BEFORE UPDATE OR DELETE ON pghistory_context
    FOR EACH ROW EXECUTE FUNCTION rpo_audit_context_kept();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS rpo_audit_context_kept ON pghistory_context;
DROP FUNCTION IF EXISTS rpo_audit_context_kept();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0005_audit_trail_append_only_with_deletes"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
