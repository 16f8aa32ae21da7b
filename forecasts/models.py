"""Stored hiring forecasts: the engine's result for each engagement, as of its last run."""

from __future__ import annotations

from django.db import models

from engagements.models import Engagement


class HiringForecast(models.Model):
    """The latest hiring forecast of one engagement (`forecasts.hiring.MonthForecast` rows).

    Written by the recompute that follows the KPIs' (the nightly run, an import, the button);
    the pages, the API, the agendas and the QBR pack read it. One row per engagement, replaced
    by each run: a forecast is a view of the future, not a record to keep.
    """

    engagement = models.OneToOneField(
        Engagement, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    rows = models.JSONField(default=list, blank=True)
    # A digest of as_of and rows: a run that would write the same skips the write.
    fingerprint = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"hiring forecast of engagement {self.engagement_id} as of {self.as_of}"
