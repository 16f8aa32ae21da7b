"""REST endpoints of an engagement's commercial terms: list, propose, agree, reject."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements import terms_selectors, terms_services
from engagements.api import AgreementStepSerializer, EngagementGate
from engagements.commercial import CommercialTerms
from rpo_portal.api_errors import error_body

NOT_YOURS = OpenApiResponse(description="No such engagement or terms (or not yours).")
FORBIDDEN = OpenApiResponse(
    description="Your role may not do this, you answered your own party's proposal, or you "
    "are not signed in as a person (API keys cannot agree to terms)."
)
REFUSED = OpenApiResponse(description="The terms are not valid; `detail` says why.")


class CommercialTermsSerializer(serializers.ModelSerializer):
    proposed_by = serializers.CharField(
        source="proposed_by.email",
        allow_null=True,
        help_text="Blank for the terms the engagement was set up with.",
    )
    responded_by = serializers.CharField(source="responded_by.email", allow_null=True)
    steps = AgreementStepSerializer(many=True, read_only=True)

    class Meta:
        model = CommercialTerms
        fields = [
            "id",
            "state",
            "effective_from",
            "monthly_fee",
            "at_risk_pct",
            "proposed_by",
            "proposed_by_party",
            "proposed_at",
            "responded_by",
            "responded_at",
            "note",
            "steps",
        ]


class TermsProposalSerializer(serializers.Serializer):
    effective_from = serializers.DateField(
        help_text="The first day of the month the terms apply from: this month or later."
    )
    monthly_fee = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    at_risk_pct = serializers.DecimalField(
        max_digits=7, decimal_places=4, min_value=0, allow_null=True, required=False
    )
    note = serializers.CharField(required=False, allow_blank=True)


class TermsAnswerSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True)


def _detail(error: ValidationError) -> str:
    return " ".join(error.messages)


class TermsGate(EngagementGate):
    person_signs_writes = "Proposing and agreeing to terms needs a person signed in."


class TermsList(TermsGate, APIView):
    @extend_schema(
        tags=["Engagements"],
        summary="Commercial terms of the engagement (agreed, proposed, rejected), newest first",
        description=(
            "Every proposal of a monthly fee and at-risk %, with its effective month, status "
            "and the steps of its agreement (who did what, when)."
        ),
        responses={200: CommercialTermsSerializer(many=True), 404: NOT_YOURS},
    )
    def get(self, request, engagement_id: int):
        terms = terms_selectors.terms_proposals(engagement=self.engagement)
        return Response(CommercialTermsSerializer(terms, many=True).data)

    @extend_schema(
        tags=["Engagements"],
        summary="Propose a monthly fee and at-risk % from a month; the other party answers",
        description=(
            "Only a signed-in person (client admin, HR lead, provider admin or account "
            "manager) may propose; an API key gets 403. The other party then agrees or "
            "rejects."
        ),
        request=TermsProposalSerializer,
        responses={
            201: CommercialTermsSerializer,
            400: OpenApiResponse(description="The proposal's values are invalid (see `errors`)."),
            403: FORBIDDEN,
            404: NOT_YOURS,
        },
    )
    def post(self, request, engagement_id: int):
        if not request.user.has_perm(terms_services.PROPOSE, self.engagement):
            raise PermissionDenied("Your role may not propose commercial terms.")
        body = TermsProposalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            terms = terms_services.commercial_terms_propose(
                actor=request.user,
                engagement=self.engagement,
                effective_from=data["effective_from"],
                monthly_fee=data["monthly_fee"],
                at_risk_pct=data.get("at_risk_pct"),
                note=data.get("note", ""),
            )
        except ValidationError as error:
            return Response(error_body(_detail(error)), status=status.HTTP_400_BAD_REQUEST)
        terms = terms_selectors.terms_get(engagement=self.engagement, terms_id=terms.pk)
        return Response(CommercialTermsSerializer(terms).data, status=status.HTTP_201_CREATED)


class TermsAnswer(TermsGate, APIView):
    answer = None  # terms_services.commercial_terms_agree or commercial_terms_reject

    def post(self, request, engagement_id: int, terms_id: int):
        try:
            terms = terms_selectors.terms_get(engagement=self.engagement, terms_id=terms_id)
        except CommercialTerms.DoesNotExist:
            raise Http404("No such terms.") from None
        body = TermsAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            type(self).answer(
                actor=request.user, terms=terms, note=body.validated_data.get("note", "")
            )
        except ValidationError as error:
            return Response(error_body(_detail(error)), status=status.HTTP_409_CONFLICT)
        terms = terms_selectors.terms_get(engagement=self.engagement, terms_id=terms.pk)
        return Response(CommercialTermsSerializer(terms).data)


ANSWER_RESPONSES = {
    200: CommercialTermsSerializer,
    403: FORBIDDEN,
    404: NOT_YOURS,
    409: OpenApiResponse(description="The proposal was already answered, or its month has passed."),
}


@extend_schema(
    tags=["Engagements"],
    summary="Agree to proposed terms: they apply from their month on",
    description=(
        "The other party's admin, HR lead or account manager, signed in. Credits of months "
        "from the effective month on use the agreed terms."
    ),
    request=TermsAnswerSerializer,
    responses=ANSWER_RESPONSES,
)
class TermsAgree(TermsAnswer):
    answer = staticmethod(terms_services.commercial_terms_agree)


@extend_schema(
    tags=["Engagements"],
    summary="Reject proposed terms",
    description=(
        "The other party's admin, HR lead or account manager, signed in, with an optional "
        "note. The terms in force stay as they are."
    ),
    request=TermsAnswerSerializer,
    responses=ANSWER_RESPONSES,
)
class TermsReject(TermsAnswer):
    answer = staticmethod(terms_services.commercial_terms_reject)


terms_list = TermsList.as_view()
terms_agree = TermsAgree.as_view()
terms_reject = TermsReject.as_view()
