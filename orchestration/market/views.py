"""The market panel of an engagement, and a provider's page of shared benchmarks.

The engagement's page goes through the tenancy gate (an outsider gets 404). A provider's page
is its members' (anyone else gets 404, as for a provider that does not exist); importing its
file is for its admins and account managers (403 for its recruiters). The upload is checked
first (the preview: counts, first rows and every error, nothing written), held under
MEDIA_ROOT in a folder of the provider and the person who uploaded it, and imported when
confirmed.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import Organization, OrganizationKind
from accounts.roles import organization_roles
from engagements.access import get_engagement_for
from orchestration.market import selectors
from recruiting import importing, market

HELD_NAME = "held"


@login_required
def market_panel(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    panel = selectors.market_panel(engagement=engagement)
    return render(
        request,
        "market/panel.html",
        {
            "engagement": engagement,
            "panel": panel,
            "rows": [
                (b, selectors.benchmark_amount(b), selectors.is_shared(b), earlier)
                for b, earlier in selectors.latest_per_slice(panel.benchmarks)
            ],
            "providers": market.providers_for(request.user),
        },
    )


def _provider_for(user, provider_id: int) -> Organization:
    """The provider organization `user` is a member of; 404 for anyone else."""
    if provider_id not in organization_roles(user):
        raise Http404("No such provider.")
    provider = Organization.objects.filter(pk=provider_id, kind=OrganizationKind.PROVIDER).first()
    if provider is None:
        raise Http404("No such provider.")
    return provider


def _held_folder(provider: Organization, user) -> str:
    return f"imports/market/{provider.pk}/{user.pk}/"


def _held_file(provider: Organization, user, token: str) -> str | None:
    """The held upload named by `token`, if it is this person's for this provider."""
    try:
        token = uuid.UUID(token).hex
    except (TypeError, ValueError):
        return None
    for extension in (".csv", ".xlsx"):
        name = f"{_held_folder(provider, user)}{token}{extension}"
        if default_storage.exists(name):
            return name
    return None


@login_required
@require_http_methods(["GET", "POST"])
def provider_benchmarks(request, provider_id: int):
    provider = _provider_for(request.user, provider_id)
    may_import = market.can_import_shared(request.user, provider)
    context = {"provider": provider, "may_import": may_import, "result": None, "token": ""}
    if request.method == "POST":
        if not may_import:
            raise PermissionDenied("Only the provider's admins and account managers import.")
        if "confirm" in request.POST:
            return _confirm(request, provider)
        upload = request.FILES.get("file")
        if upload is None:
            context["form_error"] = "Choose a CSV or XLSX file to check."
        else:
            data = upload.read(importing.max_bytes() + 1)
            result = market.shared_file_import(
                actor=request.user,
                provider=provider,
                file=data,
                file_name=upload.name,
                dry_run=True,
            )
            context["result"] = result
            if result.ok:
                token = uuid.uuid4().hex
                extension = ".xlsx" if PurePath(upload.name).suffix.lower() == ".xlsx" else ".csv"
                default_storage.save(
                    f"{_held_folder(provider, request.user)}{token}{extension}", ContentFile(data)
                )
                context["token"] = token
    context["benchmarks"] = [
        (b, selectors.benchmark_amount(b)) for b in market.shared_benchmarks(provider=provider)
    ]
    context["imported"] = request.GET.get("imported", "")
    status = 400 if context["result"] is not None and not context["result"].ok else 200
    if context.get("form_error"):
        status = 400
    return render(request, "market/provider.html", context, status=status)


def _confirm(request, provider: Organization):
    name = _held_file(provider, request.user, request.POST.get("token", ""))
    if name is None:
        # Confirmed twice, or a token that is not this person's: nothing to import.
        return redirect("market:provider", provider_id=provider.pk)
    with default_storage.open(name, "rb") as handle:
        data = handle.read()
    result = market.shared_file_import(
        actor=request.user, provider=provider, file=data, file_name=PurePath(name).name
    )
    default_storage.delete(name)
    url = f"{request.path}?imported={result.created + result.updated}"
    return redirect(url)
