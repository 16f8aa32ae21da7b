"""REST endpoints of breaches: the list (filters), one breach with its timeline, and the
transitions of its life. Transitions are made by people (a signed-in member), so that
every step names who took it; an API key reads but does not act."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.action_items import ActionItemStatus
from engagements.api import EngagementGate
from engagements.models import NOT_A_MEMBER
from rpo_portal.api_query import ApiPagination
from rpo_portal.date_rules import validate_governance_date
from rpo_portal.text_rules import refuse_formula, validate_one_line
from sla.breaches import selectors, services
from sla.models import (
    Breach,
    BreachEvent,
    CorrectiveAction,
    ReliefClaim,
    ReliefReason,
    RemediationPlan,
)

TAGS = ["SLA breaches"]


# --- output --------------------------------------------------------------------------------


class BreachSerializer(serializers.ModelSerializer):
    clause = serializers.CharField(source="clause.key")
    kpi = serializers.CharField(source="clause.kpi")
    relief_pending = serializers.BooleanField(read_only=True)

    class Meta:
        model = Breach
        fields = [
            "id",
            "clause",
            "kpi",
            "period",
            "period_end",
            "value",
            "n",
            "threshold",
            "status",
            "opened_at",
            "value_changed_at",
            "changed_old_value",
            "changed_new_value",
            "still_breaches",
            "relief_pending",
        ]


class BreachEventSerializer(serializers.ModelSerializer):
    actor = serializers.EmailField(source="actor.email", allow_null=True, default=None)

    class Meta:
        model = BreachEvent
        fields = ["action", "actor", "party", "at", "note", "data"]


class RemediationPlanSerializer(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email")

    class Meta:
        model = RemediationPlan
        fields = ["root_cause", "created_by", "created_at", "updated_at"]


class CorrectiveActionSerializer(serializers.ModelSerializer):
    action_item = serializers.IntegerField(source="action_item_id")
    title = serializers.CharField(source="action_item.title")
    owner = serializers.EmailField(source="action_item.owner.email")
    due_date = serializers.DateField(source="action_item.due_date")
    status = serializers.ChoiceField(source="action_item.status", choices=ActionItemStatus.choices)

    class Meta:
        model = CorrectiveAction
        fields = ["id", "action_item", "title", "owner", "due_date", "status"]


class ReliefClaimSerializer(serializers.ModelSerializer):
    requisitions = serializers.SerializerMethodField()
    claimed_by = serializers.EmailField(source="claimed_by.email")
    answered_by = serializers.EmailField(source="answered_by.email", allow_null=True, default=None)

    class Meta:
        model = ReliefClaim
        fields = [
            "id",
            "breach",
            "reason",
            "explanation",
            "requisitions",
            "days_lost",
            "status",
            "claimed_by",
            "claimed_at",
            "answered_by",
            "answered_at",
            "answer_note",
        ]

    def get_requisitions(self, claim) -> list[str]:
        return sorted(r.external_id for r in claim.requisitions.all())


class BreachDetailSerializer(BreachSerializer):
    timeline = serializers.SerializerMethodField()
    remediation_plan = serializers.SerializerMethodField()
    corrective_actions = serializers.SerializerMethodField()
    relief_claims = serializers.SerializerMethodField()

    class Meta(BreachSerializer.Meta):
        fields = [
            *BreachSerializer.Meta.fields,
            "timeline",
            "remediation_plan",
            "corrective_actions",
            "relief_claims",
        ]

    @extend_schema_field(BreachEventSerializer(many=True))
    def get_timeline(self, breach) -> list:
        return BreachEventSerializer(selectors.timeline_of(breach=breach), many=True).data

    @extend_schema_field(RemediationPlanSerializer(allow_null=True))
    def get_remediation_plan(self, breach) -> dict | None:
        plan = RemediationPlan.objects.filter(breach=breach).select_related("created_by").first()
        return RemediationPlanSerializer(plan).data if plan else None

    @extend_schema_field(CorrectiveActionSerializer(many=True))
    def get_corrective_actions(self, breach) -> list:
        links = selectors.corrective_actions_of(breach=breach)
        return CorrectiveActionSerializer(links, many=True).data

    @extend_schema_field(ReliefClaimSerializer(many=True))
    def get_relief_claims(self, breach) -> list:
        return ReliefClaimSerializer(selectors.relief_claims_of(breach=breach), many=True).data


def _id(name: str) -> OpenApiParameter:
    """A record id in the path: the URL takes only digits, so the schema says so too."""
    schema = {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}
    return OpenApiParameter(name, schema, OpenApiParameter.PATH)


BREACH_ID = [_id("breach_id")]
ERRORS = {
    400: OpenApiResponse(description="Invalid input, or a transition the breach's status refuses."),
    403: OpenApiResponse(description="Your role (or an API key) may not take this step."),
    404: OpenApiResponse(description="No such engagement (or not yours), breach or claim."),
}


# --- reads ---------------------------------------------------------------------------------


class BreachList(EngagementGate, generics.ListAPIView):
    serializer_class = BreachSerializer
    filterset_class = selectors.BreachFilter
    pagination_class = ApiPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Breach.objects.none()
        return selectors.breaches_of(engagement=self.engagement)


class BreachDetail(EngagementGate, generics.RetrieveAPIView):
    serializer_class = BreachDetailSerializer

    def get_object(self):
        return _breach(self.engagement, self.kwargs["breach_id"])


def _pk(text, what: str) -> int:
    """An id from the path; the routes take any text so that a bad one is a JSON 404 too."""
    if not str(text).isdigit() or int(text) > 2**63 - 1:
        raise NotFound(f"No such {what}.")
    return int(text)


def _breach(engagement, breach_id) -> Breach:
    try:
        return selectors.breach_of(engagement=engagement, breach_id=_pk(breach_id, "breach"))
    except Breach.DoesNotExist:
        raise NotFound("No such breach.") from None


class ReliefClaimList(EngagementGate, generics.ListAPIView):
    serializer_class = ReliefClaimSerializer
    pagination_class = ApiPagination
    filterset_fields = ["status", "reason"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReliefClaim.objects.none()
        return (
            ReliefClaim.objects.filter(engagement=self.engagement)
            .select_related("claimed_by", "answered_by")
            .prefetch_related("requisitions")
            .order_by("-claimed_at", "-id")
        )


# --- transitions ---------------------------------------------------------------------------


class NoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField()


class CorrectiveActionInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, validators=[validate_one_line, refuse_formula])
    owner = serializers.IntegerField(help_text="The user id of a member of either party.")
    due_date = serializers.DateField(validators=[validate_governance_date])
    description = serializers.CharField(required=False, allow_blank=True, default="")


class PlanInput(serializers.Serializer):
    root_cause = serializers.CharField()
    corrective_actions = CorrectiveActionInput(many=True, required=False, default=list)


class ActionStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=ActionItemStatus.choices)


class ReliefClaimInput(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReliefReason.choices)
    explanation = serializers.CharField()
    requisitions = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="External ids."
    )
    days_lost = serializers.IntegerField(min_value=1)


# POST one step of a breach's life; answers with the breach as it now is. (A comment: a
# docstring would become the operations' description in the schema.)
class BreachTransition(EngagementGate, APIView):
    input_serializer: type[serializers.Serializer] = NoteInput
    person_signs_writes = "Breach steps are taken by a signed-in person, not an API key."

    def post(self, request, engagement_id: int, breach_id: str, **kwargs):
        breach = _breach(self.engagement, breach_id)
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            self.run(breach, data.validated_data)
        except DjangoValidationError as error:
            detail = error.message_dict if hasattr(error, "error_dict") else error.messages
            raise ApiValidationError(detail) from None
        breach = _breach(self.engagement, breach_id)
        return Response(BreachDetailSerializer(breach).data, status=self.success_status)

    success_status = status.HTTP_200_OK

    def run(self, breach, data) -> None:
        raise NotImplementedError


STEP_DESCRIPTION = (
    "A step in the breach's life, taken by a signed-in person whose role allows it (an API key "
    "gets 403). Answers with the breach as it now is, this step in its timeline; a step the "
    "breach's status does not allow is refused with 400, saying why."
)


def _schema(summary: str, request, response=BreachDetailSerializer, code=200, ids=()):
    return extend_schema(
        tags=TAGS,
        summary=summary,
        description=STEP_DESCRIPTION,
        request=request,
        responses={code: response, **ERRORS},
        parameters=[*BREACH_ID, *(_id(name) for name in ids)],
    )


class Acknowledge(BreachTransition):
    @_schema("Acknowledge a breach (the provider's account manager)", NoteInput)
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def run(self, breach, data):
        services.breach_acknowledge(actor=self.request.user, breach=breach, note=data["note"])


def _actions(engagement, items) -> list[services.CorrectiveActionInput]:
    members = {user.pk: user for user in selectors.members_of(engagement=engagement)}
    actions = []
    for item in items:
        owner = members.get(item["owner"])
        if owner is None:
            raise DjangoValidationError({"owner": NOT_A_MEMBER})
        actions.append(
            services.CorrectiveActionInput(
                item["title"], owner, item["due_date"], item.get("description", "")
            )
        )
    return actions


class Plan(BreachTransition):
    input_serializer = PlanInput

    @_schema("Set (or revise) the remediation plan: root cause and corrective actions", PlanInput)
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def run(self, breach, data):
        services.breach_plan_remediation(
            actor=self.request.user,
            breach=breach,
            root_cause=data["root_cause"],
            actions=_actions(self.engagement, data["corrective_actions"]),
        )


class AddCorrectiveAction(BreachTransition):
    input_serializer = CorrectiveActionInput
    success_status = status.HTTP_201_CREATED

    @_schema("Add a corrective action to a planned breach", CorrectiveActionInput, code=201)
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def run(self, breach, data):
        [action] = _actions(self.engagement, [data])
        services.corrective_action_add(actor=self.request.user, breach=breach, action=action)


class CorrectiveActionStatus(BreachTransition):
    input_serializer = ActionStatusInput

    @_schema("Set a corrective action's status", ActionStatusInput, ids=["action_id"])
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def run(self, breach, data):
        link = CorrectiveAction.objects.filter(
            pk=_pk(self.kwargs["action_id"], "corrective action"),
            breach=breach,
            engagement=self.engagement,
        ).first()
        if link is None:
            raise NotFound("No such corrective action on this breach.")
        services.corrective_action_set_status(
            actor=self.request.user, corrective_action=link, status=data["status"]
        )


class Resolve(BreachTransition):
    @_schema("Resolve a breach once its corrective actions are done (the provider)", NoteInput)
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def run(self, breach, data):
        services.breach_resolve(actor=self.request.user, breach=breach, note=data["note"])


class Reopen(BreachTransition):
    input_serializer = ReasonInput

    @_schema("Reopen a resolved or waived breach (the client's HR lead)", ReasonInput)
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def run(self, breach, data):
        services.breach_reopen(actor=self.request.user, breach=breach, reason=data["reason"])


class Waive(BreachTransition):
    input_serializer = ReasonInput

    @_schema("Waive a breach: no credit (the client's HR lead)", ReasonInput)
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def run(self, breach, data):
        services.breach_waive(actor=self.request.user, breach=breach, reason=data["reason"])


class ClaimRelief(BreachTransition):
    input_serializer = ReliefClaimInput
    success_status = status.HTTP_201_CREATED

    @_schema("Claim relief for a client-side cause (the provider)", ReliefClaimInput, code=201)
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def run(self, breach, data):
        services.relief_claim(actor=self.request.user, breach=breach, **data)


class _ReliefAnswer(BreachTransition):
    def run(self, breach, data):
        claim = ReliefClaim.objects.filter(
            pk=_pk(self.kwargs["claim_id"], "relief claim"),
            breach=breach,
            engagement=self.engagement,
        ).first()
        if claim is None:
            raise NotFound("No such relief claim on this breach.")
        self.answer(claim, data)


class AcceptRelief(_ReliefAnswer):
    @_schema(
        "Accept a relief claim: the breach is excused (the client's HR lead)",
        NoteInput,
        ids=["claim_id"],
    )
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def answer(self, claim, data):
        services.relief_accept(actor=self.request.user, claim=claim, note=data["note"])


class RejectRelief(_ReliefAnswer):
    input_serializer = ReasonInput

    @_schema(
        "Reject a relief claim, with a reason (the client's HR lead)",
        ReasonInput,
        ids=["claim_id"],
    )
    def post(self, *args, **kwargs):
        return super().post(*args, **kwargs)

    def answer(self, claim, data):
        services.relief_reject(actor=self.request.user, claim=claim, reason=data["reason"])


BreachList = extend_schema(
    tags=TAGS,
    summary="Breaches of the engagement (filter by status, clause, period)",
    description="Breaches of closed periods, newest first; `status` may be given several times.",
)(BreachList)
BreachDetail = extend_schema(
    tags=TAGS,
    summary="One breach with its timeline, plan and relief claims",
    description=(
        "The breach, every step taken on it (who, when, why), its remediation plan and "
        "corrective actions, and its relief claims."
    ),
    responses={200: BreachDetailSerializer, 404: ERRORS[404]},
    parameters=BREACH_ID,
)(BreachDetail)
ReliefClaimList = extend_schema(
    tags=TAGS,
    summary="Relief claims of the engagement",
    description=(
        "Claims that a breach had a client-side cause, with their status (pending, accepted, "
        "rejected)."
    ),
)(ReliefClaimList)


def api_patterns():
    from django.urls import path

    base = "v1/engagements/<int:engagement_id>/breaches/"
    one = f"{base}<str:breach_id>/"
    return [
        path(base, BreachList.as_view(), name="breach-list"),
        path(one, BreachDetail.as_view(), name="breach-detail"),
        path(f"{one}acknowledge/", Acknowledge.as_view(), name="breach-acknowledge"),
        path(f"{one}plan/", Plan.as_view(), name="breach-plan"),
        path(f"{one}corrective-actions/", AddCorrectiveAction.as_view(), name="breach-action-add"),
        path(
            f"{one}corrective-actions/<str:action_id>/status/",
            CorrectiveActionStatus.as_view(),
            name="breach-action-status",
        ),
        path(f"{one}resolve/", Resolve.as_view(), name="breach-resolve"),
        path(f"{one}reopen/", Reopen.as_view(), name="breach-reopen"),
        path(f"{one}waive/", Waive.as_view(), name="breach-waive"),
        path(f"{one}relief-claims/", ClaimRelief.as_view(), name="breach-relief-claim"),
        path(
            f"{one}relief-claims/<str:claim_id>/accept/",
            AcceptRelief.as_view(),
            name="breach-relief-accept",
        ),
        path(
            f"{one}relief-claims/<str:claim_id>/reject/",
            RejectRelief.as_view(),
            name="breach-relief-reject",
        ),
        path(
            "v1/engagements/<int:engagement_id>/relief-claims/",
            ReliefClaimList.as_view(),
            name="relief-claim-list",
        ),
    ]
