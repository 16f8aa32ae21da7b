"""Demo KPI targets (agreed by both parties, and one awaiting an answer), then a recompute."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from accounts.models import User
from engagements.models import Engagement
from kpis.models import KpiTarget
from kpis.services import engagement_metrics_recompute
from kpis.target_services import target_agree, target_propose

# slug: (client negotiator, provider negotiator)
NEGOTIATORS = {
    "acme-talentbridge": ("hr@acme.example", "am@talentbridge.example"),
    "globex-talentbridge": ("hr@globex.example", "am@talentbridge.example"),
    "initech-hirewell": ("hr@initech.example", "am@hirewell.example"),
}

# (kpi, grain, target, at risk, breach, minimum n)
AGREED = [
    ("time_to_fill", "month", 45, 52, 60, 3),
    ("time_to_fill", "quarter", 45, 52, 60, 5),
    ("offer_acceptance_rate", "month", 85, 80, 75, 3),
    ("offer_acceptance_rate", "quarter", 85, 80, 75, 5),
    ("candidate_nps", "quarter", 30, 20, 10, 10),
    ("hiring_manager_satisfaction", "quarter", 4, Decimal("3.7"), Decimal("3.4"), 5),
    ("plan_attainment", "quarter", 90, 80, 70, 1),
]
PENDING = ("time_to_hire", "month", 30, 35, 40, 3)
# Stricter terms for some engagements, so the demo dashboards show every status: a cost per
# hire the generated costs miss (off track) and a quality-of-hire sample too large to reach
# (insufficient data).
EXTRA = {
    "acme-talentbridge": [
        ("cost_per_hire", "month", 4000, 4400, 4800, 3),
        ("quality_of_hire", "quarter", 80, 70, 60, 40),
    ],
    "globex-talentbridge": [("cost_per_hire", "quarter", 4000, 4400, 4800, 3)],
}


def _terms(spec, start: date) -> dict:
    kpi, grain, target, at_risk, breach, minimum = spec
    return {
        "kpi": kpi,
        "grain": grain,
        "effective_from": start,
        "target_value": Decimal(target),
        "at_risk_threshold": Decimal(at_risk),
        "breach_threshold": Decimal(breach),
        "min_sample_size": minimum,
    }


def seed_kpi_targets(log: Callable[[str], None]) -> None:
    """Once per engagement: the provider proposes, the client agrees; then compute the KPIs."""
    for slug, (client_email, provider_email) in NEGOTIATORS.items():
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None:
            continue
        if not KpiTarget.objects.filter(engagement=engagement).exists():
            client = User.objects.get(email=client_email)
            provider = User.objects.get(email=provider_email)
            start = engagement.start_date or date(2024, 1, 1)
            for spec in AGREED:
                target = target_propose(
                    actor=provider, engagement=engagement, **_terms(spec, start)
                )
                target_agree(actor=client, target=target, note="Agreed at kick-off.")
            target_propose(
                actor=client,
                engagement=engagement,
                note="Proposed for the next quarter.",
                **_terms(PENDING, start),
            )
        _agree_extra_targets(engagement, client_email, provider_email)
        result = engagement_metrics_recompute(engagement=engagement)
        log(f"{slug}: KPI targets agreed; {result}")


def _agree_extra_targets(engagement: Engagement, client_email: str, provider_email: str) -> None:
    for spec in EXTRA.get(engagement.slug, []):
        kpi, grain = spec[0], spec[1]
        if KpiTarget.objects.filter(engagement=engagement, kpi=kpi, grain=grain).exists():
            continue
        start = engagement.start_date or date(2024, 1, 1)
        target = target_propose(
            actor=User.objects.get(email=provider_email),
            engagement=engagement,
            **_terms(spec, start),
        )
        target_agree(actor=User.objects.get(email=client_email), target=target)
