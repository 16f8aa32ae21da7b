"""REST endpoints of QBR packs: start one (made by a worker), follow its progress, download it.

They answer what the QBR page answers: members read, roles that may generate a pack on the
page may start one here (an API key acts with its role, and the pack names the key as its
maker), an outsider gets 404, and a pack whose time is up is gone (410) like its page says.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from engagements.access import VIEW
from engagements.api import EngagementGate
from reviews import quarters
from reviews.api import _service
from reviews.models import QBR_CONTENT_TYPES, QbrFormat, QbrPack, QbrPackStatus
from reviews.qbr.selectors import packs_of
from reviews.qbr.services import GENERATE, qbr_pack_start
from reviews.qbr.views import pack_file_response
from rpo_portal.api_query import QUARTER_PATTERN, ApiPagination

ERROR = {"$ref": "#/components/schemas/Error"}
GONE = OpenApiResponse(ERROR, description="The pack has expired: its file is deleted.")
NOT_READY = OpenApiResponse(
    ERROR, description="The pack is not ready to download (still being made, or it failed)."
)


class PackGone(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = "This pack has expired: its file is deleted. Generate a new one."
    default_code = "gone"


class PackNotReady(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This pack is not ready: follow its status until it is."
    default_code = "not_ready"


class QbrPackSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField(
        help_text="Where to download the file once the pack is ready; null until then and "
        "after it expires."
    )
    generated_by = serializers.CharField(source="generated_by_label", read_only=True)

    class Meta:
        model = QbrPack
        fields = [
            "id",
            "quarter",
            "format",
            "status",
            "progress",
            "message",
            "generated_by",
            "scheduled",
            "created_at",
            "finished_at",
            "expires_at",
            "as_of",
            "last_import",
            "last_recompute",
            "filters",
            "definition_versions",
            "file_name",
            "file_size",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, pack: QbrPack) -> str | None:
        if not pack.is_downloadable(timezone.now()):
            return None
        url = reverse("api:qbr-pack-download", args=[pack.engagement_id, pack.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


@extend_schema_field({"type": "string", "pattern": QUARTER_PATTERN, "example": "2026-Q1"})
class QuarterField(serializers.CharField):
    """A quarter as `2026-Q1`, exactly: no space or line break around it."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        if not quarters.is_quarter(text):
            raise serializers.ValidationError("Give a quarter like 2026-Q1.")
        return text


class StartSerializer(serializers.Serializer):
    quarter = QuarterField(help_text="The quarter, like 2026-Q1.")
    format = serializers.ChoiceField(choices=QbrFormat.choices)


def _pack(engagement, pack_id: int) -> QbrPack:
    pack = QbrPack.objects.filter(pk=pack_id, engagement=engagement).defer("content").first()
    if pack is None:
        raise Http404("No such pack.")
    return pack


@extend_schema_view(
    get=extend_schema(
        summary="The engagement's QBR packs, newest first",
        description=(
            "Packs made on request or on schedule, with their progress and, while a pack's "
            "file is kept, its download URL."
        ),
    ),
    post=extend_schema(
        summary="Start a QBR pack of a quarter (a worker makes it; follow its status)",
        description=(
            "Answers 202 at once with the pack; poll it until its status is ready, then "
            "download its file."
        ),
        request=StartSerializer,
        responses={202: QbrPackSerializer},
    ),
)
@extend_schema(tags=["QBR packs"])
class PackList(EngagementGate, generics.ListAPIView):
    serializer_class = QbrPackSerializer
    pagination_class = ApiPagination

    def initial(self, request, *args, **kwargs):
        self.engagement_perm = GENERATE if request.method == "POST" else VIEW
        super().initial(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return QbrPack.objects.none()
        return packs_of(engagement=self.engagement)

    def post(self, request, engagement_id: int):
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        pack = _service(
            qbr_pack_start,
            actor=request.user,
            engagement=self.engagement,
            quarter=body.validated_data["quarter"],
            fmt=body.validated_data["format"],
        )
        data = QbrPackSerializer(pack, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED)


@extend_schema(
    tags=["QBR packs"],
    summary="One QBR pack: its progress, and its download URL when it is ready",
    description=(
        "The pack's status, percentage and message; `download_url` is null until the file is "
        "ready and after it expires."
    ),
)
class PackDetail(EngagementGate, generics.RetrieveAPIView):
    serializer_class = QbrPackSerializer

    def get_object(self):
        return _pack(self.engagement, self.kwargs["pack_id"])


class PackDownload(EngagementGate, APIView):
    def perform_content_negotiation(self, request, force=False):
        # The file goes to whatever the client accepts (errors are JSON, the one error body).
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        tags=["QBR packs"],
        summary="Download a ready QBR pack's file (members of the engagement only)",
        description=(
            "The pack's Excel, PDF or CSV file as an attachment; 404 while it is not ready or"
            " after it expired."
        ),
        responses={
            **{
                (200, media): OpenApiResponse(OpenApiTypes.BINARY, description="The file.")
                for media in QBR_CONTENT_TYPES.values()
            },
            409: NOT_READY,
            410: GONE,
        },
    )
    def get(self, request, engagement_id: int, pack_id: int):
        pack = _pack(self.engagement, pack_id)
        now = timezone.now()
        if pack.is_expired(now):
            raise PackGone()
        if not pack.is_downloadable(now):
            if pack.status == QbrPackStatus.READY:  # ready, yet its file is missing
                raise PackGone()
            raise PackNotReady()
        return pack_file_response(pack)


def api_patterns():
    from django.urls import path

    base = "v1/engagements/<int:engagement_id>/qbr-packs/"
    return [
        path(base, PackList.as_view(), name="qbr-pack-list"),
        path(f"{base}<int:pack_id>/", PackDetail.as_view(), name="qbr-pack-detail"),
        path(f"{base}<int:pack_id>/download/", PackDownload.as_view(), name="qbr-pack-download"),
    ]
