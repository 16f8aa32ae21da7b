"""Reads of commercial terms: the agreed schedule of engagements, the proposals of one."""

from __future__ import annotations

from django.db.models import QuerySet

from engagements.agreement import AgreementState
from engagements.commercial import CommercialTerms
from engagements.models import Engagement
from engagements.terms import Terms, TermsSchedule


def agreed_terms(*, engagement: Engagement) -> QuerySet[CommercialTerms]:
    """The engagement's agreed terms, newest effective first."""
    return CommercialTerms.objects.filter(engagement=engagement, state=AgreementState.AGREED)


def terms_schedules(*, engagements: list[Engagement]) -> dict[int, TermsSchedule]:
    """{engagement id: its schedule}, one query. An engagement without agreed terms (made
    outside the services) keeps its fee and at-risk % throughout."""
    found: dict[int, list[Terms]] = {engagement.pk: [] for engagement in engagements}
    rows = (
        CommercialTerms.objects.filter(engagement_id__in=list(found), state=AgreementState.AGREED)
        .order_by("responded_at", "id")
        .values_list("engagement_id", "effective_from", "monthly_fee", "at_risk_pct")
    )
    for engagement_id, effective_from, monthly_fee, at_risk_pct in rows:
        found[engagement_id].append(Terms(effective_from, monthly_fee, at_risk_pct))
    return {
        engagement.pk: TermsSchedule(found[engagement.pk])
        if found[engagement.pk]
        else TermsSchedule.constant(engagement.monthly_fee, engagement.at_risk_pct)
        for engagement in engagements
    }


def terms_schedule(*, engagement: Engagement) -> TermsSchedule:
    return terms_schedules(engagements=[engagement])[engagement.pk]


def terms_proposals(*, engagement: Engagement) -> QuerySet[CommercialTerms]:
    """Every set of terms of the engagement (agreed, open, rejected), newest first, with
    their steps."""
    return (
        CommercialTerms.objects.filter(engagement=engagement)
        .select_related("proposed_by", "responded_by")
        .prefetch_related("steps__actor")
        .order_by("-proposed_at", "-id")
    )


def terms_get(*, engagement: Engagement, terms_id: int) -> CommercialTerms:
    """One set of terms of this engagement (DoesNotExist otherwise)."""
    return terms_proposals(engagement=engagement).get(pk=terms_id)
