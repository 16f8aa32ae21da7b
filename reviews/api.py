"""REST endpoints of the reviews app: cadences, meetings and their agenda items, decisions,
action items and risks. Writes go through the services, so the API refuses exactly what the
pages refuse, with the field named."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from engagements.access import VIEW
from engagements.api import EngagementGate, MemberField
from reviews import selectors, services
from reviews.models import ActionItem, AgendaItem, Cadence, Decision, Meeting, Risk
from rpo_portal.api_query import ApiPagination
from rpo_portal.date_rules import validate_governance_date
from rpo_portal.text_rules import refuse_formula, validate_one_line

RECORD = "reviews.record_review"
LOG = "reviews.log_action_item"
CADENCE = "reviews.change_cadence"
CANCEL = "reviews.cancel_meeting"

ERRORS = {
    400: OpenApiResponse(description="Invalid input: each field's errors, by field name."),
    403: OpenApiResponse(description="Your role may not do this."),
    404: OpenApiResponse(description="No such engagement or record (or not yours)."),
}
READ_ERRORS = {404: ERRORS[404]}
# Text the QBR pack writes out: refused when it starts a formula, as the pages and the upload
# refuse it.
# Text that an export writes out: never a formula. Extra validators replace the model field's,
# so a one-line title names the one-line rule again.
EXPORTED_TEXT = {"validators": [refuse_formula]}
EXPORTED_LINE = {"validators": [validate_one_line, refuse_formula]}


def _service(call, **kwargs):
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise ValidationError(detail) from None


# Reads need membership; writes need `write_perm` (403 for viewers). (A comment: a docstring
# would become the operations' description in the schema.)
class WritePermission:
    write_perm = RECORD
    # The governance log names a person for every write (organiser, author, creator): an
    # organization's API key may read it but not write to it.
    person_signs_writes = "An API key may read reviews; a person signs every change."

    def initial(self, request, *args, **kwargs):
        reading = request.method in SAFE_METHODS
        self.engagement_perm = VIEW if reading else self.write_perm
        super().initial(request, *args, **kwargs)


def _engagement_records(model):
    class Field(serializers.PrimaryKeyRelatedField):
        def get_queryset(self):
            view = self.context.get("view")
            engagement = getattr(view, "engagement", None)
            return model.objects.filter(engagement=engagement)

    return Field


@extend_schema_field(
    {"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "09:00"},
)
class LocalTimeField(serializers.TimeField):
    """A wall-clock time in the cadence's own time zone (so no offset: OpenAPI's `time`
    format would demand one)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M", "%H:%M:%S"], **kwargs)


class CadenceSerializer(serializers.ModelSerializer):
    time = LocalTimeField()
    participants = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Cadence
        fields = [
            "id",
            "tier",
            "frequency",
            "weekday",
            "day_of_month",
            "time",
            "timezone",
            "duration_minutes",
            "participants",
            "stalled_after_days",
            "active",
        ]
        read_only_fields = ["id", "tier"]
        # The model checks the time zone; the service names the field in its answer.
        extra_kwargs = {"timezone": {"validators": []}}


class MeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Meeting
        fields = [
            "id",
            "tier",
            "title",
            "starts_at",
            "duration_minutes",
            "timezone",
            "location",
            "status",
            "generated",
            "organiser",
            "minutes",
            "frozen_agenda",
            "held_at",
            "closed_at",
            "cancelled_at",
            "cancelled_by",
            "cancel_reason",
        ]
        read_only_fields = [
            "id",
            "status",
            "generated",
            "organiser",
            "minutes",
            "frozen_agenda",
            "held_at",
            "closed_at",
            "cancelled_at",
            "cancelled_by",
            "cancel_reason",
        ]
        extra_kwargs = {
            "timezone": {"validators": []},
            "title": EXPORTED_LINE,
            "starts_at": {"validators": [validate_governance_date]},
        }


class AgendaItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = [
            "id",
            "meeting",
            "title",
            "notes",
            "outcome",
            "status",
            "escalate",
            "action_item",
            "risk",
            "carried_from",
            "escalated_from",
        ]


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = MemberField()
    meeting = _engagement_records(Meeting)(required=False, allow_null=True)
    action_items = _engagement_records(ActionItem)(many=True, required=False)
    risks = _engagement_records(Risk)(many=True, required=False)

    class Meta:
        model = Decision
        fields = [
            "id",
            "title",
            "rationale",
            "decided_by",
            "party",
            "decided_on",
            "meeting",
            "action_items",
            "risks",
            "kpi",
            "created_at",
        ]
        read_only_fields = ["id", "party", "created_at"]
        extra_kwargs = {
            "title": EXPORTED_LINE,
            "rationale": EXPORTED_TEXT,
            "decided_on": {"validators": [validate_governance_date]},
        }


class ActionItemSerializer(serializers.ModelSerializer):
    owner = MemberField()
    meeting = _engagement_records(Meeting)(required=False, allow_null=True)
    risk = _engagement_records(Risk)(required=False, allow_null=True)

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "title",
            "description",
            "owner",
            "party",
            "due_date",
            "priority",
            "status",
            "kpi",
            "meeting",
            "risk",
            "created_at",
            "completed_at",
        ]
        read_only_fields = ["id", "party", "created_at", "completed_at"]
        extra_kwargs = {
            "title": EXPORTED_LINE,
            "due_date": {"validators": [validate_governance_date]},
        }


class RiskSerializer(serializers.ModelSerializer):
    owner = MemberField()

    class Meta:
        model = Risk
        fields = [
            "id",
            "title",
            "description",
            "category",
            "likelihood",
            "impact",
            "score",
            "treatment",
            "mitigation",
            "contingency",
            "owner",
            "status",
            "next_review_on",
        ]
        read_only_fields = ["id", "score"]
        # 1-5 is checked by the model, which names the field.
        extra_kwargs = {
            "likelihood": {"validators": []},
            "impact": {"validators": []},
            "title": EXPORTED_LINE,
            "mitigation": EXPORTED_TEXT,
            "next_review_on": {"validators": [validate_governance_date]},
        }


STATUS = {"get": 200, "post": 201, "put": 200, "patch": 200}
# What each method's users need to know, the same for every governance record.
DESCRIPTIONS = {
    "get": "Members of either party may read it, people and API keys alike.",
    "post": (
        "Only a signed-in member who may record governance (not a viewer) adds it: the record "
        "names who made it, so an API key gets 403. Invalid fields are refused with 400, each "
        "named in `errors`."
    ),
    "put": (
        "Only a signed-in member who may record governance (not a viewer) changes it; an API "
        "key gets 403. Every field is given; invalid ones are refused with 400, each named."
    ),
    "patch": (
        "Only a signed-in member who may record governance (not a viewer) changes it; an API "
        "key gets 403. Only the fields given change; invalid ones are refused with 400."
    ),
}


def _operations(serializer, **summaries):
    """The view's serializer, and each method's summary and answers (`serializer` with its
    status, and the errors it may give: reads only 404) in the schema, under the Reviews tag."""

    def decorate(view):
        view.serializer_class = serializer
        operations = {
            method: extend_schema(
                summary=summary,
                description=DESCRIPTIONS[method],
                responses={
                    STATUS[method]: serializer,
                    **(READ_ERRORS if method == "get" else ERRORS),
                },
            )
            for method, summary in summaries.items()
        }
        return extend_schema(tags=["Reviews"])(extend_schema_view(**operations)(view))

    return decorate


