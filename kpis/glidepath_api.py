"""REST endpoints of stepped targets (glidepaths): list, propose, one, agree, reject."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.api import AgreementStepSerializer, EngagementGate
from kpis import glidepath_services, selectors
from kpis.models import DIMENSION_CHOICES, Glidepath, Grain
from kpis.registry import KPI_CHOICES
from rpo_portal.date_rules import validate_governance_date
from rpo_portal.text_rules import validate_one_line

NOT_YOURS = OpenApiResponse(description="No such engagement or glidepath (or not yours).")
FORBIDDEN = OpenApiResponse(
    description="Your role may not do this, you answered your own party's proposal, or you "
    "are not signed in as a person (API keys read glidepaths only)."
)
REFUSED = OpenApiResponse(description="Invalid input: each field's errors, by field name.")


class GlidepathStepSerializer(serializers.Serializer):
    position = serializers.IntegerField(read_only=True, source="glidepath_link.position")
    target_id = serializers.IntegerField(read_only=True, source="pk")
    effective_from = serializers.DateField(validators=[validate_governance_date])
    effective_to = serializers.DateField(
        required=False,
        allow_null=True,
        validators=[validate_governance_date],
        help_text="Leave out: the day before the next step starts (the last step: the "
        "glidepath's `effective_to`, or open-ended).",
    )
    target_value = serializers.DecimalField(max_digits=14, decimal_places=4)
    at_risk_threshold = serializers.DecimalField(max_digits=14, decimal_places=4)
    breach_threshold = serializers.DecimalField(max_digits=14, decimal_places=4)


class GlidepathSerializer(serializers.ModelSerializer):
    proposed_by = serializers.CharField(source="proposed_by.email", read_only=True)
    responded_by = serializers.CharField(
        source="responded_by.email", read_only=True, allow_null=True
    )
    targets = serializers.SerializerMethodField()
    steps = AgreementStepSerializer(many=True, read_only=True)
    dimension = serializers.CharField(read_only=True)

    class Meta:
        model = Glidepath
        fields = [
            "id",
            "state",
            "kpi",
            "grain",
            "dimension",
            "segment",
            "targets",
            "proposed_by",
            "proposed_by_party",
            "proposed_at",
            "responded_by",
            "responded_at",
            "note",
            "steps",
        ]

    @extend_schema_field(GlidepathStepSerializer(many=True))
    def get_targets(self, glidepath) -> list[dict]:
        return GlidepathStepSerializer(
            glidepath_services.glidepath_steps(glidepath), many=True
        ).data


class GlidepathProposalSerializer(serializers.Serializer):
    kpi = serializers.ChoiceField(
        choices=KPI_CHOICES, error_messages={"invalid_choice": "“{input}” is not a KPI."}
    )
    grain = serializers.ChoiceField(choices=Grain.choices)
    dimension = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=20,
        help_text="Blank for every segment, or one of: "
        + ", ".join(key for key, _ in DIMENSION_CHOICES[1:])
        + " (with `segment`).",
    )
    segment = serializers.CharField(
        required=False, allow_blank=True, max_length=200, validators=[validate_one_line]
    )
    min_sample_size = serializers.IntegerField(min_value=1, required=False, default=1)
    effective_to = serializers.DateField(
        required=False, allow_null=True, validators=[validate_governance_date]
    )
    steps = GlidepathStepSerializer(many=True, help_text="In the order they take effect.")
    note = serializers.CharField(required=False, allow_blank=True)


class GlidepathAnswerSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class GlidepathGate(EngagementGate):
    person_signs_writes = "Proposing and answering glidepaths needs a person signed in."

    def glidepath(self, glidepath_id: int) -> Glidepath:
        found = selectors.glidepaths_of(engagement=self.engagement).filter(pk=glidepath_id).first()
        if found is None:
            raise Http404("No such glidepath.")
        return found


def _refused(error: DjangoValidationError):
    detail = error.message_dict if hasattr(error, "error_dict") else error.messages
    return ValidationError(detail)


class GlidepathList(GlidepathGate, APIView):
    @extend_schema(
        tags=["KPIs"],
        summary="Stepped targets (glidepaths) of the engagement, newest first",
        description="Every glidepath proposed, with its steps (each an effective-dated target) "
        "and the steps of its agreement. Members of either party, people and API keys.",
        responses={200: GlidepathSerializer(many=True), 404: NOT_YOURS},
    )
    def get(self, request, engagement_id: int):
        found = selectors.glidepaths_of(engagement=self.engagement)
        return Response(GlidepathSerializer(found, many=True).data)

    @extend_schema(
        tags=["KPIs"],
        summary="Propose a target's path in one go: successive effective-dated targets",
        description="An HR lead or account manager, signed in. The steps follow one another "
        "without a gap or an overlap; steps out of order, overlapping, leaving a gap, an "
        "unknown KPI or thresholds against the KPI's direction are refused with 400 and "
        "nothing is written. The other party agrees to or rejects the whole path.",
        request=GlidepathProposalSerializer,
        responses={201: GlidepathSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_YOURS},
    )
    def post(self, request, engagement_id: int):
        if not request.user.has_perm(glidepath_services.PROPOSE, self.engagement):
            raise PermissionDenied("Your role may not propose targets.")
        body = GlidepathProposalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            glidepath = glidepath_services.glidepath_propose(
                actor=request.user, engagement=self.engagement, **body.validated_data
            )
        except DjangoValidationError as error:
            raise _refused(error) from None
        return Response(GlidepathSerializer(glidepath).data, status=status.HTTP_201_CREATED)


class GlidepathDetail(GlidepathGate, APIView):
    @extend_schema(
        tags=["KPIs"],
        summary="One glidepath with its steps",
        description="Members of either party, people and API keys.",
        responses={200: GlidepathSerializer, 404: NOT_YOURS},
    )
    def get(self, request, engagement_id: int, glidepath_id: int):
        return Response(GlidepathSerializer(self.glidepath(glidepath_id)).data)


class GlidepathAnswer(GlidepathGate, APIView):
    answer = None

    def post(self, request, engagement_id: int, glidepath_id: int):
        glidepath = self.glidepath(glidepath_id)
        body = GlidepathAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            type(self).answer(
                actor=request.user, glidepath=glidepath, note=body.validated_data.get("note", "")
            )
        except DjangoValidationError as error:
            raise _refused(error) from None
        glidepath.refresh_from_db()
        return Response(GlidepathSerializer(glidepath).data)


ANSWERS = {200: GlidepathSerializer, 400: REFUSED, 403: FORBIDDEN, 404: NOT_YOURS}


@extend_schema(
    tags=["KPIs"],
    summary="Agree to a glidepath: every step is agreed with it",
    description="The other party's HR lead or account manager, signed in. Each period's "
    "status then uses the step in force at the period's end. An answered glidepath: 400.",
    request=GlidepathAnswerSerializer,
    responses=ANSWERS,
)
class GlidepathAgree(GlidepathAnswer):
    answer = staticmethod(glidepath_services.glidepath_agree)


@extend_schema(
    tags=["KPIs"],
    summary="Reject a glidepath: every step is rejected with it",
    description="The other party's HR lead or account manager, signed in, with an optional "
    "note. An answered glidepath: 400.",
    request=GlidepathAnswerSerializer,
    responses=ANSWERS,
)
class GlidepathReject(GlidepathAnswer):
    answer = staticmethod(glidepath_services.glidepath_reject)


def api_patterns():
    from django.urls import path

    base = "v1/engagements/<int:engagement_id>/glidepaths/"
    one = f"{base}<int:glidepath_id>/"
    return [
        path(base, GlidepathList.as_view(), name="glidepath-list"),
        path(one, GlidepathDetail.as_view(), name="glidepath-detail"),
        path(f"{one}agree/", GlidepathAgree.as_view(), name="glidepath-agree"),
        path(f"{one}reject/", GlidepathReject.as_view(), name="glidepath-reject"),
    ]
