from datetime import UTC

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from accounts.models import Role
from engagements import audit, selectors, services
from engagements.access import get_engagement_for, party_of, roles_in
from engagements.forms import AuditFilterForm, EngagementForm
from engagements.models import Engagement
from kpis import selectors as kpi_selectors
from kpis import tiles
from kpis.models import Grain
from kpis.progress import metrics_recompute_now, recompute_progress
from kpis.views import QUEUE_FAILED
from orchestration import dashboard
from reviews import selectors as review_selectors
from reviews.forms import ActionItemQuickForm
from reviews.qbr.services import GENERATE as GENERATE_QBR
from reviews.quarters import quarter_of_period
from reviews.services import LOG_ACTION_ITEM, action_item_create
from rpo_portal.csv_files import csv_lines

RECOMPUTE = "kpis.recompute"
VIEW_AUDIT = "engagements.view_audit"
# The dashboard's panels, each also served alone (the filters swap the filtered ones; the
# freshness panel polls while a recompute runs).
PANELS = ("kpis", "sla", "actions", "meetings", "activity", "freshness")
# The panels that read the filters (the SLA panel shows the chosen period's quarter).
FILTERED_PANELS = {"kpis", "sla", "actions", "activity"}
SORT_LABELS = {
    "name": "engagement",
    "counterpart": "other party",
    "off_track": "KPIs off track",
    "at_risk": "KPIs at risk",
    "on_track": "KPIs on track",
    "overdue": "overdue actions",
    "breaches": "open breaches",
    "net": "net credits this quarter",
    "recomputed": "last recompute",
}


def _fragment(request, template: str, partial: str) -> str:
    """The partial for htmx swaps; the whole page for normal loads and history restores."""
    htmx = request.htmx
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        return f"{template}#{partial}"
    return template


def _respond(request, template: str, context: dict, status: int = 200):
    response = render(request, template, context, status=status)
    # A pushed URL serves a fragment to htmx and a page to the browser: never cache one as
    # the other (the back button must restore a whole page).
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


@login_required
def home(request):
    """The portfolio: every engagement the user may see, side by side."""
    engagements = list(selectors.engagement_list_for(request.user))
    sort = request.GET.get("sort", "off_track")
    if sort not in dashboard.PORTFOLIO_SORTS:
        sort = "off_track"
    descending = request.GET.get("dir", "desc" if sort != "name" else "asc") == "desc"
    rows = dashboard.portfolio(
        user=request.user,
        engagements=engagements,
        today=timezone.localdate(),
        sort=sort,
        descending=descending,
    )
    sides = {party_of(request.user, e) for e in engagements}
    context = {
        "engagements": engagements,
        "rows": rows,
        "sort": sort,
        "sort_label": SORT_LABELS[sort],
        "descending": descending,
        "counterpart_label": "Provider"
        if sides == {"client"}
        else "Client"
        if sides == {"provider"}
        else "Other party",
    }
    return _respond(request, _fragment(request, "engagements/home.html", "portfolio"), context)


def _dashboard_filters(request, engagement: Engagement) -> tiles.Filters:
    grain = request.GET.get("grain", Grain.MONTH)
    grain = grain if grain in Grain.values else Grain.MONTH
    dimension, _, segment = request.GET.get("segment", "").partition(":")
    if not (dimension and segment):
        dimension, segment = "all", "all"
    return tiles.dashboard_filters(
        engagement=engagement,
        grain=grain,
        period=request.GET.get("period", ""),
        dimension=dimension,
        segment=segment,
    )


