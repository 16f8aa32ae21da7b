"""REST endpoints of an engagement's go-live date: its proposals, propose, agree, reject."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements import go_live_selectors, go_live_services
from engagements.api import AgreementStepSerializer, EngagementGate
from engagements.go_live import GoLiveDate
from rpo_portal.api_errors import error_body

NOT_YOURS = OpenApiResponse(description="No such engagement or proposal (or not yours).")
FORBIDDEN = OpenApiResponse(
    description="Your role may not do this, you answered your own party's proposal, or you "
    "are not signed in as a person (API keys cannot agree to a go-live date)."
)


class GoLiveDateSerializer(serializers.ModelSerializer):
    proposed_by = serializers.CharField(
        source="proposed_by.email",
        allow_null=True,
        help_text="Blank for the date the engagement was set up with.",
    )
    responded_by = serializers.CharField(source="responded_by.email", allow_null=True)
    steps = AgreementStepSerializer(many=True, read_only=True)

    class Meta:
        model = GoLiveDate
        fields = [
            "id",
            "state",
            "go_live_date",
            "proposed_by",
            "proposed_by_party",
            "proposed_at",
            "responded_by",
            "responded_at",
            "note",
            "steps",
        ]


class GoLiveProposalSerializer(serializers.Serializer):
    go_live_date = serializers.DateField(help_text="The first day the provider runs recruiting.")
    note = serializers.CharField(required=False, allow_blank=True)


class GoLiveAnswerSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


class GoLiveGate(EngagementGate):
    person_signs_writes = "Proposing and agreeing to a go-live date needs a person signed in."


class GoLiveList(GoLiveGate, APIView):
    @extend_schema(
        tags=["Engagements"],
        summary="Go-live dates of the engagement (agreed, proposed, rejected), newest first",
        description=(
            "Every proposal of a go-live date with its state and the steps of its agreement. "
            "The date in force is the engagement's `go_live_date`."
        ),
        responses={200: GoLiveDateSerializer(many=True), 404: NOT_YOURS},
    )
    def get(self, request, engagement_id: int):
        items = go_live_selectors.go_live_proposals(engagement=self.engagement)
        return Response(GoLiveDateSerializer(items, many=True).data)

    @extend_schema(
        tags=["Engagements"],
        summary="Propose a go-live date; the other party agrees or rejects it",
        description=(
            "A signed-in client admin, HR lead, provider admin or account manager proposes; "
            "the date applies once the other party agrees. An API key gets 403."
        ),
        request=GoLiveProposalSerializer,
        responses={
            201: GoLiveDateSerializer,
            400: OpenApiResponse(description="The date is missing or already in force."),
            403: FORBIDDEN,
            404: NOT_YOURS,
        },
    )
    def post(self, request, engagement_id: int):
        if not request.user.has_perm(go_live_services.PROPOSE, self.engagement):
            raise PermissionDenied("Your role may not propose a go-live date.")
        body = GoLiveProposalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            item = go_live_services.go_live_propose(
                actor=request.user,
                engagement=self.engagement,
                go_live_date=body.validated_data["go_live_date"],
                note=body.validated_data.get("note", ""),
            )
        except ValidationError as error:
            return Response(
                error_body(" ".join(error.messages)), status=status.HTTP_400_BAD_REQUEST
            )
        item = go_live_selectors.go_live_get(engagement=self.engagement, proposal_id=item.pk)
        return Response(GoLiveDateSerializer(item).data, status=status.HTTP_201_CREATED)


class GoLiveAnswer(GoLiveGate, APIView):
    answer = None

    def post(self, request, engagement_id: int, proposal_id: int):
        try:
            item = go_live_selectors.go_live_get(
                engagement=self.engagement, proposal_id=proposal_id
            )
        except GoLiveDate.DoesNotExist:
            raise Http404("No such go-live date.") from None
        body = GoLiveAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            type(self).answer(
                actor=request.user, proposal=item, note=body.validated_data.get("note", "")
            )
        except ValidationError as error:
            return Response(error_body(" ".join(error.messages)), status=status.HTTP_409_CONFLICT)
        item = go_live_selectors.go_live_get(engagement=self.engagement, proposal_id=item.pk)
        return Response(GoLiveDateSerializer(item).data)


ANSWER_RESPONSES = {
    200: GoLiveDateSerializer,
    403: FORBIDDEN,
    404: NOT_YOURS,
    409: OpenApiResponse(description="The proposal was already answered."),
}


@extend_schema(
    tags=["Engagements"],
    summary="Agree to a proposed go-live date: it becomes the engagement's go-live date",
    description="The other party's admin, HR lead or account manager, signed in.",
    request=GoLiveAnswerSerializer,
    responses=ANSWER_RESPONSES,
)
class GoLiveAgree(GoLiveAnswer):
    answer = staticmethod(go_live_services.go_live_agree)


@extend_schema(
    tags=["Engagements"],
    summary="Reject a proposed go-live date",
    description="The other party's admin, HR lead or account manager, signed in. The date in "
    "force stays as it is.",
    request=GoLiveAnswerSerializer,
    responses=ANSWER_RESPONSES,
)
class GoLiveReject(GoLiveAnswer):
    answer = staticmethod(go_live_services.go_live_reject)


go_live_list = GoLiveList.as_view()
go_live_agree = GoLiveAgree.as_view()
go_live_reject = GoLiveReject.as_view()
