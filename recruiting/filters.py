"""Query filters of the recruiting list endpoints (django-filter)."""

from django import forms
from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field

from recruiting import contract
from recruiting.serializers import MONTH_PATTERN


class MonthFormField(forms.DateField):
    input_formats = ["%Y-%m"]


@extend_schema_field({"type": "string", "pattern": MONTH_PATTERN, "example": "2025-01"})
class MonthFilter(filters.DateFilter):
    """A month as `YYYY-MM`, compared with the stored first day of the month."""

    field_class = MonthFormField


def _column_filters(kind: contract.Kind) -> dict[str, filters.Filter]:
    """The filters the contract gives a kind's columns (`Column.filter`)."""
    out: dict[str, filters.Filter] = {}
    for column in kind.shown_columns:
        if column.filter == "exact":
            path = f"{column.field_name}__external_id" if column.type == "ref" else column.name
            out[column.name] = filters.CharFilter(field_name=path)
        elif column.filter == "choice":
            choices = kind.model._meta.get_field(column.name).choices
            out[column.name] = filters.ChoiceFilter(choices=choices)
        elif column.filter == "bool":
            out[column.name] = filters.BooleanFilter()
        elif column.filter == "range":
            out[column.name] = filters.DateFromToRangeFilter()
        elif column.filter == "months":
            out[f"{column.name}_from"] = MonthFilter(field_name=column.name, lookup_expr="gte")
            out[f"{column.name}_to"] = MonthFilter(field_name=column.name, lookup_expr="lte")
    return out


def record_filterset(kind: contract.Kind, base=filters.FilterSet, **extra) -> type:
    """The list filters of a kind: its columns' (the contract's), then `extra`."""
    meta = type("Meta", (), {"model": kind.model, "fields": []})
    attrs = {**_column_filters(kind), **extra, "Meta": meta}
    return type(f"{kind.model.__name__}Filter", (base,), attrs)


class RequisitionStatusFilterSet(filters.FilterSet):
    """A requisition's status, which follows from its dates."""

    status = filters.ChoiceFilter(
        choices=[("open", "Open"), ("filled", "Filled"), ("cancelled", "Cancelled")],
        method="filter_status",
    )

    def filter_status(self, queryset, name, value):
        if value == "filled":
            return queryset.filter(filled_on__isnull=False)
        if value == "cancelled":
            return queryset.filter(cancelled_on__isnull=False)
        return queryset.filter(Q(filled_on__isnull=True) & Q(cancelled_on__isnull=True))


# Filters that are not columns of the contract: an application's hire status and the
# segment dimensions of its requisition.
APPLICATION_EXTRA = {
    "hired": filters.BooleanFilter(
        field_name="started_on", lookup_expr="isnull", exclude=True, label="Has started_on"
    ),
    **{
        name: filters.CharFilter(field_name=f"requisition__{name}")
        for name in ("department", "location", "job_family")
    },
}
FILTERSETS = {
    name: record_filterset(
        kind,
        base=RequisitionStatusFilterSet if name == "requisitions" else filters.FilterSet,
        **(APPLICATION_EXTRA if name == "applications" else {}),
    )
    for name, kind in contract.KINDS.items()
}
