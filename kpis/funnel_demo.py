"""Demo targets on process KPIs (data-contract.md section 8), agreed by both parties, so the
demo's funnel and KPI pages show them against targets; the KPI step's recompute that follows
gives them their statuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from accounts.models import User
from engagements.models import Engagement
from kpis.demo import NEGOTIATORS, _terms
from kpis.models import KpiTarget
from kpis.target_services import target_agree, target_propose

# (kpi, grain, target, at risk, breach, minimum n)
PROCESS_TARGETS = [
    ("applied_to_started_rate", "quarter", 6, 5, 4, 30),
    ("days_interviewed_to_offered", "month", 7, 9, 12, 5),
    ("withdrawal_rate_screened", "quarter", 3, 5, 8, 20),
]


def seed_process_targets(log: Callable[[str], None]) -> None:
    for slug, (client_email, provider_email) in NEGOTIATORS.items():
        engagement = Engagement.objects.filter(slug=slug).first()
        if engagement is None:
            continue
        start = engagement.start_date or date(2024, 1, 1)
        agreed = 0
        for spec in PROCESS_TARGETS:
            if KpiTarget.objects.filter(engagement=engagement, kpi=spec[0]).exists():
                continue
            target = target_propose(
                actor=User.objects.get(email=client_email),
                engagement=engagement,
                **_terms(spec, start),
            )
            target_agree(actor=User.objects.get(email=provider_email), target=target)
            agreed += 1
        log(f"{slug}: {agreed} process KPI targets agreed")
