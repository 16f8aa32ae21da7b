"""A provider's shared market benchmarks in the API: the list, and the bulk upsert.

The provider is named by its organization id; a caller that is not a member of it (a person
or an API key of another organization, a client of its engagements included) gets 404, the
same as for an id that does not exist. Listing is for its members; importing for its admins
and account managers (403 for a recruiter). Bulk rows are checked by the importer, as a file
is, all or nothing.
"""

from __future__ import annotations

from django.template.defaultfilters import pluralize
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ParseError, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import BulkRateThrottle, PrincipalRateThrottle
from accounts.models import Organization, OrganizationKind
from accounts.roles import organization_roles
from recruiting import market
from recruiting.models import ProviderMarketBenchmark
from recruiting.serializers import ROW_SERIALIZERS, BulkResultSerializer
from rpo_portal.api_errors import error_body
from rpo_portal.api_query import ApiPagination
from rpo_portal.request_input import CheckedJSONParser

TAG = "Shared market benchmarks"


def provider_for(principal, provider_id: int) -> Organization:
    if provider_id not in organization_roles(principal):
        raise NotFound("No such provider.")
    provider = Organization.objects.filter(pk=provider_id, kind=OrganizationKind.PROVIDER).first()
    if provider is None:
        raise NotFound("No such provider.")
    return provider


class SharedBenchmarkSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProviderMarketBenchmark
        fields = [
            "id",
            "period",
            "job_family",
            "location",
            "metric",
            "value",
            "currency",
            "source",
            "note",
            "updated_at",
        ]


@extend_schema(
    tags=[TAG],
    summary="A provider's shared market benchmarks",
    description=(
        "The benchmarks the provider shares with every engagement it is the provider of, by "
        "metric, job family, location and period. For the provider's members; anyone else "
        "gets 404."
    ),
)
class SharedBenchmarkList(generics.ListAPIView):
    serializer_class = SharedBenchmarkSerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProviderMarketBenchmark.objects.none()
        provider = provider_for(self.request.user, self.kwargs["provider_id"])
        return ProviderMarketBenchmark.objects.filter(provider=provider).order_by(
            "metric", "job_family", "location", "period"
        )


@extend_schema(
    tags=[TAG],
    summary="Create or update a provider's shared market benchmarks (all or nothing)",
    description=(
        "A JSON list of rows in the columns of the `market_benchmarks` kind, checked by the same "
        "rules as a file: a row whose (period, job_family, location, metric) is stored replaces "
        "that benchmark, a new key adds one, and the others stay; sending the same list twice "
        "changes nothing. If any row is invalid nothing is written, and `errors` lists the "
        "problems by row (`index`) and column (`field`). The provider's admins and account "
        "managers may import."
    ),
    request=ROW_SERIALIZERS[market.KIND](many=True),
    responses={200: BulkResultSerializer},
)
class SharedBenchmarkBulk(APIView):
    parser_classes = [CheckedJSONParser]
    throttle_classes = [PrincipalRateThrottle, BulkRateThrottle]

    def post(self, request, provider_id: int):
        provider = provider_for(request.user, provider_id)
        if not market.can_import_shared(request.user, provider):
            raise PermissionDenied("Only the provider's admins and account managers import.")
        try:
            rows = request.data
        except ParseError as error:
            return Response(error_body(str(error.detail)), status=status.HTTP_400_BAD_REQUEST)
        result = market.shared_records_import(actor=request.user, provider=provider, rows=rows)
        if not result.ok:
            count = max(result.error_count, len(result.errors))
            return Response(
                error_body(
                    f"Nothing was imported: {count} error{pluralize(count)} in the rows.",
                    result.errors,
                    count,
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {
                "kind": market.KIND,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )


shared_benchmark_list = SharedBenchmarkList.as_view()
shared_benchmark_bulk = SharedBenchmarkBulk.as_view()
