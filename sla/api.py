"""REST endpoints of SLAs: clauses and their schedules (propose, agree, reject), outcomes and
the credit ledger of an engagement."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from engagements.api import AgreementStepSerializer, EngagementGate
from rpo_portal.api_errors import error_body
from rpo_portal.api_query import QUARTER_PATTERN, ApiPagination, quarter_parameter
from rpo_portal.date_rules import validate_governance_date
from sla import selectors, services
from sla.models import SlaClause, SlaOutcome, SlaSchedule
from sla.schedule import TERMS, schedule_check_records

NOT_YOURS = OpenApiResponse(description="No such engagement or schedule (or not yours).")
FORBIDDEN = OpenApiResponse(
    description="Your role may not do this, you answered your own party's proposal, or you "
    "are not signed in as a person (API keys cannot agree to terms)."
)


class ClauseSerializer(serializers.ModelSerializer):
    clause = serializers.CharField(source="key")
    schedule_state = serializers.CharField(source="schedule.state")

    class Meta:
        model = SlaClause
        fields = [
            "id",
            "clause",
            *TERMS,
            "in_force",
            "schedule",
            "schedule_state",
        ]


StepSerializer = AgreementStepSerializer


class ScheduleSerializer(serializers.ModelSerializer):
    clauses = ClauseSerializer(many=True, read_only=True)
    proposed_by = serializers.CharField(source="proposed_by.email")
    responded_by = serializers.CharField(source="responded_by.email", allow_null=True)
    steps = StepSerializer(many=True, read_only=True)

    class Meta:
        model = SlaSchedule
        fields = [
            "id",
            "state",
            "source_name",
            "proposed_by",
            "proposed_by_party",
            "proposed_at",
            "responded_by",
            "responded_at",
            "replaces",
            "note",
            "clauses",
            "steps",
        ]


class ClauseTermsSerializer(serializers.Serializer):
    """One clause as the schedule file has it (columns as fields)."""

    clause = serializers.CharField(max_length=100)
    kpi = serializers.CharField()
    grain = serializers.CharField()
    dimension = serializers.CharField(required=False, allow_blank=True)
    segment = serializers.CharField(required=False, allow_blank=True)
    kind = serializers.CharField(required=False, allow_blank=True)
    threshold = serializers.CharField()
    min_n = serializers.IntegerField(required=False)
    grace_days = serializers.IntegerField(required=False)
    effective_from = serializers.DateField(validators=[validate_governance_date])
    effective_to = serializers.DateField(
        required=False, allow_null=True, validators=[validate_governance_date]
    )
    pct = serializers.CharField()
    repeat_pct = serializers.CharField(required=False, allow_null=True)
    cap_pct = serializers.CharField(required=False, allow_null=True)
    earn_back = serializers.IntegerField(required=False, allow_null=True)


class ProposalSerializer(serializers.Serializer):
    clauses = ClauseTermsSerializer(many=True)
    note = serializers.CharField(required=False, allow_blank=True)


class AnswerSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class ScheduleErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(allow_null=True, help_text="The clause's 0-based index.")
    field = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class ScheduleErrorsSerializer(serializers.Serializer):
    errors = ScheduleErrorSerializer(many=True)
    error_count = serializers.IntegerField()


class OutcomeSerializer(serializers.ModelSerializer):
    clause = serializers.CharField(source="clause.key")

    class Meta:
        model = SlaOutcome
        fields = [
            "clause",
            "period",
            "period_start",
            "period_end",
            "closed",
            "value",
            "shown_value",
            "n",
            "outcome",
            "metric_value",
            "as_of",
        ]


class LedgerLineSerializer(serializers.Serializer):
    clause = serializers.CharField()
    period = serializers.CharField(source="period.key")
    event = serializers.CharField()
    status = serializers.CharField(help_text="The breach's status; blank for a bonus.")
    rate = serializers.DecimalField(max_digits=9, decimal_places=4)
    rate_reason = serializers.CharField(help_text="base or repeat")
    fee = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="The period's fee under the commercial terms in force then.",
    )
    gross = serializers.DecimalField(max_digits=16, decimal_places=2)
    caps = serializers.ListField(child=serializers.CharField(), source="cap_notes")
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    earned_back = serializers.BooleanField()
    earned_back_by = serializers.ListField(child=serializers.CharField())
    counts_in_net = serializers.DecimalField(max_digits=16, decimal_places=2)


class LedgerQuarterSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    net = serializers.DecimalField(max_digits=16, decimal_places=2)
    fee = serializers.DecimalField(
        max_digits=16,
        decimal_places=2,
        help_text="The quarter's fee: its three months' fees under the terms in force then.",
    )
    at_risk_pct = serializers.DecimalField(
        max_digits=7,
        decimal_places=4,
        allow_null=True,
        help_text="The at-risk % in force on the quarter's first day.",
    )
    lines = LedgerLineSerializer(many=True)


class LedgerSerializer(serializers.Serializer):
    currency = serializers.CharField()
    monthly_fee = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="The monthly fee in force today."
    )
    at_risk_pct = serializers.DecimalField(
        max_digits=7, decimal_places=4, allow_null=True, help_text="The at-risk % in force today."
    )
    quarters = LedgerQuarterSerializer(many=True)


def _person(request) -> User:
    """Terms are agreed by people: an API key may read them but not negotiate."""
    if not isinstance(request.user, User):
        raise PermissionDenied("Proposing and agreeing to terms needs a person signed in.")
    return request.user


def _refused(check) -> Response:
    errors = [
        {"index": e["row"], "field": e["column"], "reason": e["reason"]} for e in check.errors
    ]
    return Response(
        {"errors": errors, "error_count": len(errors)}, status=status.HTTP_400_BAD_REQUEST
    )


class ClauseFilter(filters.FilterSet):
    class Meta:
        model = SlaClause
        fields = ["in_force", "kpi", "grain"]


@extend_schema(
    tags=["SLAs"],
    summary="SLA clauses of the engagement (filter in_force, kpi, grain)",
    description=(
        "The clauses of agreed schedules: the KPI, threshold, grain and the credit a breach "
        "costs. `in_force=true` keeps those in force today."
    ),
)
class ClauseList(EngagementGate, generics.ListAPIView):
    serializer_class = ClauseSerializer
    filterset_class = ClauseFilter
    pagination_class = ApiPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SlaClause.objects.none()
        return SlaClause.objects.filter(engagement=self.engagement).select_related("schedule")


class ScheduleList(EngagementGate, APIView):
    @extend_schema(
        tags=["SLAs"],
        summary="SLA schedules of the engagement, newest first, with clauses and history",
        description=(
            "Every schedule proposed, agreed or rejected, with its clauses and the steps of "
            "its agreement."
        ),
        responses={200: ScheduleSerializer(many=True), 404: NOT_YOURS},
    )
    def get(self, request, engagement_id: int):
        schedules = selectors.schedules(engagement=self.engagement)
        return Response(ScheduleSerializer(schedules, many=True).data)

    @extend_schema(
        tags=["SLAs"],
        summary="Propose clauses (all or nothing); the other party agrees to them as a whole",
        description=(
            "A signed-in person of either party proposes a schedule; an invalid clause "
            "refuses the whole proposal (400, naming the clause)."
        ),
        request=ProposalSerializer,
        responses={
            201: ScheduleSerializer,
            400: ScheduleErrorsSerializer,
            403: FORBIDDEN,
            404: NOT_YOURS,
        },
    )
    def post(self, request, engagement_id: int):
        actor = _person(request)
        if not actor.has_perm(services.PROPOSE, self.engagement):
            raise PermissionDenied("Your role may not propose SLA clauses.")
        body = ProposalSerializer(data=request.data)
        if not body.is_valid():
            return Response(
                {
                    "errors": [{"index": None, "field": None, "reason": str(body.errors)}],
                    "error_count": 1,
                },
                status=status.HTTP_400_BAD_REQUEST,
            )
        records = [dict(clause) for clause in request.data.get("clauses", [])]
        check = schedule_check_records(records=records, engagement=self.engagement)
        if not check.ok:
            return _refused(check)
        schedule = services.schedule_propose(
            actor=actor,
            engagement=self.engagement,
            clauses=check.clauses,
            note=body.validated_data.get("note", ""),
        )
        schedule = selectors.schedule_get(engagement=self.engagement, schedule_id=schedule.pk)
        return Response(ScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


class ScheduleAnswer(EngagementGate, APIView):
    answer = None  # services.schedule_agree or schedule_reject

    def post(self, request, engagement_id: int, schedule_id: int):
        actor = _person(request)
        try:
            schedule = selectors.schedule_get(engagement=self.engagement, schedule_id=schedule_id)
        except SlaSchedule.DoesNotExist:
            raise Http404("No such schedule.") from None
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            type(self).answer(
                actor=actor, schedule=schedule, note=body.validated_data.get("note", "")
            )
        except ValidationError as error:
            return Response(error_body(" ".join(error.messages)), status=status.HTTP_409_CONFLICT)
        schedule = selectors.schedule_get(engagement=self.engagement, schedule_id=schedule.pk)
        return Response(ScheduleSerializer(schedule).data)


ANSWER_RESPONSES = {
    200: ScheduleSerializer,
    403: FORBIDDEN,
    404: NOT_YOURS,
    409: OpenApiResponse(description="The schedule was already answered."),
}


@extend_schema(
    tags=["SLAs"],
    summary="Agree to a proposed schedule: every clause in it takes effect",
    description="The other party agrees, signed in; the clauses are evaluated from their start on.",
    request=AnswerSerializer,
    responses=ANSWER_RESPONSES,
)
class ScheduleAgree(ScheduleAnswer):
    answer = staticmethod(services.schedule_agree)


@extend_schema(
    tags=["SLAs"],
    summary="Reject a proposed schedule",
    description=(
        "The other party rejects, signed in, with an optional note; the clauses in force stay"
        " as they are."
    ),
    request=AnswerSerializer,
    responses=ANSWER_RESPONSES,
)
class ScheduleReject(ScheduleAnswer):
    answer = staticmethod(services.schedule_reject)


class OutcomeFilter(filters.FilterSet):
    clause = filters.CharFilter(field_name="clause__key")

    class Meta:
        model = SlaOutcome
        fields = ["clause", "period", "outcome"]


@extend_schema(
    tags=["SLAs"],
    summary="Outcomes of the clauses in force per period (filter clause, period, outcome)",
    description=(
        "Per clause and period: met, warning (open period), breach, bonus, or why there is no"
        " verdict (no data, small sample, suppressed)."
    ),
)
class OutcomeList(EngagementGate, generics.ListAPIView):
    serializer_class = OutcomeSerializer
    filterset_class = OutcomeFilter
    pagination_class = ApiPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SlaOutcome.objects.none()
        return selectors.outcomes(engagement=self.engagement)


class Ledger(EngagementGate, APIView):
    @extend_schema(
        tags=["SLAs"],
        summary="The credit ledger per quarter, with each line's arithmetic and the net",
        description=(
            "Service credits and bonuses per quarter, each line with its arithmetic, the "
            "quarter's fee and at-risk % under the terms in force then, and the net."
        ),
        parameters=[
            OpenApiParameter(
                "quarter",
                {"type": "string", "pattern": QUARTER_PATTERN},
                description="One quarter, like 2025-Q2; without it, every quarter.",
            )
        ],
        responses={200: LedgerSerializer, 404: NOT_YOURS},
    )
    def get(self, request, engagement_id: int):
        book = selectors.ledger(engagement=self.engagement)
        wanted = quarter_parameter(request.query_params)
        quarters = [
            {
                "quarter": quarter,
                "net": net,
                "fee": book.schedule.quarter_fee(lines[0].period.start),
                "at_risk_pct": book.schedule.at_risk_pct(lines[0].period.start),
                "lines": lines,
            }
            for quarter, lines, net in book.quarters()
            if not wanted or quarter == wanted
        ]
        engagement = self.engagement
        data = {
            "currency": engagement.currency,
            "monthly_fee": engagement.monthly_fee,
            "at_risk_pct": engagement.at_risk_pct,
            "quarters": quarters,
        }
        return Response(LedgerSerializer(data).data)


clause_list = ClauseList.as_view()
schedule_list = ScheduleList.as_view()
schedule_agree = ScheduleAgree.as_view()
schedule_reject = ScheduleReject.as_view()
outcome_list = OutcomeList.as_view()
ledger = Ledger.as_view()
