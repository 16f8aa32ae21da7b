"""REST endpoint of an engagement's hiring forecast."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.api import EngagementGate
from forecasts import selectors
from forecasts.hiring import ALL, DIMENSIONS

DIMENSION_CHOICES = [ALL, *DIMENSIONS]


class MonthForecastSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The month's first day.")
    dimension = serializers.ChoiceField(DIMENSION_CHOICES)
    segment = serializers.CharField(help_text="The segment's value; `all` for the total.")
    expected = serializers.FloatField(help_text="Expected hires (started in the month).")
    p10 = serializers.FloatField(help_text="10th percentile of the month's hires.")
    p90 = serializers.FloatField(help_text="90th percentile of the month's hires.")
    plan = serializers.FloatField(
        allow_null=True, help_text="Planned hires; null when no plan row names the segment."
    )
    attainment = serializers.FloatField(
        allow_null=True, help_text="Forecast plan attainment in % (null without a plan)."
    )
    gap = serializers.FloatField(allow_null=True, help_text="Expected minus planned hires.")
    hired = serializers.IntegerField(help_text="Hires already started in the month.")
    from_pipeline = serializers.FloatField(help_text="Expected from open applications.")
    from_openings = serializers.FloatField(
        help_text="Expected from openings no application covers yet (open and new)."
    )
    openings = serializers.FloatField(help_text="Expected new openings opened in the month.")


class ForecastSerializer(serializers.Serializer):
    as_of = serializers.DateField(help_text="The forecast reads only records known on this day.")
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was stored; null before the first run stored one."
    )
    rows = MonthForecastSerializer(many=True)


class HiringForecastView(EngagementGate, APIView):
    @extend_schema(
        tags=["Forecasts"],
        summary="Expected hires per month and segment, with a range and the plan",
        description=(
            "The hiring forecast of the open quarter and the next two: per month and segment "
            "(department, location, job family), the expected hires, their 10th-90th "
            "percentile range, the plan and the forecast plan attainment, from the open "
            "pipeline and the openings it does not cover yet (docs/data-contract.md, "
            "'Hiring forecast')."
        ),
        parameters=[
            OpenApiParameter(
                "dimension",
                str,
                enum=DIMENSION_CHOICES,
                description="Only this dimension's rows (`all`: the engagement's total).",
            )
        ],
        responses={
            200: ForecastSerializer,
            400: OpenApiResponse(description="An unknown dimension."),
            404: OpenApiResponse(description="No such engagement (or not yours)."),
        },
    )
    def get(self, request, engagement_id: int):
        dimension = request.query_params.get("dimension")
        if dimension is not None and dimension not in DIMENSION_CHOICES:
            raise ValidationError({"dimension": f"Must be one of {', '.join(DIMENSION_CHOICES)}."})
        forecast = selectors.hiring_forecast(engagement=self.engagement)
        rows = [
            {**row.as_dict(), "attainment": row.attainment, "gap": row.gap}
            for row in forecast.rows
            if dimension is None or row.dimension == dimension
        ]
        data = {"as_of": forecast.as_of, "computed_at": forecast.computed_at, "rows": rows}
        return Response(ForecastSerializer(data).data)


hiring_forecast = HiringForecastView.as_view()
