"""Recruiting data pages: the records, the import (preview, confirm, progress) and its history."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from engagements.access import get_engagement_for
from recruiting import contract, importing, selectors, services
from recruiting.forms import ImportUploadForm
from recruiting.models import ImportKind, ImportStatus

VIEW = "recruiting.view_data"
IMPORT = "recruiting.import_data"


def _redirect(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
def data_overview(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, VIEW)
    context = {
        "engagement": engagement,
        "counts": [
            (kind, label, count)
            for (kind, label), count in zip(
                ImportKind.choices,
                selectors.record_counts(engagement=engagement).values(),
                strict=True,
            )
        ],
        "runs": selectors.import_runs(engagement=engagement)[:5],
        "can_import": request.user.has_perm(IMPORT, engagement),
    }
    return render(request, "recruiting/data.html", context)


@login_required
def record_list(request, engagement_id: int, kind: str):
    engagement = get_engagement_for(request.user, engagement_id, VIEW)
    if kind not in contract.KINDS:
        raise Http404("No such kind of records.")
    context = {
        "engagement": engagement,
        "kind": kind,
        "kind_label": ImportKind(kind).label,
        "columns": [c.name for c in contract.KINDS[kind].shown_columns],
        "page": selectors.records_page(
            engagement=engagement, kind=kind, page=request.GET.get("page")
        ),
    }
    template = "recruiting/records.html"
    if request.htmx:
        template += "#records"
    return render(request, template, context)


@login_required
def import_upload(request, engagement_id: int):
    """GET: the upload form. POST: check the file and show the preview with every error."""
    engagement = get_engagement_for(request.user, engagement_id, IMPORT)
    result = None
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = services.import_upload_preview(
                actor=request.user,
                engagement=engagement,
                file=upload,
                file_name=upload.name,
                kind=form.cleaned_data["kind"] or None,
            )
    else:
        form = ImportUploadForm()
    context = {
        "engagement": engagement,
        "form": form,
        "result": result,
        "async_rows": settings.RPO_IMPORT_ASYNC_ROWS,
        "max_mb": importing.max_bytes() // (1024 * 1024),
    }
    template = "recruiting/import.html"
    if request.htmx:
        template += "#panel"
    return render(request, template, context)


@login_required
def import_confirm(request, engagement_id: int, run_id: int):
    engagement = get_engagement_for(request.user, engagement_id, IMPORT)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    run = selectors.import_run_for(actor=request.user, engagement=engagement, run_id=run_id)
    run = services.import_run_confirm(actor=request.user, engagement=engagement, run=run)
    if run.status == ImportStatus.SUCCEEDED:
        messages.success(
            request,
            f"Imported {run.file_name}: {run.created} created, {run.updated} updated, "
            f"{run.unchanged} unchanged.",
        )
    return _redirect(request, reverse("recruiting:import-run", args=[engagement.pk, run.pk]))


@login_required
def import_discard(request, engagement_id: int, run_id: int):
    engagement = get_engagement_for(request.user, engagement_id, IMPORT)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    run = selectors.import_run_for(actor=request.user, engagement=engagement, run_id=run_id)
    services.import_run_discard(actor=request.user, engagement=engagement, run=run)
    messages.info(request, f"Discarded {run.file_name}; nothing was imported.")
    return _redirect(request, reverse("recruiting:import", args=[engagement.pk]))


@login_required
def import_run_detail(request, engagement_id: int, run_id: int):
    """One import: its progress while it runs (the fragment polls), then its counts and errors."""
    engagement = get_engagement_for(request.user, engagement_id, VIEW)
    run = selectors.import_run_for(actor=request.user, engagement=engagement, run_id=run_id)
    context = {
        "engagement": engagement,
        "run": run,
        "progress": services.import_progress(run),
    }
    template = "recruiting/import_run.html"
    if request.htmx:
        template += "#status"
    return render(request, template, context)


@login_required
def import_history(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, VIEW)
    context = {
        "engagement": engagement,
        "page": selectors.import_runs_page(engagement=engagement, page=request.GET.get("page")),
    }
    template = "recruiting/import_history.html"
    if request.htmx:
        template += "#runs"
    return render(request, template, context)
