"""Row-level security on every table that holds an engagement's data (rpo_portal.tenant_db).

Runs after every app's tables exist; tables added by later migrations are covered by the same
function after each `migrate` (post_migrate, operations.apps)."""

from django.db import migrations

from rpo_portal import tenant_db


def secure(apps, schema_editor):
    tenant_db.secure(schema_editor.connection, apps)


def unsecure(apps, schema_editor):
    quote = schema_editor.connection.ops.quote_name
    with schema_editor.connection.cursor() as cursor:
        for table in tenant_db.policy_expressions(apps):
            cursor.execute(f"DROP POLICY IF EXISTS {tenant_db.POLICY} ON {quote(table)}")
            cursor.execute(f"ALTER TABLE {quote(table)} DISABLE ROW LEVEL SECURITY")


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_initial"),
        ("accounts", "0004_user_session_generation"),
        ("engagements", "0004_engagement_at_risk_pct"),
        ("kpis", "0007_engagement_metrics_state"),
        ("notifications", "0001_initial"),
        ("recruiting", "0009_requisition_engagements_found_in_one_pass"),
        ("reviews", "0004_qbr_packs"),
        ("sla", "0002_breach_lifecycle"),
    ]

    operations = [migrations.RunPython(secure, unsecure, elidable=False)]