class _Records(EngagementGate):
    # The engagement's records of `model`: listed by `order_by`, one found by the URL's
    # `record_kwarg`; writes go through the services, which name the field they refuse. (A
    # comment, not a docstring: the schema describes these endpoints by the gate's.)

    model: type
    order_by = ("id",)
    record_kwarg = ""
    # The services: `create_service(actor, engagement, **data)` and
    # `update_service(actor, <update_arg>, **data)`.
    create_service = None
    update_service = None
    update_arg = ""

    def records(self):
        return self.model.objects.filter(engagement=self.engagement).order_by(*self.order_by)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.records()

    def get_object(self):
        queryset = self.model.objects.filter(engagement=self.engagement)
        return _get(queryset, self.kwargs[self.record_kwarg])

    def create_data(self, data: dict) -> dict:
        return data

    def perform_create(self, serializer):
        serializer.instance = _service(
            self.create_service,
            actor=self.request.user,
            engagement=self.engagement,
            **self.create_data(dict(serializer.validated_data)),
        )

    def perform_update(self, serializer):
        serializer.instance = _service(
            self.update_service,
            actor=self.request.user,
            **{self.update_arg: serializer.instance},
            **serializer.validated_data,
        )


@_operations(CadenceSerializer, get="The engagement's three cadences")
class CadenceList(_Records, generics.ListAPIView):
    pagination_class = ApiPagination
    model = Cadence

    def records(self):
        return super().records().prefetch_related("participants")


@_operations(
    CadenceSerializer,
    get="One cadence",
    patch="Change a cadence (leads); upcoming meetings move",
    put="Replace a cadence's settings (leads)",
)
class CadenceDetail(WritePermission, _Records, generics.RetrieveUpdateAPIView):
    write_perm = CADENCE
    model = Cadence
    record_kwarg = "cadence_id"
    update_service = staticmethod(services.cadence_update)
    update_arg = "cadence"


def _get(queryset, pk):
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise Http404("No such record.")
    return record


@_operations(MeetingSerializer, get="Meetings, by start", post="Create an ad-hoc meeting")
class MeetingList(WritePermission, _Records, generics.ListCreateAPIView):
    pagination_class = ApiPagination
    model = Meeting
    order_by = ("starts_at", "id")
    create_service = staticmethod(services.meeting_create)

    def create_data(self, data: dict) -> dict:
        data["timezone_name"] = data.pop("timezone", "UTC")
        return data


@_operations(MeetingSerializer, get="One meeting")
class MeetingDetail(_Records, generics.RetrieveAPIView):
    model = Meeting
    record_kwarg = "meeting_id"


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        help_text="Why the meeting is cancelled; both parties see it.",
        error_messages={
            "required": "Say why the meeting is cancelled.",
            "blank": "Say why the meeting is cancelled.",
        },
    )


class _MeetingChange(_Records, generics.GenericAPIView):
    # A POST that changes one meeting's status, for the leads of the side that organises it
    # (`reviews.cancel_meeting`, checked on the meeting); the answer is the meeting.
    model = Meeting
    record_kwarg = "meeting_id"
    person_signs_writes = WritePermission.person_signs_writes
    # The service: `service(actor, meeting, **body)`.
    service = None

    def post(self, request, *args, **kwargs):
        meeting = self.get_object()
        if not request.user.has_perm(CANCEL, meeting):
            raise PermissionDenied(
                "Only the leads of the side that organises the meeting may cancel or reinstate it."
            )
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = _service(self.service, actor=request.user, meeting=meeting, **body.validated_data)
        return Response(MeetingSerializer(meeting).data)


MEETING_CHANGED = {200: MeetingSerializer, **ERRORS}


@extend_schema(
    tags=["Reviews"],
    summary="Cancel a scheduled meeting, saying why (the organising side's leads)",
    description=(
        "Signed-in leads of the organising side only; the reason is kept on the meeting. A "
        "cancelled meeting can be reinstated."
    ),
    responses=MEETING_CHANGED,
)
class MeetingCancel(_MeetingChange):
    serializer_class = CancelSerializer
    service = staticmethod(services.meeting_cancel)


@extend_schema(
    tags=["Reviews"],
    summary="Reinstate a cancelled meeting (the organising side's leads)",
    description=(
        "Signed-in leads of the organising side only; the meeting is scheduled again at its time."
    ),
    request=None,
    responses=MEETING_CHANGED,
)
class MeetingReinstate(_MeetingChange):
    serializer_class = serializers.Serializer
    service = staticmethod(services.meeting_reinstate)


