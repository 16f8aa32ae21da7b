"""REST endpoints of engagements: those the caller may see, and one of them."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS

from accounts.models import Organization, User
from engagements.access import VIEW, get_engagement_for
from engagements.models import NOT_A_MEMBER, Engagement
from engagements.selectors import engagement_list_for, members_of
from rpo_portal.api_query import ApiPagination


# For views under /api/v1/engagements/<engagement_id>/: the tenancy gate, before the handler,
# with the permission the endpoint needs (404 for outsiders, 403 for a role without
# `engagement_perm`). The view finds the engagement in `self.engagement`. Comments, not a
# docstring: drf-spectacular would publish a docstring as every operation's description.
class EngagementGate:
    engagement_perm = VIEW
    # An endpoint whose every write names the person who made it sets this to the refusal an
    # API key's write gets (403, after the gate): keys read, people write.
    person_signs_writes = ""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.engagement = get_engagement_for(
            request.user, kwargs["engagement_id"], self.engagement_perm
        )
        writing = request.method not in SAFE_METHODS
        if self.person_signs_writes and writing and not isinstance(request.user, User):
            raise PermissionDenied(self.person_signs_writes)


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id of a member of the view's engagement's parties. Any other id, whether of
    another platform user or of nobody, gets the same answer, which names nobody."""

    default_error_messages = {"does_not_exist": NOT_A_MEMBER}

    def get_queryset(self):
        engagement = getattr(self.context.get("view"), "engagement", None)
        if engagement is None:
            return User.objects.none()
        return members_of(engagement=engagement)


class AgreementStepSerializer(serializers.Serializer):
    """One step of a two-party agreement (engagements.agreement): who did what, when."""

    action = serializers.CharField()
    actor = serializers.CharField()
    party = serializers.CharField()
    at = serializers.DateTimeField()
    changes = serializers.JSONField()
    note = serializers.CharField()


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "kind"]


class EngagementSerializer(serializers.ModelSerializer):
    client = OrganizationSerializer(read_only=True)
    provider = OrganizationSerializer(read_only=True)
    data_changed_at = serializers.DateTimeField(
        source="metrics_state.data_changed_at", read_only=True, allow_null=True
    )
    metrics_computed_at = serializers.DateTimeField(
        source="metrics_state.metrics_computed_at", read_only=True, allow_null=True
    )

    class Meta:
        model = Engagement
        fields = [
            "id",
            "name",
            "slug",
            "client",
            "provider",
            "model",
            "status",
            "start_date",
            "end_date",
            "currency",
            "monthly_fee",
            "at_risk_pct",
            "go_live_date",
            "regions",
            "departments",
            "job_families",
            "exclude_on_hold",
            "data_changed_at",
            "metrics_computed_at",
        ]


@extend_schema(
    tags=["Engagements"],
    summary="Engagements you may see",
    description=(
        "Every engagement whose client or provider is your organization (an API key: its "
        "organization's), paginated."
    ),
)
class EngagementList(generics.ListAPIView):
    serializer_class = EngagementSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        return engagement_list_for(self.request.user).select_related("metrics_state")


@extend_schema(
    tags=["Engagements"],
    summary="One engagement",
    description=(
        "The engagement's contract terms and scope, and when its data last changed and its "
        "KPIs were last computed."
    ),
)
class EngagementDetail(EngagementGate, generics.RetrieveAPIView):
    serializer_class = EngagementSerializer

    def get_object(self):
        return self.engagement


engagement_list = EngagementList.as_view()
engagement_detail = EngagementDetail.as_view()
