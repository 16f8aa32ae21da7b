"""Breach pages: the list with its filters, and each breach with its timeline and the forms
of the transitions the user's role allows. Thin: the services decide and refuse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render

from engagements.access import get_engagement_for, party_of
from sla.breaches import selectors, services
from sla.breaches.forms import (
    ActionStatusForm,
    CorrectiveActionForm,
    NoteForm,
    ReasonForm,
    ReliefAnswerForm,
    ReliefClaimForm,
    RemediationPlanForm,
)
from sla.models import (
    Breach,
    BreachStatus,
    CorrectiveAction,
    ReliefClaim,
    ReliefStatus,
    RemediationPlan,
)

# What the apps above add to a breach's page (reviews: escalating it to a meeting), each a
# function of (user, engagement, breach) returning template context, registered in the app's
# `AppConfig.ready`.
BREACH_DETAIL_EXTRAS: list = []
PAGE_SIZE = 50
DETAIL = "sla/breach_detail.html"


def _page(request, template: str, partial: str, context: dict, status: int = 200):
    if request.htmx and not request.htmx.boosted:
        template += f"#{partial}"
    return render(request, template, context, status=status)


@login_required
def breach_list(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    breaches = selectors.breaches_of(engagement=engagement)
    filters = selectors.BreachFilter(request.GET, queryset=breaches)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    by_status = dict(
        breaches.order_by().values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "engagement": engagement,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "statuses": [
            (value, label, by_status.get(value, 0)) for value, label in BreachStatus.choices
        ],
        "clause_keys": selectors.breach_clause_keys(engagement=engagement),
        "periods": selectors.breach_periods(engagement=engagement),
        "selected_statuses": request.GET.getlist("status"),
    }
    return _page(request, "sla/breach_list.html", "results", context)


def breach_or_404(engagement, breach_id) -> Breach:
    try:
        return selectors.breach_of(engagement=engagement, breach_id=breach_id)
    except Breach.DoesNotExist:
        raise Http404("No such breach.") from None


def _detail_context(request, engagement, breach: Breach, bound: dict | None = None) -> dict:
    user = request.user
    claims = list(selectors.relief_claims_of(breach=breach))
    pending = next((c for c in claims if c.status == ReliefStatus.PENDING), None)
    actions = list(selectors.corrective_actions_of(breach=breach))
    members = selectors.members_of(engagement=engagement)
    live = breach.status in services.LIVE
    status = breach.status
    can = {
        "acknowledge": status == BreachStatus.OPEN and user.has_perm(services.RESPOND, engagement),
        "plan": status == BreachStatus.ACKNOWLEDGED and user.has_perm(services.RESPOND, engagement),
        "add_action": status == BreachStatus.REMEDIATION_PLANNED
        and user.has_perm(services.RESPOND, engagement),
        "action_status": live and user.has_perm(services.LOG_ACTION_ITEM, engagement),
        "resolve": status == BreachStatus.REMEDIATION_PLANNED
        and user.has_perm(services.RESPOND, engagement),
        "reopen": status in (BreachStatus.RESOLVED, BreachStatus.WAIVED)
        and user.has_perm(services.REOPEN, engagement),
        "waive": live and pending is None and user.has_perm(services.WAIVE, engagement),
        "claim": live and pending is None and user.has_perm(services.CLAIM_RELIEF, engagement),
        "answer": live
        and pending is not None
        and party_of(user, engagement) == "client"
        and user.has_perm(services.ANSWER_RELIEF, engagement),
    }
    forms = {
        "acknowledge": NoteForm(prefix="acknowledge"),
        "plan": RemediationPlanForm(prefix="plan", members=members),
        "add_action": CorrectiveActionForm(prefix="add_action", members=members),
        "resolve": NoteForm(prefix="resolve"),
        "reopen": ReasonForm(prefix="reopen"),
        "waive": ReasonForm(prefix="waive"),
        "claim": ReliefClaimForm(prefix="claim"),
        "answer": ReliefAnswerForm(
            prefix="answer", initial={"claim": pending.pk if pending else None}
        ),
    } | (bound or {})
    return {
        "engagement": engagement,
        "breach": breach,
        "clause": breach.clause,
        "timeline": selectors.timeline_of(breach=breach),
        "plan": RemediationPlan.objects.filter(breach=breach).first(),
        "corrective_actions": actions,
        "action_statuses": ActionStatusForm.base_fields["status"].choices,
        "claims": claims,
        "pending_claim": pending,
        "can": can,
        "forms": forms,
    } | {
        key: value
        for extra in BREACH_DETAIL_EXTRAS
        for key, value in extra(user=user, engagement=engagement, breach=breach).items()
    }


@login_required
def breach_detail(request, engagement_id: int, breach_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    breach = breach_or_404(engagement, breach_id)
    return _page(request, DETAIL, "breach", _detail_context(request, engagement, breach))


# --- transitions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    perm: str
    form: Callable  # (data, engagement, breach) -> a bound form
    run: Callable  # (user, engagement, breach, cleaned_data) -> the success message
    refusal: str = "Your role does not allow this."


def _members(engagement):
    return selectors.members_of(engagement=engagement)


def _claim(engagement, breach, claim_id) -> ReliefClaim:
    claim = ReliefClaim.objects.filter(pk=claim_id, breach=breach, engagement=engagement).first()
    if claim is None:
        raise ValidationError("No such relief claim on this breach.")
    return claim


def _corrective_action(engagement, breach, pk) -> CorrectiveAction:
    link = (
        CorrectiveAction.objects.select_related("engagement")
        .filter(pk=pk, breach=breach, engagement=engagement)
        .first()
    )
    if link is None:
        raise ValidationError("No such corrective action on this breach.")
    return link


def _action_input(data) -> services.CorrectiveActionInput:
    return services.CorrectiveActionInput(
        title=data["title"],
        owner=data["owner"],
        due_date=data["due_date"],
        description=data.get("description", ""),
    )


def _acknowledge(user, engagement, breach, data) -> str:
    services.breach_acknowledge(actor=user, breach=breach, note=data["note"])
    return "Breach acknowledged."


def _plan(user, engagement, breach, data) -> str:
    actions = [_action_input(data)] if data.get("title") else []
    services.breach_plan_remediation(
        actor=user, breach=breach, root_cause=data["root_cause"], actions=actions
    )
    return "Remediation plan recorded."


def _add_action(user, engagement, breach, data) -> str:
    services.corrective_action_add(actor=user, breach=breach, action=_action_input(data))
    return "Corrective action added."


def _action_status(user, engagement, breach, data) -> str:
    link = _corrective_action(engagement, breach, data["corrective_action"])
    services.corrective_action_set_status(actor=user, corrective_action=link, status=data["status"])
    return "Corrective action updated."


def _resolve(user, engagement, breach, data) -> str:
    services.breach_resolve(actor=user, breach=breach, note=data["note"])
    return "Breach resolved."


def _reopen(user, engagement, breach, data) -> str:
    services.breach_reopen(actor=user, breach=breach, reason=data["reason"])
    return "Breach reopened."


def _waive(user, engagement, breach, data) -> str:
    services.breach_waive(actor=user, breach=breach, reason=data["reason"])
    return "Breach waived: it carries no credit."


def _claim_relief(user, engagement, breach, data) -> str:
    services.relief_claim(
        actor=user,
        breach=breach,
        reason=data["reason"],
        explanation=data["explanation"],
        requisitions=data["requisitions"],
        days_lost=data["days_lost"],
    )
    return "Relief claimed: the client's HR lead will answer."


def _accept_relief(user, engagement, breach, data) -> str:
    claim = _claim(engagement, breach, data["claim"])
    services.relief_accept(actor=user, claim=claim, note=data["note"])
    return "Relief accepted: the breach is excused."


def _reject_relief(user, engagement, breach, data) -> str:
    claim = _claim(engagement, breach, data["claim"])
    services.relief_reject(actor=user, claim=claim, reason=data["note"])
    return "Relief claim rejected."


def _simple(form_class, prefix):
    return lambda data, engagement, breach: form_class(data, prefix=prefix)


def _with_members(form_class, prefix):
    return lambda data, engagement, breach: form_class(
        data, prefix=prefix, members=_members(engagement)
    )


ANSWER_REFUSAL = "Only the client's HR lead may answer a relief claim."
TRANSITIONS = {
    "acknowledge": Transition(services.RESPOND, _simple(NoteForm, "acknowledge"), _acknowledge),
    "plan": Transition(services.RESPOND, _with_members(RemediationPlanForm, "plan"), _plan),
    "add_action": Transition(
        services.RESPOND, _with_members(CorrectiveActionForm, "add_action"), _add_action
    ),
    "action_status": Transition(
        services.LOG_ACTION_ITEM, _simple(ActionStatusForm, "action"), _action_status
    ),
    "resolve": Transition(services.RESPOND, _simple(NoteForm, "resolve"), _resolve),
    "reopen": Transition(
        services.REOPEN,
        _simple(ReasonForm, "reopen"),
        _reopen,
        "Only the client's HR lead may reopen a breach.",
    ),
    "waive": Transition(
        services.WAIVE,
        _simple(ReasonForm, "waive"),
        _waive,
        "Only the client's HR lead may waive a breach.",
    ),
    "claim": Transition(
        services.CLAIM_RELIEF,
        _simple(ReliefClaimForm, "claim"),
        _claim_relief,
        "Only the provider's account managers may claim relief.",
    ),
    "accept": Transition(
        services.ANSWER_RELIEF, _simple(ReliefAnswerForm, "answer"), _accept_relief, ANSWER_REFUSAL
    ),
    "reject": Transition(
        services.ANSWER_RELIEF, _simple(ReliefAnswerForm, "answer"), _reject_relief, ANSWER_REFUSAL
    ),
}
# The form each transition re-shows with its errors.
FORM_SLOT = {"accept": "answer", "reject": "answer"}


def _refusal(user, engagement, name: str, transition: Transition) -> str | None:
    if name in ("accept", "reject") and party_of(user, engagement) == "provider":
        return "The provider cannot answer its own relief claim: the client's HR lead does."
    if not user.has_perm(transition.perm, engagement):
        return transition.refusal
    return None


@login_required
def breach_transition(request, engagement_id: int, breach_id: int, action: str):
    engagement = get_engagement_for(request.user, engagement_id)  # outsiders: 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise Http404("No such action.")
    breach = breach_or_404(engagement, breach_id)
    refusal = _refusal(request.user, engagement, action, transition)
    if refusal:
        raise PermissionDenied(refusal)
    form = transition.form(request.POST, engagement, breach)
    if form.is_valid():
        try:
            message = transition.run(request.user, engagement, breach, form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, message)
            if request.htmx:
                breach = breach_or_404(engagement, breach_id)
                return _page(
                    request, DETAIL, "breach", _detail_context(request, engagement, breach)
                )
            return redirect(services.breach_url(breach))
    bound = {FORM_SLOT.get(action, action): form}
    context = _detail_context(request, engagement, breach, bound)
    context["failed"] = action
    context["refusals"] = form.non_field_errors()
    return _page(request, DETAIL, "breach", context, status=200 if request.htmx else 400)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
