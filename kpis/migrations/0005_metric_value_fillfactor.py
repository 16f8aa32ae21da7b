"""Leave a tenth of each page of kpis_metricvalue free.

A recompute rewrites a few hundred values in place (value, n, status, ...; never a key).
With room on the page, PostgreSQL updates them as heap-only tuples, without new entries in
the table's three indexes; on full pages (COPY fills them) every update touched them all.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("kpis", "0004_metric_value_indexes")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE kpis_metricvalue SET (fillfactor = 90)",
            reverse_sql="ALTER TABLE kpis_metricvalue RESET (fillfactor)",
        )
    ]
