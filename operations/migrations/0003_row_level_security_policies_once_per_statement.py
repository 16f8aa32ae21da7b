"""The tenant policies read the context once per statement (rpo_portal.tenant_db): the functions
are replaced by `secure()`, and the engagement's own policy, created before, is altered."""

from django.db import migrations

from rpo_portal import tenant_db

OLD_ENGAGEMENT_POLICY = (
    "client_id = ANY (rpo_current_organizations())"
    " OR provider_id = ANY (rpo_current_organizations())"
)


def _alter(schema_editor, expression: str) -> None:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"ALTER POLICY {tenant_db.POLICY} ON engagements_engagement"
            f" USING ({expression}) WITH CHECK ({expression})"
        )


def forwards(apps, schema_editor):
    tenant_db.secure(schema_editor.connection, apps)
    _alter(schema_editor, tenant_db.ENGAGEMENT_POLICY)


def backwards(apps, schema_editor):
    _alter(schema_editor, OLD_ENGAGEMENT_POLICY)


class Migration(migrations.Migration):
    dependencies = [("operations", "0002_row_level_security")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
