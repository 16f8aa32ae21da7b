"""Demo go-live dates and baselines, every state shown.

Acme went live twelve months ago (in its contract); the provider proposed baselines computed
over the six months before, and the client agreed them; the client has since proposed an
entered candidate NPS baseline from a benchmark, awaiting the provider, and the provider's
entered quality-of-hire baseline was rejected. Globex agreed its go-live date by proposal
(the provider proposed, the client agreed) and its computed baselines await the client.
Initech has no go-live date yet. Idempotent: done once per engagement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from engagements.go_live import GoLiveDate
from engagements.go_live_services import go_live_agree, go_live_initial, go_live_propose
from engagements.models import Engagement
from kpis.baselines.models import BaselineProposal
from kpis.baselines.services import (
    baseline_propose_entered,
    baselines_agree,
    baselines_propose_computed,
    baselines_reject,
)


def months_ago(months: int) -> date:
    first = timezone.localdate().replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def _people(client: str, provider: str) -> tuple[User, User]:
    return User.objects.get(email=client), User.objects.get(email=provider)


def seed_baselines(log: Callable[[str], None]) -> None:
    go_live = months_ago(12)
    window = (months_ago(18), months_ago(13))
    acme = Engagement.objects.filter(slug="acme-talentbridge").first()
    if acme is not None and not BaselineProposal.objects.filter(engagement=acme).exists():
        client, provider = _people("hr@acme.example", "am@talentbridge.example")
        if not GoLiveDate.objects.filter(engagement=acme).exists():
            go_live_initial(engagement=acme, go_live_date=go_live)
            acme.refresh_from_db()
        computed = baselines_propose_computed(
            actor=provider,
            engagement=acme,
            window_from=window[0],
            window_to=window[1],
            note="The six months before go-live, from the ATS history.",
        )
        baselines_agree(actor=client, proposal=computed, note="Matches our own reports.")
        rejected = baseline_propose_entered(
            actor=provider,
            engagement=acme,
            kpi="quality_of_hire",
            value=Decimal("62"),
            source="benchmark",
            source_detail="Industry survey 2024",
            note="Few quality reviews before go-live.",
        )
        baselines_reject(actor=client, proposal=rejected, note="Our own review scores were lower.")
        baseline_propose_entered(
            actor=client,
            engagement=acme,
            kpi="candidate_nps",
            value=Decimal("18"),
            source="earlier_report",
            source_detail="Candidate experience report, last year before go-live",
            note="The surveys before go-live were not in the ATS.",
        )
        log(f"{acme.slug}: go-live {go_live:%Y-%m-%d}, baselines agreed, one proposed")
    globex = Engagement.objects.filter(slug="globex-talentbridge").first()
    if globex is not None and not BaselineProposal.objects.filter(engagement=globex).exists():
        client, provider = _people("hr@globex.example", "am@talentbridge.example")
        if globex.go_live_date is None:
            proposal = go_live_propose(
                actor=provider, engagement=globex, go_live_date=go_live, note="As signed."
            )
            go_live_agree(actor=client, proposal=proposal)
            globex.refresh_from_db()
        baselines_propose_computed(
            actor=provider, engagement=globex, window_from=window[0], window_to=window[1]
        )
        log(f"{globex.slug}: go-live {go_live:%Y-%m-%d} agreed, baselines proposed")
