"""The recruiter capacity page: agreed capacity, recruiters' loads, demand per department and
month, and the what-if (a GET form: it writes nothing, so every member may run it)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from engagements.access import get_engagement_for, party_of
from forecasts import capacity_selectors as selectors
from forecasts import capacity_services as services
from forecasts.capacity_csv import demand_csv, loads_csv
from forecasts.capacity_forms import CapacityProposeForm, WhatIfForm
from forecasts.models import CapacityTerms


def _what_if(request, view):
    """The what-if of the query string, if one was asked (a form bound to it either way)."""
    if "percent" not in request.GET:
        return None, WhatIfForm(departments=_departments(view), quarters=view.quarters())
    form = WhatIfForm(request.GET, departments=_departments(view), quarters=view.quarters())
    if not form.is_valid():
        return None, form
    data = form.cleaned_data
    return selectors.WhatIf(data["department"], data["quarter"], float(data["percent"])), form


def _departments(view) -> list[str]:
    return [d for d in view.departments if d != "all"]


def _page(request, engagement, *, propose_form=None, status=200):
    as_of = timezone.localdate()
    view = selectors.capacity_view(engagement=engagement, as_of=as_of)
    what_if, what_if_form = _what_if(request, view)
    if what_if is not None:
        view = selectors.capacity_view(engagement=engagement, as_of=as_of, what_if=what_if)
    my_party = party_of(request.user, engagement)
    open_proposal = selectors.capacity_open_proposal(engagement=engagement)
    context = {
        "engagement": engagement,
        "view": view,
        "in_force": selectors.capacity_in_force(engagement=engagement),
        "open_proposal": open_proposal,
        "may_answer": open_proposal is not None
        and request.user.has_perm(services.AGREE, engagement)
        and open_proposal.proposed_by_party != my_party,
        "can_propose": request.user.has_perm(services.PROPOSE, engagement),
        "propose_form": propose_form or CapacityProposeForm(),
        "what_if_form": what_if_form,
        "what_if_rows": _what_if_rows(view) if view.what_if else [],
    }
    template = "forecasts/capacity.html"
    if request.htmx and request.method == "GET" and "percent" in request.GET:
        template += "#what-if"
    return render(request, template, context, status=status)


def _what_if_rows(view) -> list[dict]:
    """Per month, the department's and the total's hires and recruiters needed: today's plan
    against the what-if."""
    base = view.baseline
    rows = []
    for department in (view.what_if.department, "all"):
        before = {row.month: row for row in base.demand_of(department)}
        for row in view.demand_of(department):
            rows.append(
                {
                    "department": department,
                    "month": row.month,
                    "hires_before": base.hires.get((department, row.month), 0.0),
                    "hires_after": view.hires.get((department, row.month), 0.0),
                    "openings_before": before[row.month].openings,
                    "openings_after": row.openings,
                    "needed_before": before[row.month].needed,
                    "needed_after": row.needed,
                }
            )
    return rows


@login_required
def capacity(request, engagement_id: int):
    """GET: the page (and the what-if). POST: propose a capacity (a negotiator)."""
    engagement = get_engagement_for(request.user, engagement_id)
    if request.method == "GET":
        return _page(request, engagement)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    engagement = get_engagement_for(request.user, engagement_id, services.PROPOSE)
    form = CapacityProposeForm(request.POST)
    if form.is_valid():
        try:
            services.capacity_propose(
                actor=request.user, engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Capacity proposed: the other party agrees or rejects it.")
            return redirect("capacity:page", engagement_id=engagement.pk)
    return _page(request, engagement, propose_form=form, status=400)


def _answer(request, engagement_id: int, terms_id: int, respond, done: str):
    engagement = get_engagement_for(request.user, engagement_id, services.AGREE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        terms = CapacityTerms.objects.get(pk=terms_id, engagement=engagement)
    except CapacityTerms.DoesNotExist:
        raise Http404("No such proposal.") from None
    try:
        respond(actor=request.user, terms=terms, note=request.POST.get("note", "")[:2000])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("capacity:page", engagement_id=engagement.pk)


@login_required
def capacity_agree(request, engagement_id: int, terms_id: int):
    return _answer(request, engagement_id, terms_id, services.capacity_agree, "Capacity agreed.")


@login_required
def capacity_reject(request, engagement_id: int, terms_id: int):
    return _answer(request, engagement_id, terms_id, services.capacity_reject, "Capacity rejected.")


def _csv(text: str, name: str) -> HttpResponse:
    response = HttpResponse(text.encode(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def capacity_demand_csv(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    view = selectors.capacity_view(engagement=engagement, as_of=timezone.localdate())
    return _csv(demand_csv(view), f"{engagement.slug}-recruiter-demand.csv")


@login_required
def capacity_loads_csv(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    view = selectors.capacity_view(engagement=engagement, as_of=timezone.localdate())
    return _csv(loads_csv(view), f"{engagement.slug}-recruiter-loads.csv")