@_operations(AgendaItemSerializer, get="A meeting's agenda items (besides its live sections)")
class AgendaItemList(_Records, generics.ListAPIView):
    pagination_class = ApiPagination
    model = AgendaItem

    def records(self):
        meeting = _get(
            Meeting.objects.filter(engagement=self.engagement), self.kwargs["meeting_id"]
        )
        return super().records().filter(meeting=meeting)


@_operations(
    DecisionSerializer, get="The decision log (`q` searches what and why)", post="Record a decision"
)
class DecisionList(WritePermission, _Records, generics.ListCreateAPIView):
    pagination_class = ApiPagination
    model = Decision
    create_service = staticmethod(services.decision_create)

    def records(self):
        params = self.request.query_params
        return selectors.decisions_search(
            engagement=self.engagement,
            text=params.get("q", ""),
            party=params.get("party", "") if params.get("party") in ("client", "provider") else "",
        ).prefetch_related("action_items", "risks")


@_operations(
    ActionItemSerializer,
    get="Action items (`status`: open, done, cancelled, in_progress; default all)",
    post="Log an action item",
)
class ActionItemList(WritePermission, _Records, generics.ListCreateAPIView):
    pagination_class = ApiPagination
    write_perm = LOG
    model = ActionItem
    create_service = staticmethod(services.action_item_create)

    def records(self):
        status = self.request.query_params.get("status", "")
        return selectors.action_items_of(
            engagement=self.engagement,
            status=status if status in ("open", "done", "cancelled", "in_progress") else "",
        ).select_related(None)


@_operations(
    ActionItemSerializer,
    get="One action item",
    patch="Update an action item (e.g. its status)",
    put="Replace an action item",
)
class ActionItemDetail(WritePermission, _Records, generics.RetrieveUpdateAPIView):
    write_perm = LOG
    model = ActionItem
    record_kwarg = "item_id"
    update_service = staticmethod(services.action_item_update)
    update_arg = "item"


@_operations(RiskSerializer, get="The risk register", post="Add a risk")
class RiskList(WritePermission, _Records, generics.ListCreateAPIView):
    pagination_class = ApiPagination
    model = Risk
    order_by = ("-score", "id")
    create_service = staticmethod(services.risk_create)


@_operations(RiskSerializer, get="One risk", patch="Update a risk", put="Replace a risk")
class RiskDetail(WritePermission, _Records, generics.RetrieveUpdateAPIView):
    model = Risk
    record_kwarg = "risk_id"
    update_service = staticmethod(services.risk_update)
    update_arg = "risk"


def api_patterns():
    from django.urls import path

    base = "v1/engagements/<int:engagement_id>/reviews/"
    return [
        path(f"{base}cadences/", CadenceList.as_view(), name="cadence-list"),
        path(f"{base}cadences/<int:cadence_id>/", CadenceDetail.as_view(), name="cadence-detail"),
        path(f"{base}meetings/", MeetingList.as_view(), name="meeting-list"),
        path(f"{base}meetings/<int:meeting_id>/", MeetingDetail.as_view(), name="meeting-detail"),
        path(
            f"{base}meetings/<int:meeting_id>/cancel/",
            MeetingCancel.as_view(),
            name="meeting-cancel",
        ),
        path(
            f"{base}meetings/<int:meeting_id>/reinstate/",
            MeetingReinstate.as_view(),
            name="meeting-reinstate",
        ),
        path(
            f"{base}meetings/<int:meeting_id>/agenda-items/",
            AgendaItemList.as_view(),
            name="agenda-item-list",
        ),
        path(f"{base}decisions/", DecisionList.as_view(), name="decision-list"),
        path(f"{base}action-items/", ActionItemList.as_view(), name="action-item-list"),
        path(
            f"{base}action-items/<int:item_id>/",
            ActionItemDetail.as_view(),
            name="action-item-detail",
        ),
        path(f"{base}risks/", RiskList.as_view(), name="risk-list"),
        path(f"{base}risks/<int:risk_id>/", RiskDetail.as_view(), name="risk-detail"),
    ]
