"""Record ids drawn from their sequences a thousand at a time per database session.

An import COPYs up to millions of rows, and each row's id is a `nextval` of the identity
sequence: with the default cache of one, every call locks the sequence's page and every 32nd
writes to the WAL, about 0.2 s of a million applications' 3 s in the database
(docs/benchmarks.md). With a cache of 1000 a session takes ids from memory. Ids are only keys:
those a session does not use are skipped, and ids of rows two sessions write at the same time
need not follow the order of their writes (no code orders records by id to tell time).
"""

from django.db import migrations

TABLES = (
    "recruiting_requisition",
    "recruiting_application",
    "recruiting_survey",
    "recruiting_qualityreview",
    "recruiting_cost",
    "recruiting_hiringplanline",
)


class Migration(migrations.Migration):
    dependencies = [
        ("recruiting", "0007_external_ids_compared_bytewise"),
    ]

    operations = [
        migrations.RunSQL(
            [f"ALTER TABLE {table} ALTER COLUMN id SET CACHE 1000" for table in TABLES],
            reverse_sql=[f"ALTER TABLE {table} ALTER COLUMN id SET CACHE 1" for table in TABLES],
        ),
    ]
