"""Reads of breaches and their lifecycle records: always given the engagement (or breach)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from engagements.models import Engagement
from engagements.selectors import members_of as engagement_members
from sla.models import (
    Breach,
    BreachEvent,
    BreachStatus,
    CorrectiveAction,
    ReliefClaim,
    ReliefStatus,
    SlaClause,
)


def breaches_of(*, engagement: Engagement) -> QuerySet[Breach]:
    pending = ReliefClaim.objects.filter(breach=OuterRef("pk"), status=ReliefStatus.PENDING)
    return (
        Breach.objects.filter(engagement=engagement)
        .select_related("clause")
        .annotate(relief_pending=Exists(pending))
        .order_by("-period_end", "clause__key", "id")
    )


def breach_of(*, engagement: Engagement, breach_id) -> Breach:
    """One breach of the engagement, or Breach.DoesNotExist."""
    return breaches_of(engagement=engagement).get(pk=breach_id)


def timeline_of(*, breach: Breach) -> QuerySet[BreachEvent]:
    return BreachEvent.objects.filter(
        breach=breach, engagement_id=breach.engagement_id
    ).select_related("actor")


def corrective_actions_of(*, breach: Breach) -> QuerySet[CorrectiveAction]:
    return CorrectiveAction.objects.filter(
        breach=breach, engagement_id=breach.engagement_id
    ).select_related("action_item__owner")


def relief_claims_of(*, breach: Breach) -> QuerySet[ReliefClaim]:
    return (
        ReliefClaim.objects.filter(breach=breach, engagement_id=breach.engagement_id)
        .select_related("claimed_by", "answered_by")
        .prefetch_related(Prefetch("requisitions"))
    )


def members_of(*, engagement: Engagement) -> QuerySet:
    """The people of both parties: who may own a corrective action."""
    return engagement_members(engagement=engagement)


def breach_periods(*, engagement: Engagement) -> list[str]:
    return list(
        Breach.objects.filter(engagement=engagement)
        .order_by("-period")
        .values_list("period", flat=True)
        .distinct()
    )


def breach_clause_keys(*, engagement: Engagement) -> list[str]:
    return list(
        SlaClause.objects.filter(engagement=engagement, breaches__isnull=False)
        .order_by("key")
        .values_list("key", flat=True)
        .distinct()
    )


class BreachFilter(django_filters.FilterSet):
    """Filters of the breach list, on the page and in the API: status, clause, period."""

    status = django_filters.MultipleChoiceFilter(choices=BreachStatus.choices)
    clause = django_filters.CharFilter(
        field_name="clause__key", help_text="The clause's key (exact)."
    )
    period = django_filters.CharFilter(help_text="A period, e.g. 2025-07 or 2025-Q3.")
    period_from = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", help_text="Periods ending on or after."
    )
    period_to = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", help_text="Periods ending on or before."
    )
    relief_pending = django_filters.BooleanFilter(
        help_text="true: only breaches whose relief claim waits for an answer; false: the others."
    )

    class Meta:
        model = Breach
        fields = ["status", "clause", "period", "period_from", "period_to", "relief_pending"]
