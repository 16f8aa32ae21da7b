"""Demo SLA schedules: clauses on every demo engagement, agreed by both parties, evaluated.

The demo's recruiting data are generated, so fixed thresholds would breach nowhere on one
engagement and everywhere on another. The thresholds are set from each engagement's own
values instead, where a real negotiation would set them (around the level the provider
delivers), so that every demo engagement shows breaches with repeat rates and capped
credits, an earned-back credit, a bonus and warnings in the open period.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from accounts.models import User
from engagements.models import Engagement
from kpis.demo import NEGOTIATORS
from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY
from sla.evaluation import period_containing
from sla.models import Breach, SlaSchedule, Warning
from sla.services import schedule_agree, schedule_propose, slas_evaluate

# The demo contracts' at-risk % (a commercial term, set when engagements.demo creates them).
AT_RISK_PCT = Decimal("12")
# KPIs that usually have a value in the current month, to show a warning on one of them.
WARNING_KPIS = ("time_to_fill", "time_to_hire", "offer_acceptance_rate", "interview_to_offer_rate")


def _values(engagement: Engagement, kpi: str, grain: str) -> dict[str, float]:
    return dict(
        MetricValue.objects.filter(
            engagement=engagement,
            version=DEFINITION_VERSION,
            kpi=kpi,
            grain=grain,
            dimension="all",
            segment="all",
            value__isnull=False,
        ).values_list("period", "value")
    )


def _rounded(value: float, kpi: str) -> Decimal:
    places = Decimal(1).scaleb(-KPI_BY_KEY[kpi].decimals)
    return Decimal(repr(value)).quantize(places, rounding=ROUND_HALF_UP)


def _closed(values: dict[str, float], grain: str) -> list[float]:
    current = period_containing(timezone.localdate(), grain).key
    return [value for period, value in sorted(values.items()) if period != current]


def _clause(key, kpi, grain, threshold, pct, start, **terms) -> dict:
    return {
        "key": key,
        "kpi": kpi,
        "grain": grain,
        "dimension": "all",
        "segment": "all",
        "kind": terms.pop("kind", "credit"),
        "threshold": threshold,
        "min_n": terms.pop("min_n", 1),
        "grace_days": terms.pop("grace_days", 0),
        "effective_from": start,
        "effective_to": None,
        "pct": Decimal(pct),
        "repeat_pct": terms.pop("repeat_pct", None),
        "cap_pct": terms.pop("cap_pct", None),
        "earn_back": terms.pop("earn_back", None),
    }


def _median_clause(engagement, key, kpi, grain, start, **terms) -> dict | None:
    """A clause whose threshold is the median of the KPI's closed periods: about half breach."""
    closed = _closed(_values(engagement, kpi, grain), grain)
    if len(closed) < 3:
        return None
    threshold = _rounded(statistics.median(closed), kpi)
    return _clause(key, kpi, grain, threshold, start=start, **terms)


def _bonus_clause(engagement, start) -> dict | None:
    """A bonus for the better third of hiring-manager satisfaction months."""
    kpi = "hiring_manager_satisfaction"
    closed = sorted(_closed(_values(engagement, kpi, "month"), "month"))
    if len(closed) < 3:
        return None
    threshold = _rounded(closed[len(closed) * 2 // 3 - 1], kpi)
    return _clause(
        "SLA-HMS-BONUS", kpi, "month", threshold, "1.5", start, kind="bonus", cap_pct=Decimal("1")
    )


def _warning_clause(engagement, start) -> dict | None:
    """A clause the current month's value misses, so the open period shows a warning."""
    current = period_containing(timezone.localdate(), "month").key
    for kpi in WARNING_KPIS:
        value = _values(engagement, kpi, "month").get(current)
        if value is None:
            continue
        definition = KPI_BY_KEY[kpi]
        shown = _rounded(value, kpi)
        threshold = shown - 1 if definition.direction == "lower" else shown + 1
        return _clause(
            f"SLA-{kpi.upper().replace('_', '-')}-WATCH",
            kpi,
            "month",
            threshold,
            "1",
            start,
            min_n=1,
            cap_pct=Decimal("2"),
        )
    return None


def _data_start(engagement: Engagement) -> date | None:
    """The clauses start with the data (a real annex starts with the service)."""
    first = (
        MetricValue.objects.filter(engagement=engagement, grain="quarter", kpi="hires")
        .order_by("period_start")
        .values_list("period_start", flat=True)
        .first()
    )
    return first


def demo_clauses(engagement: Engagement, start: date) -> list[dict]:
    clauses = [
        _median_clause(
            engagement,
            "SLA-TTF",
            "time_to_fill",
            "month",
            start,
            pct="3",
            repeat_pct=Decimal("5"),
            cap_pct=Decimal("6"),
            earn_back=1,
            min_n=2,
        ),
        _median_clause(
            engagement,
            "SLA-OAR",
            "offer_acceptance_rate",
            "month",
            start,
            pct="4",
            repeat_pct=Decimal("6"),
            cap_pct=Decimal("5"),
            min_n=3,
            grace_days=5,
        ),
        _median_clause(engagement, "SLA-CPH", "cost_per_hire", "month", start, pct="8", min_n=2),
        _median_clause(
            engagement,
            "SLA-NPS-Q",
            "candidate_nps",
            "quarter",
            start,
            pct="5",
            earn_back=1,
            min_n=10,
        ),
        _bonus_clause(engagement, start),
        _warning_clause(engagement, start),
    ]
    return [clause for clause in clauses if clause is not None]


def seed_sla_clauses(log: Callable[[str], None]) -> None:
    """Once per engagement: the provider proposes the schedule, the client's HR lead agrees;
    then evaluate (every run, so the demo's open period is today's)."""
    for slug, (client_email, provider_email) in NEGOTIATORS.items():
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None:
            continue
        if not SlaSchedule.objects.filter(engagement=engagement).exists():
            start = _data_start(engagement) or engagement.start_date or date(2024, 1, 1)
            clauses = demo_clauses(engagement, start)
            if not clauses:
                log(f"{slug}: no KPI values to set SLA clauses on")
                continue
            schedule = schedule_propose(
                actor=User.objects.get(email=provider_email),
                engagement=engagement,
                clauses=clauses,
                source_name="sla_schedule.csv",
                note="SLA annex of the contract.",
            )
            schedule_agree(
                actor=User.objects.get(email=client_email), schedule=schedule, note="Signed."
            )
        (result,) = slas_evaluate(engagement_ids=[engagement.pk])
        breaches = Breach.objects.filter(engagement=engagement).count()
        warnings = Warning.objects.filter(engagement=engagement, cleared_at=None).count()
        log(f"{slug}: SLAs evaluated; {breaches} breaches, {warnings} warnings; {result}")
