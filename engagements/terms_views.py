"""The engagement's commercial terms page: the terms in force, proposals and their answers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from engagements import terms_selectors, terms_services
from engagements.access import get_engagement_for, party_of
from engagements.commercial import CommercialTerms
from engagements.forms import AnswerForm, CommercialTermsForm
from engagements.go_live_views import go_live_context, go_live_post

PROPOSE, AGREE = terms_services.PROPOSE, terms_services.AGREE


def _terms_page(request, engagement, form=None, status: int = 200, go_live_form=None):
    proposals = list(terms_selectors.terms_proposals(engagement=engagement))
    my_party = party_of(request.user, engagement)
    may_answer = request.user.has_perm(AGREE, engagement)
    today = timezone.localdate()
    schedule = terms_selectors.terms_schedule(engagement=engagement)
    context = {
        "engagement": engagement,
        "in_force": schedule.in_force(today),
        "agreed": [item for item in proposals if item.state == "agreed"],
        "open": [
            (item, may_answer and item.proposed_by_party != my_party)
            for item in proposals
            if item.is_open
        ],
        "answered": [item for item in proposals if item.state in ("rejected", "countered")],
        "can_propose": request.user.has_perm(PROPOSE, engagement),
        "form": form or CommercialTermsForm(initial={"effective_from": today.replace(day=1)}),
        "answer_form": AnswerForm(),
        "today": today,
    } | go_live_context(request, engagement, go_live_form)
    return render(request, "engagements/terms.html", context, status=status)


@login_required
def engagement_terms(request, engagement_id: int):
    """GET: the page. POST: propose new terms (a negotiator of either party)."""
    engagement = get_engagement_for(request.user, engagement_id)
    if request.method == "GET":
        return _terms_page(request, engagement)
    if request.method != "POST":
        return HttpResponseNotAllowed(["GET", "POST"])
    engagement = get_engagement_for(request.user, engagement_id, PROPOSE)
    if "go_live_date" in request.POST:
        done, go_live_form = go_live_post(request, engagement)
        return done or _terms_page(request, engagement, go_live_form=go_live_form, status=400)
    form = CommercialTermsForm(request.POST)
    if form.is_valid():
        try:
            terms_services.commercial_terms_propose(
                actor=request.user, engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Terms proposed: the other party agrees or rejects them.")
            return redirect("engagements:terms", engagement_id=engagement.pk)
    return _terms_page(request, engagement, form, status=400)


def _answer(request, engagement_id: int, terms_id: int, respond, done: str):
    """The other party agrees to or rejects an open proposal."""
    engagement = get_engagement_for(request.user, engagement_id, AGREE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        terms = terms_selectors.terms_get(engagement=engagement, terms_id=terms_id)
    except CommercialTerms.DoesNotExist:
        raise Http404("No such terms.") from None
    form = AnswerForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        respond(actor=request.user, terms=terms, note=note)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("engagements:terms", engagement_id=engagement.pk)


@login_required
def engagement_terms_agree(request, engagement_id: int, terms_id: int):
    return _answer(
        request, engagement_id, terms_id, terms_services.commercial_terms_agree, "Terms agreed."
    )


@login_required
def engagement_terms_reject(request, engagement_id: int, terms_id: int):
    return _answer(
        request, engagement_id, terms_id, terms_services.commercial_terms_reject, "Terms rejected."
    )
