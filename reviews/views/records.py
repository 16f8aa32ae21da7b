"""The decision log, the risk register and plan vs actual."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from engagements.access import get_engagement_for
from reviews import selectors, services
from reviews.forms import DecisionForm, DecisionSearchForm, RiskForm
from reviews.heatmap import heat_map_svg
from reviews.models import Tier
from reviews.plan import PLAN_DIMENSIONS, plan_vs_actual
from reviews.views.common import RECORD, escalate, form_write, get_or_404, post_only, render_page

# --- decisions -----------------------------------------------------------------------------


@login_required
def decisions(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    form = DecisionSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.decisions_search(
        engagement=engagement,
        text=filters.get("q", ""),
        party=filters.get("party", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        kpi=filters.get("kpi", ""),
    )[:200]
    context = {
        "engagement": engagement,
        "form": form,
        "decisions": found,
        "can_record": request.user.has_perm(RECORD, engagement),
    }
    return render_page(request, "reviews/decisions.html", "results", context)


def _decision_form(request, engagement, data=None, initial=None):
    return DecisionForm(
        data,
        initial=initial,
        members=selectors.members_of(engagement=engagement),
        meetings=selectors.meetings_for_choice(engagement=engagement),
        action_items=selectors.action_items_of(engagement=engagement, status=""),
        risks=selectors.risks_of(engagement=engagement, include_closed=True),
    )


@login_required
def decision_new(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECORD)
    initial = {"decided_on": timezone.localdate(), "decided_by": request.user.pk}
    if request.GET.get("meeting", "").isdigit():
        initial["meeting"] = int(request.GET["meeting"])
    form = _decision_form(request, engagement, request.POST or None, initial)

    def write(data):
        data["action_items"] = list(data["action_items"])
        data["risks"] = list(data["risks"])
        return services.decision_create(actor=request.user, engagement=engagement, **data)

    return form_write(
        request,
        form,
        write,
        "Decision recorded.",
        lambda decision: reverse("reviews:decision", args=[engagement.pk, decision.pk]),
    ) or render(request, "reviews/decision_new.html", {"engagement": engagement, "form": form})


@login_required
def decision_detail(request, engagement_id: int, decision_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    decision = get_or_404(selectors.decision_get, engagement=engagement, decision_id=decision_id)
    context = {
        "engagement": engagement,
        "decision": decision,
        "history": selectors.record_history(record=decision),
    }
    return render(request, "reviews/decision.html", context)


# --- risks ---------------------------------------------------------------------------------


@login_required
def risks(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    show_closed = request.GET.get("closed") == "1"
    context = {
        "engagement": engagement,
        "risks": selectors.risks_of(engagement=engagement, include_closed=show_closed),
        "heat_map": heat_map_svg(selectors.heat_map(engagement=engagement)),
        "today": timezone.localdate(),
        "show_closed": show_closed,
        "can_record": request.user.has_perm(RECORD, engagement),
    }
    return render(request, "reviews/risks.html", context)


def _risk_url(risk) -> str:
    return reverse("reviews:risk", args=[risk.engagement_id, risk.pk])


@login_required
def risk_new(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECORD)
    members = selectors.members_of(engagement=engagement)
    form = RiskForm(request.POST or None, members=members, initial={"owner": request.user.pk})
    return form_write(
        request,
        form,
        lambda data: services.risk_create(actor=request.user, engagement=engagement, **data),
        "Risk added to the register.",
        _risk_url,
    ) or render(request, "reviews/risk_form.html", {"engagement": engagement, "form": form})


@login_required
def risk_detail(request, engagement_id: int, risk_id: int):
    perm = RECORD if request.method == "POST" else "engagements.view_engagement"
    engagement = get_engagement_for(request.user, engagement_id, perm)
    risk = get_or_404(selectors.risk_get, engagement=engagement, risk_id=risk_id)
    members = selectors.members_of(engagement=engagement)
    form = RiskForm(request.POST or None, instance=risk, members=members)
    saved = form_write(
        request,
        form,
        lambda data: services.risk_update(
            actor=request.user,
            risk=selectors.risk_get(engagement=engagement, risk_id=risk.pk),
            **data,
        ),
        "Risk saved.",
        lambda _: _risk_url(risk),
    )
    if saved:
        return saved
    context = {
        "engagement": engagement,
        "risk": risk,
        "form": form,
        "history": selectors.record_history(record=risk),
        "action_items": risk.action_items.filter(engagement=engagement).select_related("owner"),
        "can_record": request.user.has_perm(RECORD, engagement),
        "today": timezone.localdate(),
        "escalation_tiers": [t for t in Tier if t != Tier.OPERATIONAL],
    }
    return render(request, "reviews/risk.html", context)


@login_required
@post_only
def risk_escalate(request, engagement_id: int, risk_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECORD)
    risk = get_or_404(selectors.risk_get, engagement=engagement, risk_id=risk_id)
    escalate(request, engagement, request.POST.get("tier", ""), f"Risk: {risk.title}", risk=risk)
    return redirect("reviews:risk", engagement_id=engagement.pk, risk_id=risk.pk)


# --- plan vs actual ------------------------------------------------------------------------


@login_required
def plan_page(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    grain = request.GET.get("grain", "month")
    grain = grain if grain in ("month", "quarter") else "month"
    dimension = request.GET.get("dimension", "all")
    dimension = dimension if dimension in PLAN_DIMENSIONS else "all"
    rows = plan_vs_actual(engagement=engagement, grain=grain, dimension=dimension)
    context = {
        "engagement": engagement,
        "grain": grain,
        "dimension": dimension,
        "dimensions": PLAN_DIMENSIONS,
        "rows": rows,
    }
    return render_page(request, "reviews/plan.html", "table", context)
