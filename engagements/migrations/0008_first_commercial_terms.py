"""Each engagement's first commercial terms: the fee and at-risk % it has now, agreed in the
contract itself, in force from the first of the month it starts (or was set up, if it has no
start date). From here on, only an agreement of both parties changes them."""

from django.db import migrations
from django.utils import timezone

INITIAL_NOTE = "The terms the engagement was set up with."


def first_terms(apps, schema_editor):
    Engagement = apps.get_model("engagements", "Engagement")
    CommercialTerms = apps.get_model("engagements", "CommercialTerms")
    now = timezone.now()
    for engagement in Engagement.objects.exclude(commercial_terms__isnull=False):
        start = engagement.start_date or timezone.localdate(engagement.created_at)
        CommercialTerms.objects.create(
            engagement=engagement,
            effective_from=start.replace(day=1),
            monthly_fee=engagement.monthly_fee,
            at_risk_pct=engagement.at_risk_pct,
            state="agreed",
            proposed_by=None,
            proposed_by_party="",
            proposed_at=now,
            responded_at=now,
            note=INITIAL_NOTE,
        )


class Migration(migrations.Migration):
    dependencies = [("engagements", "0007_commercial_terms")]

    operations = [migrations.RunPython(first_terms, migrations.RunPython.noop)]
