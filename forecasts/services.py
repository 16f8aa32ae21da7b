"""Writes of the forecasts app: the stored hiring forecast of each engagement."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

from django.db import transaction
from django.utils import timezone

from forecasts.hiring import DIMENSIONS, empty_forecast, forecast_frames, horizon_months
from forecasts.models import HiringForecast
from forecasts.reading import load_frames
from rpo_portal import fanout

logger = logging.getLogger(__name__)


def _fingerprint(as_of: date, rows: list[dict]) -> str:
    text = json.dumps([as_of.isoformat(), rows], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def forecasts_recompute(*, engagement_ids: list[int], as_of: date | None = None) -> list[int]:
    """Recompute the stored hiring forecast of these engagements, in one pass of the engine;
    returns those whose forecast changed. An engagement with no data gets its (empty) row."""
    as_of = as_of or timezone.now().date()
    if not engagement_ids:
        return []
    with transaction.atomic():
        return _recompute(list(engagement_ids), as_of)


def _recompute(engagement_ids: list[int], as_of: date) -> list[int]:
    frames = load_frames(engagement_ids, as_of=as_of)
    results = forecast_frames(frames, as_of=as_of, dimensions=DIMENSIONS)
    now = timezone.now()
    previous = dict(
        HiringForecast.objects.filter(engagement_id__in=engagement_ids).values_list(
            "engagement_id", "fingerprint"
        )
    )
    changed = []
    for engagement_id in engagement_ids:
        found = results.get(engagement_id) or empty_forecast(horizon_months(as_of))
        rows = [row.as_dict() for row in found]
        fingerprint = _fingerprint(as_of, rows)
        if previous.get(engagement_id) != fingerprint:
            changed.append(
                HiringForecast(
                    engagement_id=engagement_id,
                    as_of=as_of,
                    computed_at=now,
                    rows=rows,
                    fingerprint=fingerprint,
                )
            )
    HiringForecast.objects.bulk_create(
        changed,
        update_conflicts=True,
        unique_fields=["engagement"],
        update_fields=["as_of", "computed_at", "rows", "fingerprint"],
    )
    return [forecast.engagement_id for forecast in changed]


def forecasts_recompute_batch(*, engagement_ids: list[int], as_of: date | None) -> list[int]:
    """One batch of the nightly run: all together, or, if that fails, each alone (one that
    fails keeps its previous forecast and is logged)."""
    return fanout.batch_or_each(
        "hiring forecast",
        engagement_ids,
        lambda ids: forecasts_recompute(engagement_ids=ids, as_of=as_of),
        atomic=False,
    )
