"""REST endpoint of recruiter capacity: loads, demand and recruiters needed, and the what-if
(query parameters; it writes nothing, so every member and API key of the engagement may ask)."""

from __future__ import annotations

import re

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.api import EngagementGate
from forecasts import capacity_selectors as selectors

NOT_YOURS = OpenApiResponse(description="No such engagement (or not yours).")
QUARTER_PATTERN = r"^(19|20)\d{2}-Q[1-4]$"
QUARTER = re.compile(QUARTER_PATTERN.strip("^$"))
DEFAULT_PERCENT = 200


class LoadSerializer(serializers.Serializer):
    recruiter = serializers.CharField(help_text="Blank for requisitions without a recruiter.")
    month = serializers.DateField(help_text="The month's first day.")
    requisitions = serializers.IntegerField(help_text="Open at the month's end (or today).")
    openings = serializers.IntegerField()
    over = serializers.BooleanField(help_text="More requisitions than the agreed capacity.")


class DemandSerializer(serializers.Serializer):
    department = serializers.CharField(help_text='"all" for the engagement\'s total.')
    month = serializers.DateField(help_text="The month's first day.")
    carried = serializers.FloatField(help_text="Requisitions carried in from the month before.")
    openings = serializers.FloatField(help_text="The hiring forecast's new openings.")
    new = serializers.FloatField(help_text="Requisitions the new openings make.")
    load = serializers.FloatField(help_text="Requisitions worked in the month.")
    closing = serializers.FloatField(help_text="Expected to close within the month.")
    needed = serializers.IntegerField(
        allow_null=True, help_text="Recruiters needed; null without an agreed capacity."
    )
    recruiters = serializers.IntegerField(help_text="Recruiters holding open requisitions now.")
    gap = serializers.IntegerField(allow_null=True, help_text="Needed minus recruiters now.")


class HiresSerializer(serializers.Serializer):
    department = serializers.CharField()
    month = serializers.DateField()
    expected = serializers.FloatField(help_text="The hiring forecast's expected hires.")


class WhatIfSerializer(serializers.Serializer):
    department = serializers.CharField()
    quarter = serializers.CharField()
    percent = serializers.FloatField()


class CapacitySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    capacity = serializers.IntegerField(
        allow_null=True, help_text="Agreed requisitions per recruiter; null: none agreed yet."
    )
    loads = LoadSerializer(many=True)
    demand = DemandSerializer(many=True)
    hires = HiresSerializer(many=True)
    what_if = WhatIfSerializer(allow_null=True)
    baseline = serializers.DictField(
        allow_null=True, help_text="With a what-if: the demand and hires under today's plan."
    )


def _data(view) -> dict:
    return {
        "as_of": view.as_of,
        "capacity": view.capacity,
        "loads": [{**vars(load), "over": load.over} for load in view.loads],
        "demand": [
            {**vars(row), "load": row.load, "needed": row.needed, "gap": row.gap}
            for row in view.demand
        ],
        "hires": [
            {"department": department, "month": month, "expected": expected}
            for (department, month), expected in view.hires.items()
        ],
        "what_if": vars(view.what_if) if view.what_if else None,
        "baseline": None,
    }


class Capacity(EngagementGate, APIView):
    @extend_schema(
        tags=["Forecasts"],
        summary="Recruiters' loads, demand per department and month, and recruiters needed",
        description=(
            "Open requisitions per recruiter in the last three months (over capacity when "
            "more than the agreed requisitions per recruiter), and per department and month "
            "the requisitions to work (carried in plus those the hiring forecast's new "
            "openings make), the recruiters needed and the gap. With `department`, `quarter` "
            "and `percent`, a what-if: that department's plan in that quarter scaled, with "
            "today's figures in `baseline`. Nothing is saved."
        ),
        parameters=[
            OpenApiParameter(
                "department", str, description="What-if: the department (none: no what-if)."
            ),
            OpenApiParameter(
                "quarter",
                {"type": "string", "pattern": QUARTER_PATTERN},
                description="What-if: the quarter, like 2027-Q3 (default: the next quarter).",
            ),
            OpenApiParameter(
                "percent",
                {"type": "number", "minimum": 0, "maximum": 1000},
                description="What-if: the plan as % of today's (default 200, which doubles it).",
            ),
        ],
        responses={
            200: CapacitySerializer,
            400: OpenApiResponse(description="The what-if's quarter or percent is not valid."),
            404: NOT_YOURS,
        },
    )
    def get(self, request, engagement_id: int):
        as_of = timezone.localdate()
        what_if = _what_if(request.query_params)
        view = selectors.capacity_view(engagement=self.engagement, as_of=as_of, what_if=what_if)
        data = _data(view)
        if view.baseline is not None:
            base = _data(view.baseline)
            data["baseline"] = {"demand": base["demand"], "hires": base["hires"]}
        body = CapacitySerializer(data).data
        return Response(body)


def _what_if(params) -> selectors.WhatIf | None:
    """The what-if of the query: with a department, its plan in `quarter` (default the next
    quarter) at `percent` (default 200); without one, none. A quarter or percent given is
    checked either way."""
    errors = {}
    quarter = params.get("quarter")
    if quarter is not None and not _is_quarter(quarter):
        errors["quarter"] = "A quarter is written like 2027-Q3."
    percent = params.get("percent")
    if percent is not None:
        try:
            percent = float(percent)
        except ValueError:
            percent = None
        if percent is None or not 0 <= percent <= 1000:
            errors["percent"] = "A percentage from 0 to 1,000."
    department = params.get("department")
    if department is not None and not department.strip():
        errors["department"] = "Name the department whose plan the what-if scales."
    if errors:
        raise ValidationError(errors)
    if department is None:
        return None
    return selectors.WhatIf(
        department,
        quarter or _next_quarter(timezone.localdate()),
        DEFAULT_PERCENT if percent is None else percent,
    )


def _next_quarter(day) -> str:
    quarter = (day.month - 1) // 3 + 1
    return f"{day.year + quarter // 4}-Q{quarter % 4 + 1}"


def _is_quarter(text: str) -> bool:
    return bool(QUARTER.fullmatch(text))


capacity = Capacity.as_view()
