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

from accounts.models import User
from engagements.access import VIEW
from engagements.api import ApiPagination, EngagementGate
from reviews import selectors, services
from reviews.models import ActionItem, AgendaItem, Cadence, Decision, Meeting, Risk

RECORD = "reviews.record_review"
LOG = "reviews.log_action_item"
CADENCE = "reviews.change_cadence"

ERRORS = {
    400: OpenApiResponse(description="Invalid input: each field's errors, by field name."),
    403: OpenApiResponse(description="Your role may not do this."),
    404: OpenApiResponse(description="No such engagement or record (or not yours)."),
}
READ_ERRORS = {404: ERRORS[404]}


def _service(call, **kwargs):
    try:
        return call(**kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else error.messages
        raise ValidationError(detail) from None


class WritePermission:
    """Reads need membership; writes need `write_perm` (403 for viewers)."""

    write_perm = RECORD

    def initial(self, request, *args, **kwargs):
        reading = request.method in ("GET", "HEAD", "OPTIONS")
        self.engagement_perm = VIEW if reading else self.write_perm
        super().initial(request, *args, **kwargs)
        # The governance log names a person for every write (organiser, author, creator):
        # an organization's API key may read it but not write to it.
        if not reading and not isinstance(request.user, User):
            raise PermissionDenied("An API key may read reviews; a person signs every change.")


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id; whether they belong to either party is checked by the service."""

    def get_queryset(self):
        return User.objects.filter(is_active=True)


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
        ]
        extra_kwargs = {"timezone": {"validators": []}}


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
        extra_kwargs = {"likelihood": {"validators": []}, "impact": {"validators": []}}


class _Fake:
    def _fake(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


@extend_schema_view(get=extend_schema(responses={200: CadenceSerializer, **READ_ERRORS}))
@extend_schema(tags=["Reviews"], summary="The engagement's three cadences")
class CadenceList(_Fake, EngagementGate, generics.ListAPIView):
    serializer_class = CadenceSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        if self._fake():
            return Cadence.objects.none()
        return (
            Cadence.objects.filter(engagement=self.engagement)
            .prefetch_related("participants")
            .order_by("id")
        )


@extend_schema_view(
    get=extend_schema(summary="One cadence", responses={200: CadenceSerializer, **READ_ERRORS}),
    patch=extend_schema(
        summary="Change a cadence (leads); upcoming meetings move",
        responses={200: CadenceSerializer, **ERRORS},
    ),
    put=extend_schema(
        summary="Replace a cadence's settings (leads)",
        responses={200: CadenceSerializer, **ERRORS},
    ),
)
@extend_schema(tags=["Reviews"])
class CadenceDetail(_Fake, WritePermission, EngagementGate, generics.RetrieveUpdateAPIView):
    serializer_class = CadenceSerializer
    write_perm = CADENCE

    def get_object(self):
        return _get(Cadence.objects.filter(engagement=self.engagement), self.kwargs["cadence_id"])

    def perform_update(self, serializer):
        serializer.instance = _service(
            services.cadence_update,
            actor=self.request.user,
            cadence=serializer.instance,
            **serializer.validated_data,
        )


def _get(queryset, pk):
    record = queryset.filter(pk=pk).first()
    if record is None:
        raise Http404("No such record.")
    return record


@extend_schema_view(
    get=extend_schema(
        summary="Meetings, by start", responses={200: MeetingSerializer, **READ_ERRORS}
    ),
    post=extend_schema(
        summary="Create an ad-hoc meeting", responses={201: MeetingSerializer, **ERRORS}
    ),
)
@extend_schema(tags=["Reviews"])
class MeetingList(_Fake, WritePermission, EngagementGate, generics.ListCreateAPIView):
    serializer_class = MeetingSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        if self._fake():
            return Meeting.objects.none()
        return Meeting.objects.filter(engagement=self.engagement).order_by("starts_at", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data["timezone_name"] = data.pop("timezone", "UTC")
        serializer.instance = _service(
            services.meeting_create, actor=self.request.user, engagement=self.engagement, **data
        )


@extend_schema(
    tags=["Reviews"], summary="One meeting", responses={200: MeetingSerializer, **READ_ERRORS}
)
class MeetingDetail(_Fake, EngagementGate, generics.RetrieveAPIView):
    serializer_class = MeetingSerializer

    def get_object(self):
        return _get(Meeting.objects.filter(engagement=self.engagement), self.kwargs["meeting_id"])


@extend_schema(
    tags=["Reviews"],
    summary="A meeting's agenda items (besides its live sections)",
    responses={200: AgendaItemSerializer, **READ_ERRORS},
)
class AgendaItemList(_Fake, EngagementGate, generics.ListAPIView):
    serializer_class = AgendaItemSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        if self._fake():
            return AgendaItem.objects.none()
        meeting = _get(
            Meeting.objects.filter(engagement=self.engagement), self.kwargs["meeting_id"]
        )
        return AgendaItem.objects.filter(engagement=self.engagement, meeting=meeting).order_by("id")


@extend_schema_view(
    get=extend_schema(
        summary="The decision log (`q` searches what and why)",
        responses={200: DecisionSerializer, **READ_ERRORS},
    ),
    post=extend_schema(summary="Record a decision", responses={201: DecisionSerializer, **ERRORS}),
)
@extend_schema(tags=["Reviews"])
class DecisionList(_Fake, WritePermission, EngagementGate, generics.ListCreateAPIView):
    serializer_class = DecisionSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        if self._fake():
            return Decision.objects.none()
        params = self.request.query_params
        return selectors.decisions_search(
            engagement=self.engagement,
            text=params.get("q", ""),
            party=params.get("party", "") if params.get("party") in ("client", "provider") else "",
        ).prefetch_related("action_items", "risks")

    def perform_create(self, serializer):
        serializer.instance = _service(
            services.decision_create,
            actor=self.request.user,
            engagement=self.engagement,
            **serializer.validated_data,
        )


@extend_schema_view(
    get=extend_schema(
        summary="Action items (`status`: open, done, cancelled, in_progress; default all)",
        responses={200: ActionItemSerializer, **READ_ERRORS},
    ),
    post=extend_schema(
        summary="Log an action item", responses={201: ActionItemSerializer, **ERRORS}
    ),
)
@extend_schema(tags=["Reviews"])
class ActionItemList(_Fake, WritePermission, EngagementGate, generics.ListCreateAPIView):
    serializer_class = ActionItemSerializer
    pagination_class = ApiPagination
    write_perm = LOG

    def get_queryset(self):
        if self._fake():
            return ActionItem.objects.none()
        status = self.request.query_params.get("status", "")
        return selectors.action_items_of(
            engagement=self.engagement,
            status=status if status in ("open", "done", "cancelled", "in_progress") else "",
        ).select_related(None)

    def perform_create(self, serializer):
        serializer.instance = _service(
            services.action_item_create,
            actor=self.request.user,
            engagement=self.engagement,
            **serializer.validated_data,
        )


@extend_schema_view(
    get=extend_schema(
        summary="One action item", responses={200: ActionItemSerializer, **READ_ERRORS}
    ),
    patch=extend_schema(
        summary="Update an action item (e.g. its status)",
        responses={200: ActionItemSerializer, **ERRORS},
    ),
    put=extend_schema(
        summary="Replace an action item", responses={200: ActionItemSerializer, **ERRORS}
    ),
)
@extend_schema(tags=["Reviews"])
class ActionItemDetail(_Fake, WritePermission, EngagementGate, generics.RetrieveUpdateAPIView):
    serializer_class = ActionItemSerializer
    write_perm = LOG

    def get_object(self):
        return _get(ActionItem.objects.filter(engagement=self.engagement), self.kwargs["item_id"])

    def perform_update(self, serializer):
        serializer.instance = _service(
            services.action_item_update,
            actor=self.request.user,
            item=serializer.instance,
            **serializer.validated_data,
        )


@extend_schema_view(
    get=extend_schema(summary="The risk register", responses={200: RiskSerializer, **READ_ERRORS}),
    post=extend_schema(summary="Add a risk", responses={201: RiskSerializer, **ERRORS}),
)
@extend_schema(tags=["Reviews"])
class RiskList(_Fake, WritePermission, EngagementGate, generics.ListCreateAPIView):
    serializer_class = RiskSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        if self._fake():
            return Risk.objects.none()
        return Risk.objects.filter(engagement=self.engagement).order_by("-score", "id")

    def perform_create(self, serializer):
        serializer.instance = _service(
            services.risk_create,
            actor=self.request.user,
            engagement=self.engagement,
            **serializer.validated_data,
        )


@extend_schema_view(
    get=extend_schema(summary="One risk", responses={200: RiskSerializer, **READ_ERRORS}),
    patch=extend_schema(summary="Update a risk", responses={200: RiskSerializer, **ERRORS}),
    put=extend_schema(summary="Replace a risk", responses={200: RiskSerializer, **ERRORS}),
)
@extend_schema(tags=["Reviews"])
class RiskDetail(_Fake, WritePermission, EngagementGate, generics.RetrieveUpdateAPIView):
    serializer_class = RiskSerializer

    def get_object(self):
        return _get(Risk.objects.filter(engagement=self.engagement), self.kwargs["risk_id"])

    def perform_update(self, serializer):
        serializer.instance = _service(
            services.risk_update,
            actor=self.request.user,
            risk=serializer.instance,
            **serializer.validated_data,
        )


def api_patterns():
    from django.urls import path

    base = "v1/engagements/<int:engagement_id>/reviews/"
    return [
        path(f"{base}cadences/", CadenceList.as_view(), name="cadence-list"),
        path(f"{base}cadences/<int:cadence_id>/", CadenceDetail.as_view(), name="cadence-detail"),
        path(f"{base}meetings/", MeetingList.as_view(), name="meeting-list"),
        path(f"{base}meetings/<int:meeting_id>/", MeetingDetail.as_view(), name="meeting-detail"),
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
