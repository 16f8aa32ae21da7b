"""QBR pack pages: the engagement's packs, one pack's progress, its download, subscriptions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from engagements.access import get_engagement_for
from kpis import selectors as kpi_selectors
from kpis.models import Grain
from reviews.models import QbrFormat, QbrPack
from reviews.qbr.selectors import packs_of, subscription_of
from reviews.qbr.services import GENERATE, SUBSCRIBE, qbr_pack_start, qbr_subscription_set


def _quarters(engagement) -> list[str]:
    """The quarters that have values, newest first, and the current one."""
    known = kpi_selectors.periods_of(engagement=engagement, grain=Grain.QUARTER)
    return sorted(set(known), reverse=True)


def _pack(engagement, pack_id: int) -> QbrPack:
    pack = QbrPack.objects.filter(pk=pack_id, engagement=engagement).first()
    if pack is None:
        raise Http404("No such pack.")
    return pack


@login_required
def qbr_list(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    choices = _quarters(engagement)
    wanted = request.GET.get("quarter", "")
    context = {
        "engagement": engagement,
        "packs": packs_of(engagement=engagement),
        "quarters": choices,
        "selected_quarter": wanted if wanted in choices else (choices[0] if choices else ""),
        "formats": QbrFormat.choices,
        "can_generate": request.user.has_perm(GENERATE, engagement),
        "can_subscribe": request.user.has_perm(SUBSCRIBE, engagement),
        "subscription": subscription_of(engagement=engagement, user=request.user),
        "now": timezone.now(),
    }
    return render(request, "reviews/qbr/list.html", context)


@login_required
def qbr_start(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, GENERATE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        pack = qbr_pack_start(
            actor=request.user,
            engagement=engagement,
            quarter=request.POST.get("quarter", ""),
            fmt=request.POST.get("format", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("qbr:list", engagement_id=engagement.pk)
    return redirect("qbr:pack", engagement_id=engagement.pk, pack_id=pack.pk)


@login_required
def qbr_pack(request, engagement_id: int, pack_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    pack = _pack(engagement, pack_id)
    context = {"engagement": engagement, "pack": pack, "now": timezone.now()}
    template = "reviews/qbr/pack_status.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#status"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@login_required
def qbr_download(request, engagement_id: int, pack_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    pack = _pack(engagement, pack_id)
    if not pack.is_downloadable(timezone.now()):
        context = {"engagement": engagement, "pack": pack, "now": timezone.now()}
        return render(request, "reviews/qbr/pack_status.html", context, status=410)
    return pack_file_response(pack)


def pack_file_response(pack: QbrPack) -> FileResponse:
    """The pack's file as a download, kept out of shared caches (the page's and the API's)."""
    response = FileResponse(
        pack.file.open("rb"),
        as_attachment=True,
        filename=pack.file_name,
        content_type=pack.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def qbr_subscribe(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, SUBSCRIBE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    fmt = request.POST.get("format", "")
    try:
        subscription = qbr_subscription_set(
            actor=request.user, engagement=engagement, fmt=None if fmt == "none" else fmt
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if subscription is None:
            messages.success(request, "You no longer receive this engagement's QBR packs.")
        else:
            messages.success(
                request,
                f"You will receive each closed quarter's pack as "
                f"{subscription.get_format_display()} by e-mail.",
            )
    return redirect("qbr:list", engagement_id=engagement.pk)
