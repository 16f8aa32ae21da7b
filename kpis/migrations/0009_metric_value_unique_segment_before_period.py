"""The values' key with the segment before the period, covering what the SLA reads.

An SLA clause (like a trend or a window of periods) reads one segment's series of a KPI:
with the period before the dimension and segment in the key, each such read walked every
segment of the KPI and grain (about fifty per engagement at scale) to pick out its own, and
then fetched each value from its own table page. Now the series is one contiguous range of
the index, which also holds what the evaluation reads (id, value, n, suppressed), so it is
read from the index alone.

The key's columns are the same, so the KPI engine's upsert (ON CONFLICT on them) is
unchanged; a read of one period across segments has the (engagement, grain, kpi, period)
index. The cost: a recompute that changes a value now updates the index too (no
heap-only update for those rows); a recompute rewrites a few hundred values a night.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("kpis", "0008_audit_trail_append_only_with_deletes")]

    operations = [
        migrations.RemoveConstraint(model_name="metricvalue", name="metric_value_unique"),
        migrations.AddConstraint(
            model_name="metricvalue",
            constraint=models.UniqueConstraint(
                fields=["engagement", "kpi", "version", "grain", "dimension", "segment", "period"],
                include=["id", "value", "n", "suppressed"],
                name="metric_value_unique",
            ),
        ),
    ]
