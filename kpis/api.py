"""REST endpoint of the computed KPI values of an engagement."""

from __future__ import annotations

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from engagements.api import EngagementGate
from kpis.compute import OUTPUT_COLUMNS
from kpis.models import MetricValue
from kpis.selectors import metric_values
from rpo_portal.api_query import ApiPagination


class MetricValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricValue
        fields = [*OUTPUT_COLUMNS, "status", "computed_at"]


class MetricValueFilter(filters.FilterSet):
    class Meta:
        model = MetricValue
        fields = ["kpi", "grain", "period", "dimension", "segment"]


@extend_schema(
    tags=["KPIs"],
    summary="KPI values of the engagement (filter by kpi, grain, period, dimension, segment)",
    description=(
        "The computed KPI values, one per KPI, period (month or quarter) and segment, with "
        "their status against the agreed target and when they were computed."
    ),
)
class MetricValueList(EngagementGate, generics.ListAPIView):
    serializer_class = MetricValueSerializer
    filterset_class = MetricValueFilter
    pagination_class = ApiPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request data
            return MetricValue.objects.none()
        return metric_values(engagement=self.engagement)


metric_value_list = MetricValueList.as_view()
