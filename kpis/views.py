from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django_htmx.http import HttpResponseClientRedirect

from charts.svg import Point, trend_chart
from engagements.access import get_engagement_for, party_of
from kpis import progress, selectors, target_services
from kpis.baselines.improvement import baseline_change
from kpis.baselines.selectors import baselines_in_force
from kpis.drilldown import median_check, value_drilldown
from kpis.forms import TARGET_FORM_FIELDS, ResponseForm, TargetForm
from kpis.models import Grain, KpiTarget, MetricValue, TargetState
from kpis.registry import KPI_BY_KEY, KPIS
from kpis.templatetags.kpis_tags import kpi_amount
from rpo_portal import formats
from rpo_portal.csv_files import csv_table

PROPOSE = "kpis.propose_target"
AGREE = "kpis.agree_target"
RECOMPUTE = "kpis.recompute"
# Cards the apps above add to a KPI's page (sla: the scorecard of the KPI's clauses), by the
# name the template reads; each a function of (engagement, grain, kpi), registered in the
# app's `AppConfig.ready`, so the KPI pages do not know the apps that build on them.
KPI_PAGE_CARDS: dict = {}
QUEUE_FAILED = (
    "The recompute could not be queued: the job queue is unavailable. "
    "Values are recomputed tonight, or try again in a few minutes."
)


def _grain(request) -> str:
    grain = request.GET.get("grain", Grain.MONTH)
    return grain if grain in Grain.values else Grain.MONTH


def _segment(request) -> tuple[str, str]:
    """`?segment=department:Sales`; anything else is segment all."""
    dimension, _, segment = request.GET.get("segment", "").partition(":")
    return (dimension, segment) if dimension and segment else ("all", "all")


def _render(request, template: str, partial: str, context: dict):
    if request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request:
        template += f"#{partial}"
    return render(request, template, context)


