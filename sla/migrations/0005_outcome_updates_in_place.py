"""Outcomes updated in place: no index of the clause alone, room on each page.

Every night a period closes, each clause's outcome of that period changes (open to met,
breach or bonus): thousands of rows updated at once. The clause's own index repeated the
first column of sla_outcome_unique, and the COPY of a first evaluation fills pages to the
brim, so each update wrote a new row version elsewhere and an entry in every index. With a
tenth of each page free and one index fewer, the updates (none of them changes an indexed
column) are heap-only.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sla", "0004_audit_trail_append_only_with_deletes")]

    operations = [
        migrations.AlterField(
            model_name="slaoutcome",
            name="clause",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outcomes",
                to="sla.slaclause",
            ),
        ),
        migrations.RunSQL(
            "ALTER TABLE sla_slaoutcome SET (fillfactor = 90)",
            reverse_sql="ALTER TABLE sla_slaoutcome RESET (fillfactor)",
        ),
    ]
