"""Demo commercial terms: a fee change agreed mid-engagement, and a proposal still open.

On the Acme engagement the provider proposed, four months ago, a higher fee from the first of
the month after; the client's HR lead agreed, so the credit ledger shows the old fee before that
month and the new one from it. The client's HR lead has since proposed a higher at-risk % from
next month, which waits for the provider. Idempotent: done once per engagement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from engagements.commercial import CommercialTerms
from engagements.models import Engagement
from engagements.terms_services import (
    commercial_terms_agree,
    commercial_terms_initial,
    commercial_terms_propose,
    engagement_terms_sync,
)

SLUG = "acme-talentbridge"
CLIENT_EMAIL, PROVIDER_EMAIL = "hr@acme.example", "am@talentbridge.example"
RAISED_FEE = Decimal("92000")
PROPOSED_AT_RISK = Decimal("15")


def _months_ago(months: int):
    first = timezone.localdate().replace(day=1)
    for _ in range(months):
        first = (first - timedelta(days=1)).replace(day=1)
    return first


def seed_commercial_terms(log: Callable[[str], None]) -> None:
    engagement = Engagement.objects.filter(slug=SLUG).first()
    if (
        engagement is None
        or CommercialTerms.objects.filter(engagement=engagement, proposed_by__isnull=False).exists()
    ):
        return
    if not CommercialTerms.objects.filter(engagement=engagement).exists():
        commercial_terms_initial(engagement=engagement)
    client, provider = User.objects.get(email=CLIENT_EMAIL), User.objects.get(email=PROVIDER_EMAIL)
    effective = _months_ago(3)
    asked_on = effective - timedelta(days=12)  # proposed and agreed the month before
    raised = commercial_terms_propose(
        actor=provider,
        engagement=engagement,
        effective_from=effective,
        monthly_fee=RAISED_FEE,
        at_risk_pct=engagement.at_risk_pct,
        note="Two more recruiters for the Sales ramp-up.",
        today=asked_on,
    )
    commercial_terms_agree(
        actor=client, terms=raised, note="Agreed in the steering committee.", today=asked_on
    )
    engagement_terms_sync(engagement=engagement)
    next_month = (timezone.localdate().replace(day=28) + timedelta(days=4)).replace(day=1)
    commercial_terms_propose(
        actor=client,
        engagement=engagement,
        effective_from=next_month,
        monthly_fee=RAISED_FEE,
        at_risk_pct=PROPOSED_AT_RISK,
        note="More of the fee at risk while time to fill is off track.",
    )
    log(
        f"{SLUG}: monthly fee {RAISED_FEE} agreed from {effective:%Y-%m}; "
        f"at risk {PROPOSED_AT_RISK} % proposed from {next_month:%Y-%m}"
    )
