"""The go-live date on the commercial terms page: propose a date, agree or reject one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect

from engagements import go_live_selectors, go_live_services
from engagements.access import get_engagement_for, party_of
from engagements.forms import AnswerForm, GoLiveForm
from engagements.go_live import GoLiveDate

PROPOSE, AGREE = go_live_services.PROPOSE, go_live_services.AGREE


def go_live_context(request, engagement, form=None) -> dict:
    """What the terms page shows of the go-live date (`engagements/_go_live.html`)."""
    proposals = list(go_live_selectors.go_live_proposals(engagement=engagement))
    my_party = party_of(request.user, engagement)
    may_answer = request.user.has_perm(AGREE, engagement)
    return {
        "go_live_open": [
            (item, may_answer and item.proposed_by_party != my_party)
            for item in proposals
            if item.is_open
        ],
        "go_live_history": [item for item in proposals if not item.is_open],
        "go_live_can_propose": request.user.has_perm(PROPOSE, engagement),
        "go_live_form": form or GoLiveForm(),
    }


def go_live_post(request, engagement):
    """A proposal of a go-live date posted to the terms page (its perm already checked):
    (the redirect, None) once proposed, else (None, the form with its errors)."""
    form = GoLiveForm(request.POST)
    if form.is_valid():
        try:
            go_live_services.go_live_propose(
                actor=request.user, engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Go-live date proposed: the other party agrees or rejects it."
            )
            return redirect("engagements:terms", engagement_id=engagement.pk), None
    return None, form


def _answer(request, engagement_id: int, proposal_id: int, respond, done: str):
    engagement = get_engagement_for(request.user, engagement_id, AGREE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        proposal = go_live_selectors.go_live_get(engagement=engagement, proposal_id=proposal_id)
    except GoLiveDate.DoesNotExist:
        raise Http404("No such go-live date.") from None
    form = AnswerForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        respond(actor=request.user, proposal=proposal, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("engagements:terms", engagement_id=engagement.pk)


@login_required
def go_live_agree(request, engagement_id: int, proposal_id: int):
    return _answer(
        request, engagement_id, proposal_id, go_live_services.go_live_agree, "Go-live date agreed."
    )


@login_required
def go_live_reject(request, engagement_id: int, proposal_id: int):
    return _answer(
        request,
        engagement_id,
        proposal_id,
        go_live_services.go_live_reject,
        "Go-live date rejected.",
    )