def _dashboard_context(request, engagement: Engagement, panels, form=None) -> dict:
    """What the panels need; each panel's reads only when it is rendered."""
    context = {
        "engagement": engagement,
        "can_log_action": request.user.has_perm(LOG_ACTION_ITEM, engagement),
        "can_recompute": request.user.has_perm(RECOMPUTE, engagement),
    }
    if FILTERED_PANELS & set(panels):
        filters = _dashboard_filters(request, engagement)
        context["filters"] = filters
        context["qbr_quarter"] = quarter_of_period(filters.period) if filters.period else ""
        context["can_generate_qbr"] = request.user.has_perm(GENERATE_QBR, engagement)
    if "kpis" in panels:
        context["tiles"] = tiles.kpi_tiles(engagement=engagement, filters=filters)
        dashboard.tiles_sla_mark(engagement=engagement, filters=filters, tiles=context["tiles"])
        context["segments"] = kpi_selectors.segments_of(engagement=engagement, grain=filters.grain)
    if "actions" in panels:
        context["due_items"] = dashboard.action_items_due(
            engagement=engagement, today=timezone.localdate()
        )
        if context["can_log_action"]:
            context["action_form"] = form or ActionItemQuickForm(
                members=review_selectors.members_of(engagement=engagement)
            )
    if "sla" in panels:
        context["sla"] = dashboard.sla_panel(
            engagement=engagement, filters=filters, today=timezone.localdate()
        )
    if "meetings" in panels:
        context["next_meetings"] = review_selectors.next_meeting_per_tier(engagement=engagement)
    if "activity" in panels:
        context["activity"] = dashboard.recent_activity(engagement=engagement)
    if "freshness" in panels:
        context["freshness"] = kpi_selectors.freshness_of(engagement_ids=[engagement.pk])[
            engagement.pk
        ]
        context["progress"] = recompute_progress(engagement_id=engagement.pk)
    return context


@login_required
def engagement_dashboard(request, engagement_id: int):
    """The engagement's dashboard; the filters swap its panels (the `panels` partial)."""
    engagement = get_engagement_for(request.user, engagement_id)
    context = _dashboard_context(request, engagement, PANELS)
    return _respond(request, _fragment(request, "engagements/dashboard.html", "panels"), context)


@login_required
def dashboard_panel(request, engagement_id: int, panel: str):
    engagement = get_engagement_for(request.user, engagement_id)
    if panel not in PANELS:
        raise Http404("No such panel.")
    context = _dashboard_context(request, engagement, [panel])
    response = _respond(request, f"engagements/dashboard.html#{panel}", context)
    if panel == "freshness" and request.GET.get("polling") and not _recomputing(context):
        # The recompute this panel was following has ended: the other panels reload.
        response["HX-Trigger"] = "kpis-recomputed"
    return response


def _recomputing(context: dict) -> bool:
    progress = context.get("progress") or {}
    return progress.get("state") in ("queued", "running")