@login_required
def overview(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    grain = _grain(request)
    dimension, segment = _segment(request)
    context = {
        "engagement": engagement,
        "grain": grain,
        "dimension": dimension,
        "segment": segment,
        "segment_param": f"{dimension}:{segment}" if dimension != "all" else "",
        "rows": selectors.latest_values(
            engagement=engagement, grain=grain, dimension=dimension, segment=segment
        ),
        "segments": selectors.segments_of(engagement=engagement, grain=grain),
        "progress": progress.recompute_progress(engagement_id=engagement.pk),
        "last_run": selectors.last_run(engagement=engagement),
        "can_recompute": request.user.has_perm(RECOMPUTE, engagement),
    }
    return _render(request, "kpis/overview.html", "values", context)


@login_required
def data_contract(request):
    context = {"contract_html": selectors.data_contract_html()}
    return render(request, "kpis/data_contract.html", context)


@login_required
def definitions(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    return render(request, "kpis/definitions.html", {"engagement": engagement, "kpis": KPIS})


@login_required
def kpi_detail(request, engagement_id: int, kpi: str):
    engagement = get_engagement_for(request.user, engagement_id)
    definition = KPI_BY_KEY.get(kpi)
    if definition is None:
        raise Http404("No such KPI.")
    grain = _grain(request)
    dimension, segment = _segment(request)
    values = list(
        selectors.metric_values(
            engagement=engagement, kpi=kpi, grain=grain, dimension=dimension, segment=segment
        )
        .select_related("target")
        .order_by("-period")
    )
    periods = [value.period for value in values]
    baseline = baselines_in_force(engagement=engagement).get((kpi, dimension, segment))
    period = request.GET.get("period", "")
    period = period if period in periods else (periods[0] if periods else "")
    context = {
        "engagement": engagement,
        "kpi": definition,
        "grain": grain,
        "dimension": dimension,
        "segment": segment,
        "segment_param": f"{dimension}:{segment}" if dimension != "all" else "",
        "values": values,
        "segments": selectors.segments_of(engagement=engagement, grain=grain, kpi=kpi),
        "period": period,
        "periods": periods,
        "trend": trend_of(
            kpi=definition,
            values=values,
            targets=selectors.agreed_targets(engagement=engagement),
            grain=grain,
            dimension=dimension,
            segment=segment,
            currency=engagement.currency,
            baseline=baseline,
        ),
        "baseline": baseline,
        "baseline_change": baseline_change(kpi, baseline, values, engagement.currency),
        # Asked even without a period (it then finds nothing), so the page's queries are the
        # same however much data there is.
        "by_segment": selectors.metric_values(
            engagement=engagement, kpi=kpi, grain=grain, period=period
        ).order_by("dimension", "segment"),
    }
    context |= {
        name: card(engagement=engagement, grain=grain, kpi=kpi)
        for name, card in KPI_PAGE_CARDS.items()
    }
    return _render(request, "kpis/kpi_detail.html", "values", context)


TREND_PERIODS = 24


def trend_of(
    *,
    kpi,
    values,
    targets,
    grain: str,
    dimension: str,
    segment: str,
    currency: str = "",
    baseline=None,
):
    """The trend chart of the newest periods, with the target and breach threshold drawn
    (a money KPI's figures with the engagement's currency)."""
    shown = list(reversed(values[:TREND_PERIODS]))
    target = next((v.target for v in reversed(shown) if v.target_id), None)
    if target is None:
        target = selectors.applicable_target(
            targets, kpi=kpi.key, grain=grain, dimension=dimension, segment=segment
        )
    where = "" if dimension == "all" else f", {formats.label(dimension)}: {segment}"
    return trend_chart(
        [Point(formats.period(v.period), v.value, v.status) for v in shown],
        chart_id=f"trend-{kpi.key}",
        title=f"{kpi.name} by {grain}{where}",
        fmt=lambda number: kpi_amount(number, kpi.key, currency),
        target=float(target.target_value) if target else None,
        threshold=float(target.breach_threshold) if target else None,
        baseline=float(baseline.value) if baseline is not None else None,
        value_heading=kpi.name,
        # A glidepath's steps: each value's target in force (the engine's choice per period).
        target_steps=[float(v.target.target_value) if v.target_id else None for v in shown],
    )


@login_required
def value_detail(request, engagement_id: int, value_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    value = get_object_or_404(
        MetricValue.objects.select_related("target"), pk=value_id, engagement=engagement
    )
    drilldown = value_drilldown(value=value)
    context = {
        "engagement": engagement,
        "value": value,
        "kpi": value.definition,
        "drilldown": drilldown,
        "median": median_check(drilldown.median_inputs),
    }
    return render(request, "kpis/value_detail.html", context)


@login_required
def value_records_csv(request, engagement_id: int, value_id: int, section_index: int):
    """One section of a value's drill-down as CSV: every record behind the value (no row
    limit), with the columns the page shows."""
    engagement = get_engagement_for(request.user, engagement_id)
    value = get_object_or_404(MetricValue, pk=value_id, engagement=engagement)
    sections = value_drilldown(value=value, limit=None).sections
    if section_index >= len(sections):  # a suppressed value has none: it reveals no records
        raise Http404("No records to export.")
    chosen = sections[section_index]
    where = "" if value.dimension == "all" else f"-{slugify(value.segment)}"
    name = f"{value.kpi}-{value.period}{where}-{slugify(chosen.title)}.csv"
    response = HttpResponse(
        csv_table(chosen.columns, chosen.rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def recompute(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECOMPUTE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    queued = progress.metrics_recompute_now(actor=request.user, engagement=engagement)
    if request.htmx:
        return _recompute_section(request, engagement, queue_failed=not queued)
    if queued:
        messages.info(request, "Recompute started: the values update in a moment.")
    else:
        messages.error(request, QUEUE_FAILED)
    return redirect("kpis:overview", engagement_id=engagement.pk)


@login_required
def recompute_status(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    return _recompute_section(request, engagement)


def _recompute_section(request, engagement, *, queue_failed: bool = False):
    context = {
        "engagement": engagement,
        "progress": progress.recompute_progress(engagement_id=engagement.pk),
        "last_run": selectors.last_run(engagement=engagement),
        "can_recompute": request.user.has_perm(RECOMPUTE, engagement),
        "queue_failed": QUEUE_FAILED if queue_failed else "",
    }
    return render(request, "kpis/overview.html#recompute", context)


@login_required
def targets(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    can_propose = request.user.has_perm(PROPOSE, engagement)
    form = TargetForm(initial={"grain": Grain.MONTH, "min_sample_size": 5})
    if request.method == "POST":
        engagement = get_engagement_for(request.user, engagement_id, PROPOSE)
        form = TargetForm(request.POST)
        if form.is_valid():
            terms = {f: form.cleaned_data[f] for f in TARGET_FORM_FIELDS}
            try:
                target = target_services.target_propose(
                    actor=request.user,
                    engagement=engagement,
                    note=form.cleaned_data["note"],
                    **terms,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Target proposed: the other party can now respond.")
                url = target_url(target)
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    context = {
        "engagement": engagement,
        "targets": selectors.targets_of(engagement=engagement),
        "form": form,
        "can_propose": can_propose,
        "my_party": party_of(request.user, engagement),
    }
    return render(request, "kpis/targets.html", context)


def target_url(target: KpiTarget) -> str:
    return reverse(
        "kpis:target_detail",
        kwargs={"engagement_id": target.engagement_id, "target_id": target.pk},
    )


@login_required
def target_detail(request, engagement_id: int, target_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    target = get_object_or_404(
        selectors.targets_of(engagement=engagement), pk=target_id, engagement=engagement
    )
    my_party = party_of(request.user, engagement)
    can_respond = (
        target.state == TargetState.PROPOSED
        and my_party != target.proposed_by_party
        and request.user.has_perm(AGREE, engagement)
        and not hasattr(target, "glidepath_link")  # answered with its glidepath
    )
    response_form = ResponseForm()
    counter_form = TargetForm(instance=target, prefix="counter", initial={"note": ""})
    if request.method == "POST":
        engagement = get_engagement_for(request.user, engagement_id, AGREE)
        try:
            if "counter" in request.POST:
                counter_form = TargetForm(request.POST, prefix="counter")
                if counter_form.is_valid():
                    terms = {f: counter_form.cleaned_data[f] for f in TARGET_FORM_FIELDS}
                    counter = target_services.target_counter(
                        actor=request.user,
                        target=target,
                        note=counter_form.cleaned_data["note"],
                        **terms,
                    )
                    messages.success(request, "Counter-proposal sent.")
                    return redirect(target_url(counter))
            else:
                response_form = ResponseForm(request.POST)
                if response_form.is_valid():
                    respond = (
                        target_services.target_agree
                        if response_form.cleaned_data["decision"] == "agree"
                        else target_services.target_reject
                    )
                    respond(
                        actor=request.user,
                        target=target,
                        note=response_form.cleaned_data["note"],
                    )
                    messages.success(request, "Response recorded.")
                    return redirect(target_url(target))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(target_url(target))
    context = {
        "engagement": engagement,
        "target": target,
        "history": selectors.target_history(target=target),
        "can_respond": can_respond,
        "response_form": response_form,
        "counter_form": counter_form,
        "my_party": my_party,
    }
    return render(request, "kpis/target_detail.html", context)
