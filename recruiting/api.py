"""REST endpoints of the recruiting records: list, detail and bulk upsert per kind.

Every view resolves the engagement first through the tenancy gate; records are then fetched
with the engagement in the filter. Writes go through the importer's service, so the API and
file uploads share one set of rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import pluralize
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import BulkRateThrottle, PrincipalRateThrottle
from engagements.api import EngagementGate
from recruiting import contract, filters, serializers
from recruiting.services import records_import
from rpo_portal.api_errors import error_body
from rpo_portal.api_query import ApiPagination
from rpo_portal.request_input import CheckedJSONParser

VIEW_DATA = "recruiting.view_data"
IMPORT_DATA = "recruiting.import_data"


@dataclass(frozen=True)
class RecordKind:
    """What the three endpoints of one kind need to know."""

    kind: str
    label: str
    model: type
    serializer: type
    filterset: type
    related: tuple[str, ...] = ()
    ordering: tuple[str, ...] = ("external_id",)
    lookup: str = "external_id"  # the model field a detail URL names
    url_kwarg: str = "external_id"


def record_kind(kind: contract.Kind) -> RecordKind:
    """A kind's endpoints from its contract: a kind not keyed by `external_id` is named by
    its id in URLs (`<singular>_id`, the hiring plan's `line_id`)."""
    by_external_id = kind.key == ("external_id",)
    return RecordKind(
        kind.name,
        kind.label,
        kind.model,
        serializers.RECORD_SERIALIZERS[kind.name],
        filters.FILTERSETS[kind.name],
        related=tuple(c.field_name for c in kind.ref_columns),
        ordering=kind.key,
        lookup="external_id" if by_external_id else "pk",
        url_kwarg="external_id" if by_external_id else "line_id",
    )


KINDS = {name: record_kind(kind) for name, kind in contract.KINDS.items()}


def records_of(spec: RecordKind, engagement):
    """One kind's records of the engagement, with what their representation reads."""
    return (
        spec.model.objects.filter(engagement=engagement)
        .select_related(*spec.related)
        .order_by(*spec.ordering)
    )


class RecordList(EngagementGate, generics.ListAPIView):
    spec: RecordKind
    engagement_perm = VIEW_DATA
    pagination_class = ApiPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request data
            return self.spec.model.objects.none()
        return records_of(self.spec, self.engagement)


class RecordDetail(EngagementGate, generics.RetrieveAPIView):
    spec: RecordKind
    engagement_perm = VIEW_DATA

    def get_object(self):
        key = self.kwargs[self.spec.url_kwarg]
        # PostgreSQL text cannot hold NUL: such an id names no record.
        if isinstance(key, str) and "\x00" in key:
            raise Http404("No such record.")
        return get_object_or_404(records_of(self.spec, self.engagement), **{self.spec.lookup: key})


def bulk_error(error: dict) -> dict:
    """An importer error as the API documents it: the row's 0-based index, field, reason."""
    return {"index": error["index"], "field": error["field"], "reason": error["reason"]}


class RecordBulk(EngagementGate, APIView):
    spec: RecordKind
    engagement_perm = IMPORT_DATA
    parser_classes = [CheckedJSONParser]
    throttle_classes = [PrincipalRateThrottle, BulkRateThrottle]

    def post(self, request, engagement_id):
        try:
            rows = request.data
        except ParseError as error:
            return Response(error_body(str(error.detail)), status=status.HTTP_400_BAD_REQUEST)
        # The importer checks the body's shape too (a list of objects of cells), so the API
        # and file uploads answer bad input with the same reasons.
        result = records_import(
            actor=request.user,
            engagement=self.engagement,
            kind=self.spec.kind,
            rows=rows,
            source="api",
        )
        if not result.ok:
            count = max(result.error_count, len(result.errors))
            return Response(
                error_body(
                    f"Nothing was imported: {count} error{pluralize(count)} in the rows.",
                    [bulk_error(e) for e in result.errors],
                    count,
                ),
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(
            {
                "kind": self.spec.kind,
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            }
        )


def record_views(spec: RecordKind) -> tuple:
    """The list, detail and bulk views of one kind, documented under its own tag."""
    name = "".join(part.title() for part in spec.kind.split("_"))
    attrs = {"spec": spec, "serializer_class": spec.serializer}
    listing = type(f"{name}List", (RecordList,), {**attrs, "filterset_class": spec.filterset})
    detail = type(f"{name}Detail", (RecordDetail,), attrs)
    bulk = type(f"{name}Bulk", (RecordBulk,), {"spec": spec})
    label = spec.label.lower()
    listing = extend_schema(
        tags=[spec.label],
        summary=f"{spec.label} of the engagement",
        description=(
            f"The engagement's {label}, by {', '.join(spec.ordering)}, with the columns of the "
            "data contract. Filters narrow the list; an empty or repeated filter is a 400."
        ),
    )(listing)
    detail = extend_schema(
        tags=[spec.label],
        summary=f"One record by its {spec.url_kwarg}",
        description=f"One of the engagement's {label}; 404 if the engagement has none by that key.",
    )(detail)
    bulk = extend_schema(
        tags=[spec.label],
        summary=f"Create or update {label} (all or nothing)",
        description=(
            "A JSON list of rows keyed by the contract's columns, checked by the same rules as a "
            "file upload: a known key updates its record, so sending the same list twice changes "
            "nothing. If any row is invalid nothing is written, and `errors` lists the problems "
            "by row (`index`) and column (`field`). Account managers and client admins may import."
        ),
        request=serializers.ROW_SERIALIZERS[spec.kind](many=True),
        responses={200: serializers.BulkResultSerializer},
    )(bulk)
    return listing.as_view(), detail.as_view(), bulk.as_view()
