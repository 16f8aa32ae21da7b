"""The baselines page: those in force, proposals to answer, the forms to propose, history."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from engagements.access import get_engagement_for, party_of
from kpis.baselines import selectors, services
from kpis.baselines.forms import EnteredForm, WindowForm
from kpis.baselines.models import BaselineProposal
from kpis.registry import KPI_BY_KEY

PROPOSE, AGREE = services.PROPOSE, services.AGREE


def _page(request, engagement, window_form=None, entered_form=None, status: int = 200):
    proposals = list(selectors.baseline_proposals(engagement=engagement))
    in_force = selectors.baselines_in_force(engagement=engagement)
    my_party = party_of(request.user, engagement)
    may_answer = request.user.has_perm(AGREE, engagement)
    context = {
        "engagement": engagement,
        "in_force": [(KPI_BY_KEY[kpi], in_force.get((kpi, "all", "all"))) for kpi in KPI_BY_KEY],
        "segment_baselines": [item for key, item in in_force.items() if key[1] != "all"],
        "open": [
            (item, may_answer and item.proposed_by_party != my_party)
            for item in proposals
            if item.is_open
        ],
        "history": proposals,
        "can_propose": request.user.has_perm(PROPOSE, engagement),
        "window_form": window_form or WindowForm(prefix="window"),
        "entered_form": entered_form or EnteredForm(prefix="entered"),
    }
    return render(request, "kpis/baselines.html", context, status=status)


@login_required
def baselines(request, engagement_id: int):
    """GET: the page. POST: propose a computed window or an entered value."""
    engagement = get_engagement_for(request.user, engagement_id)
    if request.method == "GET":
        return _page(request, engagement)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    engagement = get_engagement_for(request.user, engagement_id, PROPOSE)
    if "entered-kpi" in request.POST:
        form = EnteredForm(request.POST, prefix="entered")
        propose, forms = services.baseline_propose_entered, {"entered_form": form}
    else:
        form = WindowForm(request.POST, prefix="window")
        propose, forms = services.baselines_propose_computed, {"window_form": form}
    if form.is_valid():
        try:
            propose(actor=request.user, engagement=engagement, **form.cleaned_data)
        except ValidationError as error:
            _errors_on_fields(form, error)
        else:
            messages.success(request, "Baselines proposed: the other party agrees or rejects them.")
            return redirect("kpis:baselines", engagement_id=engagement.pk)
    return _page(request, engagement, **forms, status=400)


def _errors_on_fields(form, error: ValidationError) -> None:
    """A service's refusal on the form's field it names (else at the top)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _answer(request, engagement_id: int, proposal_id: int, respond, done: str):
    engagement = get_engagement_for(request.user, engagement_id, AGREE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        proposal = selectors.baseline_proposal_get(engagement=engagement, proposal_id=proposal_id)
    except BaselineProposal.DoesNotExist:
        raise Http404("No such baselines.") from None
    note = request.POST.get("note", "")[:2000]
    try:
        respond(actor=request.user, proposal=proposal, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("kpis:baselines", engagement_id=engagement.pk)


@login_required
def baselines_agree(request, engagement_id: int, proposal_id: int):
    return _answer(request, engagement_id, proposal_id, services.baselines_agree, "Agreed.")


@login_required
def baselines_reject(request, engagement_id: int, proposal_id: int):
    return _answer(request, engagement_id, proposal_id, services.baselines_reject, "Rejected.")
