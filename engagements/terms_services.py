"""The negotiation of commercial terms: one party proposes a monthly fee and an at-risk % from
the first of a month, the other party agrees or rejects; every step is kept.

Terms take effect only once agreed, and only from a month that has not passed: a period's
credits use the terms in force then (engagements.terms), so no agreement reaches back into a
closed month. `Engagement.monthly_fee` and `at_risk_pct` mirror the terms in force today; only
`engagement_terms_sync` writes them (on agreement, and daily for terms that start later).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from engagements import agreement
from engagements.commercial import CommercialTerms
from engagements.models import Engagement
from engagements.signals import commercial_terms_changed
from engagements.terms_selectors import terms_schedule, terms_schedules

PROPOSE = "engagements.propose_terms"
AGREE = "engagements.agree_terms"
TERMS_FIELDS = ("effective_from", "monthly_fee", "at_risk_pct")
INITIAL_NOTE = "The terms the engagement was set up with."


def _terms(item) -> dict:
    return {field: agreement.jsonable(getattr(item, field)) for field in TERMS_FIELDS}


def _first_open_month(today: date | None) -> date:
    return (today or timezone.localdate()).replace(day=1)


def _not_in_the_past(effective_from: date, today: date | None) -> None:
    first = _first_open_month(today)
    if effective_from < first:
        raise ValidationError(
            {
                "effective_from": f"Terms cannot take effect before {first:%B %Y}: the credits "
                "of past months keep the terms in force then."
            }
        )


def terms_url(engagement_id: int) -> str:
    return reverse("engagements:terms", kwargs={"engagement_id": engagement_id})


def commercial_terms_initial(
    *, engagement: Engagement, effective_from: date | None = None
) -> CommercialTerms:
    """The terms an engagement is set up with, agreed in the contract itself (no proposer),
    in force from the first of the month it starts. Call inside a transaction."""
    start = effective_from or engagement.start_date or timezone.localdate()
    now = timezone.now()
    terms = CommercialTerms(
        engagement=engagement,
        effective_from=start.replace(day=1),
        monthly_fee=engagement.monthly_fee,
        at_risk_pct=engagement.at_risk_pct,
        state=agreement.AgreementState.AGREED,
        proposed_at=now,
        responded_at=now,
        note=INITIAL_NOTE,
    )
    terms.full_clean()
    terms.save()
    return terms


@transaction.atomic
def commercial_terms_propose(
    *,
    actor,
    engagement: Engagement,
    effective_from: date,
    monthly_fee: Decimal,
    at_risk_pct: Decimal | None,
    note: str = "",
    today: date | None = None,
) -> CommercialTerms:
    """One party proposes new terms from the first of a month (this month or later); they
    take effect only once the other party agrees. `today` stands for the current date (the
    demo's history)."""
    if effective_from is not None and effective_from.day == 1:
        _not_in_the_past(effective_from, today)
    terms = agreement.proposal_make(
        CommercialTerms,
        actor=actor,
        engagement=engagement,
        perm=PROPOSE,
        note=note,
        effective_from=effective_from,
        monthly_fee=monthly_fee,
        at_risk_pct=at_risk_pct,
    )
    in_force = terms_schedule(engagement=engagement).in_force(effective_from)
    before = {"effective_from": None} | {
        "monthly_fee": agreement.jsonable(in_force.monthly_fee),
        "at_risk_pct": agreement.jsonable(in_force.at_risk_pct),
    }
    agreement.proposed_record(terms, agreement.terms_changed(before, _terms(terms)))
    _notify(terms, event="proposed", actor=actor)
    return terms


@transaction.atomic
def commercial_terms_agree(
    *, actor, terms: CommercialTerms, note: str = "", today: date | None = None
) -> CommercialTerms:
    """The other party agrees: the terms apply from their month on (not before it)."""
    agreement.proposal_agree(actor=actor, proposal=terms, perm=AGREE, note=note)
    _not_in_the_past(terms.effective_from, today)  # rolls the answer back if it is too late
    engagement_terms_sync(engagement=terms.engagement, actor=actor, today=today)
    _notify(terms, event="agreed", actor=actor)
    return terms


@transaction.atomic
def commercial_terms_reject(*, actor, terms: CommercialTerms, note: str = "") -> CommercialTerms:
    agreement.proposal_reject(actor=actor, proposal=terms, perm=AGREE, note=note)
    _notify(terms, event="rejected", actor=actor)
    return terms


def engagement_terms_sync(*, engagement: Engagement, actor=None, today: date | None = None) -> bool:
    """Set the engagement's fee and at-risk % to the agreed terms in force today (the history
    trigger records the change, with `actor` when a person's agreement made it). Returns
    whether they changed."""
    return bool(_sync([engagement], actor=actor, today=today))


def engagements_terms_sync(*, today: date | None = None) -> int:
    """The daily job: every engagement whose agreed terms take effect by today gets them.
    Returns how many changed."""
    with transaction.atomic():
        return _sync(list(Engagement.objects.order_by("pk")), actor=None, today=today)


def _sync(engagements: list[Engagement], *, actor, today: date | None) -> int:
    day = today or timezone.localdate()
    changed = 0
    schedules = terms_schedules(engagements=engagements)
    for engagement in engagements:
        in_force = schedules[engagement.pk].in_force(day)
        if (engagement.monthly_fee, engagement.at_risk_pct) == (
            in_force.monthly_fee,
            in_force.at_risk_pct,
        ):
            continue
        engagement.monthly_fee, engagement.at_risk_pct = in_force.monthly_fee, in_force.at_risk_pct
        with pghistory.context(user=getattr(actor, "pk", None)):
            engagement.save(update_fields=["monthly_fee", "at_risk_pct"])
        changed += 1
    return changed


def _notify(terms: CommercialTerms, *, event: str, actor) -> None:
    """Announce a proposal and its answer; the notifications app tells both parties'
    negotiators (`notifications.terms`)."""
    commercial_terms_changed.send(sender=CommercialTerms, terms=terms, event=event, actor=actor)
