"""REST endpoints of the transition plan. Writes go through the services, so the API refuses
exactly what the pages refuse (a dependency cycle, another plan's milestone, a milestone
planned before one it depends on), with the field named and nothing written."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from engagements.api import MemberField
from reviews.api import (
    ERRORS,
    WritePermission,
    _engagement_records,
    _operations,
    _Records,
    _service,
)
from reviews.models.transition import Milestone, TransitionPlan
from reviews.transition import selectors, services
from rpo_portal.date_rules import validate_governance_date
from rpo_portal.text_rules import refuse_formula, validate_one_line

LINE = {"validators": [validate_one_line, refuse_formula]}
DAY = {"validators": [validate_governance_date]}


class PlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = TransitionPlan
        fields = ["id", "template_name", "starts_on", "created_at"]
        read_only_fields = ["id", "template_name", "created_at"]
        extra_kwargs = {"starts_on": DAY}


class MilestoneSerializer(serializers.ModelSerializer):
    responsible_person = MemberField(required=False, allow_null=True)
    depends_on = _engagement_records(Milestone)(many=True, required=False)
    status = serializers.SerializerMethodField(
        help_text="From the dates, today: done (an actual date), late (planned date passed), "
        "at_risk (forecast after planned), on_track (forecast on or before planned), "
        "not_started (no forecast)."
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "position",
            "phase",
            "title",
            "responsible_party",
            "responsible_person",
            "planned_on",
            "forecast_on",
            "actual_on",
            "status",
            "depends_on",
            "evidence_url",
            "evidence_note",
            "updated_at",
        ]
        read_only_fields = ["id", "status", "updated_at"]
        extra_kwargs = {
            "phase": LINE,
            "title": LINE,
            "evidence_note": {"validators": [refuse_formula]},
            "planned_on": DAY,
            "forecast_on": DAY,
            "actual_on": DAY,
        }

    def get_status(self, milestone) -> str:
        return milestone.status_on(timezone.localdate())


PLAN_DESCRIPTION = (
    "Members of either party read the plan. A signed-in member who is not a viewer makes it "
    "once, from the engagement model's template: every template milestone planned its "
    "offset after `starts_on`, with the template's dependencies. An API key gets 403 on "
    "writes; a second plan is refused with 400."
)


class PlanView(WritePermission, _Records, generics.GenericAPIView):
    write_perm = services.PLAN
    model = TransitionPlan
    serializer_class = PlanSerializer

    @extend_schema(
        tags=["Reviews"],
        summary="The engagement's transition plan",
        description=PLAN_DESCRIPTION,
        responses={200: PlanSerializer, 404: OpenApiResponse(description="No plan (yet).")},
    )
    def get(self, request, *args, **kwargs):
        plan = selectors.plan_of(engagement=self.engagement)
        if plan is None:
            raise Http404("No transition plan yet.")
        return Response(PlanSerializer(plan).data)

    @extend_schema(
        tags=["Reviews"],
        summary="Make the transition plan from the engagement model's template",
        description=PLAN_DESCRIPTION,
        responses={201: PlanSerializer, **ERRORS},
    )
    def post(self, request, *args, **kwargs):
        body = PlanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        plan = _service(
            services.transition_plan_create,
            actor=request.user,
            engagement=self.engagement,
            starts_on=body.validated_data["starts_on"],
        )
        return Response(PlanSerializer(plan).data, status=status.HTTP_201_CREATED)


@_operations(
    MilestoneSerializer,
    get="The transition plan's milestones, in plan order",
    post="Add a milestone to the transition plan",
)
class MilestoneList(WritePermission, _Records, generics.ListCreateAPIView):
    write_perm = services.PLAN
    model = Milestone
    order_by = ("position", "planned_on", "id")
    create_service = staticmethod(services.milestone_create)

    def records(self):
        return super().records().prefetch_related("depends_on")


@_operations(
    MilestoneSerializer,
    get="One milestone",
    patch="Update a milestone (e.g. its forecast or actual date)",
    put="Replace a milestone",
)
class MilestoneDetail(WritePermission, _Records, generics.RetrieveUpdateDestroyAPIView):
    write_perm = services.PLAN
    model = Milestone
    record_kwarg = "milestone_id"
    update_service = staticmethod(services.milestone_update)
    update_arg = "milestone"

    @extend_schema(
        tags=["Reviews"],
        summary="Remove a milestone from the plan",
        description="A signed-in member who is not a viewer; those that depended on it no "
        "longer do.",
        responses={204: None, **ERRORS},
    )
    def delete(self, request, *args, **kwargs):
        _service(services.milestone_delete, actor=request.user, milestone=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


def api_patterns():
    from django.urls import path

    base = "v1/engagements/<int:engagement_id>/reviews/transition/"
    return [
        path(base, PlanView.as_view(), name="transition-plan"),
        path(f"{base}milestones/", MilestoneList.as_view(), name="milestone-list"),
        path(
            f"{base}milestones/<int:milestone_id>/",
            MilestoneDetail.as_view(),
            name="milestone-detail",
        ),
    ]
