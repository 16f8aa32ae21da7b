"""Query filters of the recruiting list endpoints (django-filter)."""

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from recruiting.models import (
    Application,
    Cost,
    CostCategory,
    HiringPlanLine,
    OfferOutcome,
    Priority,
    QualityReview,
    Requisition,
    Respondent,
    Source,
    Survey,
)
from recruiting.serializers import MONTH_PATTERN


class MonthFormField(forms.DateField):
    input_formats = ["%Y-%m"]


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2025-01"})
class MonthFilter(filters.DateFilter):
    """A month as `YYYY-MM`, compared with the stored first day of the month."""

    field_class = MonthFormField


class SegmentFilterSet(filters.FilterSet):
    """The segment dimensions, on the record's own columns or its requisition's."""

    department = filters.CharFilter()
    location = filters.CharFilter()
    job_family = filters.CharFilter()


class RequisitionFilter(SegmentFilterSet):
    priority = filters.ChoiceFilter(choices=Priority.choices)
    status = filters.ChoiceFilter(
        choices=[("open", "Open"), ("filled", "Filled"), ("cancelled", "Cancelled")],
        method="filter_status",
    )
    recruiter = filters.CharFilter()
    opened_on = filters.DateFromToRangeFilter()
    filled_on = filters.DateFromToRangeFilter()
    cancelled_on = filters.DateFromToRangeFilter()

    class Meta:
        model = Requisition
        fields = ["department", "location", "job_family", "priority", "recruiter"]

    def filter_status(self, queryset, name, value):
        if value == "filled":
            return queryset.filter(filled_on__isnull=False)
        if value == "cancelled":
            return queryset.filter(cancelled_on__isnull=False)
        return queryset.filter(Q(filled_on__isnull=True) & Q(cancelled_on__isnull=True))


class ApplicationFilter(filters.FilterSet):
    requisition_id = filters.CharFilter(field_name="requisition__external_id")
    candidate_id = filters.CharFilter()
    source = filters.ChoiceFilter(choices=Source.choices)
    offer_outcome = filters.ChoiceFilter(choices=OfferOutcome.choices)
    hired = filters.BooleanFilter(
        field_name="started_on", lookup_expr="isnull", exclude=True, label="Has started_on"
    )
    department = filters.CharFilter(field_name="requisition__department")
    location = filters.CharFilter(field_name="requisition__location")
    job_family = filters.CharFilter(field_name="requisition__job_family")
    applied_on = filters.DateFromToRangeFilter()
    offer_decided_on = filters.DateFromToRangeFilter()
    started_on = filters.DateFromToRangeFilter()

    class Meta:
        model = Application
        fields: list[str] = []


class SurveyFilter(filters.FilterSet):
    respondent = filters.ChoiceFilter(choices=Respondent.choices)
    requisition_id = filters.CharFilter(field_name="requisition__external_id")
    application_id = filters.CharFilter(field_name="application__external_id")
    responded_on = filters.DateFromToRangeFilter()

    class Meta:
        model = Survey
        fields: list[str] = []


class QualityReviewFilter(filters.FilterSet):
    application_id = filters.CharFilter(field_name="application__external_id")
    meets_expectations = filters.BooleanFilter()
    retained_90d = filters.BooleanFilter()
    reviewed_on = filters.DateFromToRangeFilter()

    class Meta:
        model = QualityReview
        fields: list[str] = []


class CostFilter(filters.FilterSet):
    category = filters.ChoiceFilter(choices=CostCategory.choices)
    month_from = MonthFilter(field_name="month", lookup_expr="gte")
    month_to = MonthFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = Cost
        fields: list[str] = []


class HiringPlanFilter(SegmentFilterSet):
    month_from = MonthFilter(field_name="month", lookup_expr="gte")
    month_to = MonthFilter(field_name="month", lookup_expr="lte")

    class Meta:
        model = HiringPlanLine
        fields = ["department", "location", "job_family"]
