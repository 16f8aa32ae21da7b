"""REST endpoints of an engagement's baselines: in force, history, propose (a computed window
or an entered value), agree, reject."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.api import AgreementStepSerializer, EngagementGate
from kpis.baselines import selectors, services
from kpis.baselines.models import Baseline, BaselineProposal, BaselineSource
from kpis.registry import KPI_CHOICES
from rpo_portal.api_errors import error_body

NOT_YOURS = OpenApiResponse(description="No such engagement or proposal (or not yours).")
FORBIDDEN = OpenApiResponse(
    description="Your role may not do this (HR lead or account manager only), you answered "
    "your own party's proposal, or you are not signed in as a person (API keys only read)."
)
REFUSED = OpenApiResponse(
    description="Refused with nothing written: no go-live date, a window not before go-live "
    "or out of order, an unknown KPI, a missing source; `detail` says why."
)


class BaselineSerializer(serializers.ModelSerializer):
    insufficient_data = serializers.BooleanField(
        source="insufficient", help_text="Too few records in the window: no value."
    )

    class Meta:
        model = Baseline
        fields = [
            "kpi",
            "dimension",
            "segment",
            "value",
            "n",
            "numerator",
            "denominator",
            "min_sample_size",
            "insufficient_data",
            "source",
            "source_detail",
            "note",
        ]


class BaselineProposalSerializer(serializers.ModelSerializer):
    proposed_by = serializers.CharField(source="proposed_by.email")
    responded_by = serializers.CharField(source="responded_by.email", allow_null=True)
    baselines = BaselineSerializer(many=True, read_only=True)
    steps = AgreementStepSerializer(many=True, read_only=True)

    class Meta:
        model = BaselineProposal
        fields = [
            "id",
            "state",
            "kind",
            "window_from",
            "window_to",
            "as_of",
            "go_live_date",
            "proposed_by",
            "proposed_by_party",
            "proposed_at",
            "responded_by",
            "responded_at",
            "note",
            "baselines",
            "steps",
        ]


class InForceSerializer(BaselineSerializer):
    proposal_id = serializers.IntegerField(source="proposal.pk")
    kind = serializers.CharField(source="proposal.kind")
    window_from = serializers.DateField(source="proposal.window_from", allow_null=True)
    window_to = serializers.DateField(source="proposal.window_to", allow_null=True)
    agreed_at = serializers.DateTimeField(source="proposal.responded_at")

    class Meta(BaselineSerializer.Meta):
        fields = [
            *BaselineSerializer.Meta.fields,
            "proposal_id",
            "kind",
            "window_from",
            "window_to",
            "agreed_at",
        ]


class MonthField(serializers.CharField):
    """A month as YYYY-MM; its first day."""

    def to_internal_value(self, data) -> date:
        text = super().to_internal_value(data)
        try:
            year, month = text.split("-")
            return date(int(year), int(month), 1)
        except ValueError:
            raise serializers.ValidationError(f"{text!r} is not a month (YYYY-MM).") from None


class WindowProposalSerializer(serializers.Serializer):
    window_from = MonthField(help_text="The window's first month, YYYY-MM.")
    window_to = MonthField(help_text="Its last month, YYYY-MM, before the go-live month.")
    note = serializers.CharField(required=False, allow_blank=True)


class EnteredProposalSerializer(serializers.Serializer):
    kpi = serializers.ChoiceField(choices=KPI_CHOICES)
    value = serializers.DecimalField(max_digits=18, decimal_places=6, min_value=0)
    source = serializers.ChoiceField(
        choices=BaselineSource.choices,
        help_text="Where the value comes from: earlier_report, benchmark or other (computed "
        "is for windows, and is refused here).",
    )
    source_detail = serializers.CharField(required=False, allow_blank=True, max_length=200)
    dimension = serializers.CharField(required=False, default="all")
    segment = serializers.CharField(required=False, default="all", max_length=200)
    note = serializers.CharField(required=False, allow_blank=True)


class BaselineAnswerSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class BaselineGate(EngagementGate):
    person_signs_writes = "Proposing and agreeing to baselines needs a person signed in."


def _refused(error: ValidationError, code=status.HTTP_400_BAD_REQUEST) -> Response:
    return Response(error_body(" ".join(error.messages)), status=code)


class InForce(BaselineGate, APIView):
    @extend_schema(
        tags=["KPIs"],
        summary="Baselines in force: each KPI's agreed pre-outsourcing value per segment",
        description=(
            "For each KPI and segment with an agreed baseline, the one agreed last, with its "
            "value, n, source and window. An insufficient window never replaces a value."
        ),
        responses={200: InForceSerializer(many=True), 404: NOT_YOURS},
    )
    def get(self, request, engagement_id: int):
        items = selectors.baselines_in_force(engagement=self.engagement).values()
        return Response(InForceSerializer(list(items), many=True).data)


class History(BaselineGate, APIView):
    @extend_schema(
        tags=["KPIs"],
        summary="Every version of the baselines (agreed, proposed, rejected), newest first",
        description="Each proposal with its baselines and the steps of its agreement.",
        responses={200: BaselineProposalSerializer(many=True), 404: NOT_YOURS},
    )
    def get(self, request, engagement_id: int):
        items = selectors.baseline_proposals(engagement=self.engagement)
        return Response(BaselineProposalSerializer(items, many=True).data)


class _Propose(BaselineGate, APIView):
    body = None
    propose = None

    def post(self, request, engagement_id: int):
        if not request.user.has_perm(services.PROPOSE, self.engagement):
            raise PermissionDenied("Your role may not propose baselines.")
        body = type(self).body(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            proposal = type(self).propose(
                actor=request.user, engagement=self.engagement, **body.validated_data
            )
        except ValidationError as error:
            return _refused(error)
        proposal = selectors.baseline_proposal_get(
            engagement=self.engagement, proposal_id=proposal.pk
        )
        return Response(BaselineProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


PROPOSE_RESPONSES = {
    201: BaselineProposalSerializer,
    400: REFUSED,
    403: FORBIDDEN,
    404: NOT_YOURS,
}


@extend_schema(
    tags=["KPIs"],
    summary="Propose every KPI's baseline computed over a window of months before go-live",
    description=(
        "The KPI engine computes each KPI (segment all) over the union of the window's "
        "records; a KPI with fewer records than its minimum sample size is insufficient data "
        "with its n. An HR lead or account manager proposes; the other party answers."
    ),
    request=WindowProposalSerializer,
    responses=PROPOSE_RESPONSES,
)
class ProposeComputed(_Propose):
    body = WindowProposalSerializer
    propose = staticmethod(services.baselines_propose_computed)


@extend_schema(
    tags=["KPIs"],
    summary="Propose a KPI's baseline entered with its source (an earlier report, a benchmark)",
    description=(
        "One KPI and segment (all unless given), its value in the KPI's unit, the source and "
        "a note. An HR lead or account manager proposes; the other party answers."
    ),
    request=EnteredProposalSerializer,
    responses=PROPOSE_RESPONSES,
)
class ProposeEntered(_Propose):
    body = EnteredProposalSerializer
    propose = staticmethod(services.baseline_propose_entered)


class _Answer(BaselineGate, APIView):
    answer = None

    def post(self, request, engagement_id: int, proposal_id: int):
        try:
            proposal = selectors.baseline_proposal_get(
                engagement=self.engagement, proposal_id=proposal_id
            )
        except BaselineProposal.DoesNotExist:
            raise Http404("No such baselines.") from None
        body = BaselineAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            type(self).answer(
                actor=request.user, proposal=proposal, note=body.validated_data.get("note", "")
            )
        except ValidationError as error:
            return _refused(error, status.HTTP_409_CONFLICT)
        proposal = selectors.baseline_proposal_get(
            engagement=self.engagement, proposal_id=proposal.pk
        )
        return Response(BaselineProposalSerializer(proposal).data)


ANSWER_RESPONSES = {
    200: BaselineProposalSerializer,
    403: FORBIDDEN,
    404: NOT_YOURS,
    409: OpenApiResponse(description="The proposal was already answered."),
}


@extend_schema(
    tags=["KPIs"],
    summary="Agree to proposed baselines: they are in force from now on",
    description="The other party's HR lead or account manager, signed in.",
    request=BaselineAnswerSerializer,
    responses=ANSWER_RESPONSES,
)
class Agree(_Answer):
    answer = staticmethod(services.baselines_agree)


@extend_schema(
    tags=["KPIs"],
    summary="Reject proposed baselines",
    description="The other party's HR lead or account manager, signed in, with a note.",
    request=BaselineAnswerSerializer,
    responses=ANSWER_RESPONSES,
)
class Reject(_Answer):
    answer = staticmethod(services.baselines_reject)


baselines_in_force = InForce.as_view()
baselines_history = History.as_view()
baselines_propose_computed = ProposeComputed.as_view()
baselines_propose_entered = ProposeEntered.as_view()
baselines_agree = Agree.as_view()
baselines_reject = Reject.as_view()
