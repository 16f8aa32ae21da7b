"""The applications each engagement's last KPI computation read: the nightly run cuts its
batches from these while the data has not changed, instead of counting every application."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kpis", "0009_metric_value_unique_segment_before_period"),
    ]

    operations = [
        migrations.AddField(
            model_name="engagementmetricsstate",
            name="applications",
            field=models.PositiveIntegerField(blank=True, null=True),
        ),
    ]