@login_required
def action_item_add(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, LOG_ACTION_ITEM)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    members = review_selectors.members_of(engagement=engagement)
    form = ActionItemQuickForm(request.POST, members=members)
    if form.is_valid():
        try:
            item = action_item_create(
                actor=request.user, engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Action item logged: {item.title}.")
            if not request.htmx:
                return redirect("engagements:detail", engagement_id=engagement.pk)
            form = None
    panels = ["actions"] if request.htmx else PANELS
    context = _dashboard_context(request, engagement, panels, form=form)
    if form is None:
        context["logged"] = True
    template = (
        "engagements/dashboard.html#actions" if request.htmx else "engagements/dashboard.html"
    )
    return _respond(request, template, context, status=200 if form is None else 422)


@login_required
def dashboard_recompute(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECOMPUTE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    queued = metrics_recompute_now(actor=request.user, engagement=engagement)
    if request.htmx:
        context = _dashboard_context(request, engagement, ["freshness"])
        context["queue_failed"] = not queued
        context["queue_failed_text"] = QUEUE_FAILED
        return _respond(request, "engagements/dashboard.html#freshness", context)
    if queued:
        messages.info(request, "Recompute started: the values update in a moment.")
    else:
        messages.error(request, QUEUE_FAILED)
    return redirect("engagements:detail", engagement_id=engagement.pk)


@login_required
def engagement_contract(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    context = {
        "engagement": engagement,
        "team": selectors.engagement_team(engagement=engagement),
        "my_party": party_of(request.user, engagement),
        "my_roles": sorted(Role(role).label for role in roles_in(request.user, engagement)),
        "can_edit": request.user.has_perm("engagements.change_engagement", engagement),
        "history": selectors.engagement_history(engagement=engagement),
        "can_audit": request.user.has_perm(VIEW_AUDIT, engagement),
    }
    return render(request, "engagements/contract.html", context)


@login_required
def engagement_edit(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, "engagements.change_engagement")
    form = EngagementForm(request.POST or None, instance=Engagement.objects.get(pk=engagement.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.engagement_update(
                actor=request.user, engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Engagement saved.")
            return redirect("engagements:contract", engagement_id=engagement.pk)
    return render(request, "engagements/edit.html", {"engagement": engagement, "form": form})


def _audit_filters(request, engagement: Engagement) -> tuple[AuditFilterForm, audit.AuditFilters]:
    """The page's GET form and the filters it gives (a field in error filters nothing)."""
    form = AuditFilterForm(
        request.GET or None,
        actors=audit.audit_actors(engagement=engagement),
        models=audit.model_choices(),
    )
    if not form.is_bound:
        return form, audit.AuditFilters()
    form.is_valid()
    data = form.cleaned_data
    return form, audit.AuditFilters(
        who=data.get("who") or "",
        model=data.get("model") or "",
        since=data.get("since"),
        until=data.get("until"),
    )


@login_required
def engagement_audit(request, engagement_id: int):
    """Every recorded change to the engagement's governance records, newest first."""
    engagement = get_engagement_for(request.user, engagement_id, VIEW_AUDIT)
    form, filters = _audit_filters(request, engagement)
    total = audit.audit_count(engagement=engagement, filters=filters)
    pages = max(1, -(-total // audit.PAGE_SIZE))
    try:
        page = min(max(1, int(request.GET.get("page", 1))), pages)
    except ValueError:
        page = 1
    events = audit.audit_events(
        engagement=engagement,
        filters=filters,
        offset=(page - 1) * audit.PAGE_SIZE,
        limit=audit.PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "engagement": engagement,
        "form": form,
        "events": events,
        "total": total,
        "page": page,
        "pages": pages,
        "query": query.urlencode(),
    }
    return render(request, "engagements/audit.html", context)


AUDIT_CSV_HEADER = (
    "when (UTC)",
    "who",
    "acting as",
    "what",
    "object",
    "object id",
    "action",
    "changes",
    "url",
    "job",
    "task id",
)


def _audit_csv_rows(engagement: Engagement, filters: audit.AuditFilters):
    """The audit CSV's rows, a thousand events a query (the response streams them)."""
    yield AUDIT_CSV_HEADER
    offset, chunk = 0, 1000
    while True:
        events = audit.audit_events(
            engagement=engagement, filters=filters, offset=offset, limit=chunk
        )
        for event in events:
            changes = "; ".join(f"{name}: {old} → {new}" for name, old, new in event.changes)
            row = (
                event.when.astimezone(UTC).isoformat(),
                event.who,
                event.who_kind,
                event.model,
                event.obj_label,
                event.obj_id,
                event.action,
                changes,
                event.url,
                event.job,
                event.task_id,
            )
            yield row
        if len(events) < chunk:
            return
        offset += chunk


@login_required
def engagement_audit_export(request, engagement_id: int):
    """The audit page's filtered list as CSV (cells a spreadsheet would run are quoted)."""
    engagement = get_engagement_for(request.user, engagement_id, VIEW_AUDIT)
    _, filters = _audit_filters(request, engagement)
    response = StreamingHttpResponse(
        csv_lines(_audit_csv_rows(engagement, filters)), content_type="text/csv; charset=utf-8"
    )
    filename = f"audit-{engagement.slug}-{timezone.now():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
