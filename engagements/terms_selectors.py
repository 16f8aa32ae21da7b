"""Reads of commercial terms: the agreed schedule of engagements, the proposals of one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.postgres.aggregates import JSONBAgg
from django.db.models import F, JSONField, OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import Cast, JSONObject

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


def agreed_terms_column(engagement_column: str = "engagement_id") -> Subquery:
    """The agreed terms of each row's engagement as one JSON array (in the order agreed), to
    annotate a read that queries the engagement's rows anyway (the credit ledger's clauses)
    instead of adding a query; `schedule_from_column` reads it."""
    rows = (
        CommercialTerms.objects.filter(
            engagement_id=OuterRef(engagement_column), state=AgreementState.AGREED
        )
        .order_by()
        .values("engagement_id")
        .annotate(
            rows=JSONBAgg(
                JSONObject(
                    effective_from=F("effective_from"),
                    monthly_fee=Cast("monthly_fee", TextField()),
                    at_risk_pct=Cast("at_risk_pct", TextField()),
                ),
                order_by=("responded_at", "id"),
            )
        )
        .values("rows")
    )
    return Subquery(rows, output_field=JSONField())


def schedule_from_column(engagement: Engagement, rows: list[dict] | None) -> TermsSchedule:
    """The schedule `agreed_terms_column` gave (none: the engagement's fee throughout)."""
    if not rows:
        return TermsSchedule.constant(engagement.monthly_fee, engagement.at_risk_pct)
    return TermsSchedule(
        Terms(
            date.fromisoformat(row["effective_from"]),
            Decimal(row["monthly_fee"]),
            None if row["at_risk_pct"] is None else Decimal(row["at_risk_pct"]),
        )
        for row in rows
    )


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
