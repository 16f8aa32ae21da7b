"""Every write of a breach's life after evaluation opened it, and who hears of what.

    open -> acknowledged -> remediation_planned -> resolved      (the provider)
    resolved -> remediation_planned, waived -> as before         (reopened: the client)
    open | acknowledged | remediation_planned -> waived          (the client's HR lead)
    relief claimed (the provider) -> accepted: excused | rejected (the client's HR lead)

Each transition locks the breach, checks the actor's role and party and the breach's
status, and writes a BreachEvent (who, party, when, why) for the timeline. A transition that
changes the credits (waive, excuse, reopen of a waived breach) has the engagement evaluated
again once it commits, so the ledger follows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from engagements.access import party_of
from engagements.action_items import ActionItemStatus
from kpis.templatetags.kpis_tags import kpi_value, plain
from notifications.selectors import leads_of
from notifications.services import notify
from recruiting.models import Requisition
from rpo_portal import fanout
from sla.models import (
    Breach,
    BreachEvent,
    BreachStatus,
    CorrectiveAction,
    ReliefClaim,
    ReliefReason,
    ReliefStatus,
    RemediationPlan,
    Warning,
    action_item_model,
)
from sla.runs import evaluation_schedule

RESPOND = "sla.respond_to_breach"
CLAIM_RELIEF = "sla.claim_relief"
ANSWER_RELIEF = "sla.answer_relief"
REOPEN = "sla.reopen_breach"
WAIVE = "sla.waive_breach"
LOG_ACTION_ITEM = "reviews.log_action_item"

Action = BreachEvent.Action
# Statuses in which the breach is still being worked on (not settled).
LIVE = (BreachStatus.OPEN, BreachStatus.ACKNOWLEDGED, BreachStatus.REMEDIATION_PLANNED)
FINISHED_ACTIONS = (ActionItemStatus.DONE, ActionItemStatus.CANCELLED)


@dataclass(frozen=True)
class CorrectiveActionInput:
    title: str
    owner: object  # a user, member of either party
    due_date: date
    description: str = ""


# --- helpers ---------------------------------------------------------------------------------


def _party(actor, engagement, perm: str, *, refusal: str = "Your role does not allow this.") -> str:
    if not actor.has_perm(perm, engagement):
        raise PermissionDenied(refusal)
    party = party_of(actor, engagement)
    if party is None:
        raise PermissionDenied("You are not a party to this engagement.")
    return party


def _locked(breach: Breach) -> Breach:
    return (
        Breach.objects.select_for_update(of=("self",))
        .select_related("engagement", "clause")
        .get(pk=breach.pk, engagement_id=breach.engagement_id)
    )


def _status_name(breach: Breach) -> str:
    return breach.get_status_display().lower()


def _require_status(breach: Breach, allowed, doing: str) -> None:
    if breach.status not in allowed:
        raise ValidationError(f"A breach that is {_status_name(breach)} cannot be {doing}.")


def _event(breach: Breach, *, action: str, actor, party: str, note: str = "", data=None):
    event = BreachEvent(
        engagement_id=breach.engagement_id,
        breach=breach,
        action=action,
        actor=actor,
        party=party,
        at=timezone.now(),
        note=note,
        data=data or {},
    )
    event.full_clean(exclude=["engagement", "breach", "actor"])
    event.save()
    return event


def _move(
    breach: Breach, status: str, *, action: str, actor, party: str, note: str = "", data=None
):
    before = breach.status
    breach.status = status
    breach.full_clean(exclude=["engagement", "clause"], validate_constraints=False)
    breach.save(update_fields=["status", "updated_at"])
    _event(
        breach,
        action=action,
        actor=actor,
        party=party,
        note=note,
        data={"from": before, "to": status, **(data or {})},
    )
    return breach


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(f"Give a reason {what}.")
    return text


def _credits_refresh(breach: Breach) -> None:
    """Evaluate the engagement again once this commits, so its ledger counts the change."""
    engagement_id = breach.engagement_id
    transaction.on_commit(lambda: evaluation_schedule(engagement_id=engagement_id), robust=True)


def breach_url(breach: Breach) -> str:
    return reverse(
        "breaches:detail", kwargs={"engagement_id": breach.engagement_id, "breach_id": breach.pk}
    )


# --- the provider's answer: acknowledge, plan, act, resolve ----------------------------------


@transaction.atomic
def breach_acknowledge(*, actor, breach: Breach, note: str = "") -> Breach:
    breach = _locked(breach)
    party = _party(actor, breach.engagement, RESPOND)
    _require_status(breach, (BreachStatus.OPEN,), "acknowledged")
    return _move(
        breach,
        BreachStatus.ACKNOWLEDGED,
        action=Action.ACKNOWLEDGED,
        actor=actor,
        party=party,
        note=note.strip(),
    )


def _corrective_action_create(
    *, actor, breach: Breach, action: CorrectiveActionInput
) -> CorrectiveAction:
    owner_party = party_of(action.owner, breach.engagement)
    item = action_item_model()(
        engagement=breach.engagement,
        title=action.title.strip(),
        description=action.description.strip(),
        owner=action.owner,
        party=owner_party or "",
        due_date=action.due_date,
        kpi=breach.clause.kpi,
        created_by=actor,
    )
    item.full_clean()
    item.save()
    link = CorrectiveAction(engagement=breach.engagement, breach=breach, action_item=item)
    link.full_clean(exclude=["engagement", "breach", "action_item"])
    link.save()
    return link


@transaction.atomic
def breach_plan_remediation(
    *,
    actor,
    breach: Breach,
    root_cause: str,
    actions: list[CorrectiveActionInput],
) -> Breach:
    """The provider's remediation plan: the root cause and at least one corrective action.

    On an acknowledged breach it sets the plan; on one already planned it revises the root
    cause and adds the actions given.
    """
    breach = _locked(breach)
    party = _party(actor, breach.engagement, RESPOND)
    _require_status(
        breach,
        (BreachStatus.ACKNOWLEDGED, BreachStatus.REMEDIATION_PLANNED),
        "given a remediation plan (acknowledge it first)",
    )
    root_cause = _reason(root_cause, "for the breach: its root cause")
    has_actions = CorrectiveAction.objects.filter(breach=breach).exists()
    if not actions and not has_actions:
        raise ValidationError("A remediation plan needs at least one corrective action.")
    plan = RemediationPlan.objects.filter(breach=breach).first()
    revised = plan is not None
    if plan is None:
        plan = RemediationPlan(engagement=breach.engagement, breach=breach, created_by=actor)
    old_root_cause = plan.root_cause
    plan.root_cause = root_cause
    plan.full_clean(exclude=["engagement", "breach", "created_by"])
    plan.save()
    created = [
        _corrective_action_create(actor=actor, breach=breach, action=action) for action in actions
    ]
    data = {
        "root_cause": root_cause,
        "corrective_actions": [link.action_item.title for link in created],
    }
    if revised:
        data["revised"] = True
        data["old_root_cause"] = old_root_cause
    if breach.status == BreachStatus.ACKNOWLEDGED:
        return _move(
            breach,
            BreachStatus.REMEDIATION_PLANNED,
            action=Action.REMEDIATION_PLANNED,
            actor=actor,
            party=party,
            note=root_cause,
            data=data,
        )
    _event(
        breach,
        action=Action.REMEDIATION_PLANNED,
        actor=actor,
        party=party,
        note=root_cause,
        data=data,
    )
    return breach


@transaction.atomic
def corrective_action_add(
    *, actor, breach: Breach, action: CorrectiveActionInput
) -> CorrectiveAction:
    """One more corrective action on a breach whose plan is set."""
    breach = _locked(breach)
    party = _party(actor, breach.engagement, RESPOND)
    _require_status(
        breach, (BreachStatus.REMEDIATION_PLANNED,), "given corrective actions (plan it first)"
    )
    link = _corrective_action_create(actor=actor, breach=breach, action=action)
    _event(
        breach,
        action=Action.REMEDIATION_PLANNED,
        actor=actor,
        party=party,
        note=f"Corrective action added: {link.action_item.title}",
        data={"corrective_actions": [link.action_item.title]},
    )
    return link


@transaction.atomic
def corrective_action_set_status(
    *, actor, corrective_action: CorrectiveAction, status: str
) -> CorrectiveAction:
    """Progress of a corrective action (its action item): open, in progress, done, cancelled."""
    _party(actor, corrective_action.engagement, LOG_ACTION_ITEM)
    item = (
        action_item_model()
        .objects.select_for_update()
        .get(pk=corrective_action.action_item_id, engagement_id=corrective_action.engagement_id)
    )
    item.status = status
    item.completed_at = timezone.now() if status == ActionItemStatus.DONE else None
    item.full_clean()
    item.save()
    corrective_action.action_item = item
    return corrective_action


@transaction.atomic
def breach_resolve(*, actor, breach: Breach, note: str = "") -> Breach:
    """The provider closes the breach once every corrective action is finished."""
    breach = _locked(breach)
    party = _party(actor, breach.engagement, RESPOND)
    _require_status(
        breach, (BreachStatus.REMEDIATION_PLANNED,), "resolved (it needs a remediation plan)"
    )
    items = list(
        action_item_model().objects.filter(corrective_action__breach=breach).only("title", "status")
    )
    unfinished = [item.title for item in items if item.status not in FINISHED_ACTIONS]
    if unfinished:
        raise ValidationError(
            "The breach can be resolved once its corrective actions are done; still open: "
            + "; ".join(unfinished)
            + "."
        )
    if not any(item.status == ActionItemStatus.DONE for item in items):
        raise ValidationError("At least one corrective action must be done to resolve it.")
    return _move(
        breach,
        BreachStatus.RESOLVED,
        action=Action.RESOLVED,
        actor=actor,
        party=party,
        note=note.strip(),
    )


# --- the client's decisions: reopen, waive ---------------------------------------------------


@transaction.atomic
def breach_reopen(*, actor, breach: Breach, reason: str) -> Breach:
    """The client's HR lead reopens a resolved breach (back to its plan) or withdraws a
    waiver (back to where it was, and its credit counts again)."""
    breach = _locked(breach)
    party = _party(
        actor, breach.engagement, REOPEN, refusal="Only the client's HR lead may reopen a breach."
    )
    _require_status(breach, (BreachStatus.RESOLVED, BreachStatus.WAIVED), "reopened")
    reason = _reason(reason, "for reopening")
    if breach.status == BreachStatus.RESOLVED:
        back_to = BreachStatus.REMEDIATION_PLANNED
    else:
        waived = breach.events.filter(action=Action.WAIVED).order_by("-at", "-id").first()
        back_to = (waived.data.get("from") if waived else None) or BreachStatus.OPEN
        _credits_refresh(breach)
    return _move(breach, back_to, action=Action.REOPENED, actor=actor, party=party, note=reason)


@transaction.atomic
def breach_waive(*, actor, breach: Breach, reason: str) -> Breach:
    """The client's HR lead forgoes the breach's credit."""
    breach = _locked(breach)
    party = _party(
        actor, breach.engagement, WAIVE, refusal="Only the client's HR lead may waive a breach."
    )
    _require_status(breach, LIVE, "waived")
    if breach.relief_claims.filter(status=ReliefStatus.PENDING).exists():
        raise ValidationError("Answer the pending relief claim before waiving the breach.")
    reason = _reason(reason, "for the waiver")
    _credits_refresh(breach)
    return _move(
        breach, BreachStatus.WAIVED, action=Action.WAIVED, actor=actor, party=party, note=reason
    )


# --- relief: claimed by the provider, answered by the client ---------------------------------


def _requisitions_of(breach: Breach, external_ids: list[str]) -> list[Requisition]:
    wanted = sorted({text.strip() for text in external_ids if text and text.strip()})
    found = list(
        Requisition.objects.filter(engagement_id=breach.engagement_id, external_id__in=wanted)
    )
    unknown = sorted(set(wanted) - {r.external_id for r in found})
    if unknown:
        raise ValidationError(
            {"requisitions": "Not requisitions of this engagement: " + ", ".join(unknown) + "."}
        )
    return found


@transaction.atomic
def relief_claim(
    *,
    actor,
    breach: Breach,
    reason: str,
    explanation: str,
    requisitions: list[str],
    days_lost: int,
) -> ReliefClaim:
    """The provider claims that a client-side cause made the breach."""
    breach = _locked(breach)
    party = _party(
        actor,
        breach.engagement,
        CLAIM_RELIEF,
        refusal="Only the provider's account managers may claim relief.",
    )
    _require_status(breach, LIVE, "claimed relief for")
    if breach.relief_claims.filter(status=ReliefStatus.PENDING).exists():
        raise ValidationError("A relief claim on this breach is already waiting for an answer.")
    found = _requisitions_of(breach, requisitions)
    claim = ReliefClaim(
        engagement=breach.engagement,
        breach=breach,
        reason=reason,
        explanation=(explanation or "").strip(),
        days_lost=days_lost,
        claimed_by=actor,
        claimed_at=timezone.now(),
    )
    claim.full_clean(exclude=["engagement", "breach", "claimed_by"], validate_constraints=False)
    claim.save()
    claim.requisitions.set(found)
    _event(
        breach,
        action=Action.RELIEF_CLAIMED,
        actor=actor,
        party=party,
        note=claim.explanation,
        data={
            "claim": claim.pk,
            "reason": reason,
            "days_lost": days_lost,
            "requisitions": [r.external_id for r in found],
        },
    )
    _notify_relief(claim, breach, event="claimed")
    return claim


def _locked_claim(claim: ReliefClaim) -> ReliefClaim:
    return ReliefClaim.objects.select_for_update(of=("self",)).get(
        pk=claim.pk, engagement_id=claim.engagement_id
    )


def _answering_party(actor, breach: Breach) -> str:
    if party_of(actor, breach.engagement) == "provider":
        raise PermissionDenied(
            "The provider cannot answer its own relief claim: the client's HR lead does."
        )
    return _party(
        actor,
        breach.engagement,
        ANSWER_RELIEF,
        refusal="Only the client's HR lead may answer a relief claim.",
    )


@transaction.atomic
def relief_accept(*, actor, claim: ReliefClaim, note: str = "") -> ReliefClaim:
    """The client's HR lead accepts: the breach is excused (no credit, not a repeat)."""
    breach = _locked(claim.breach)
    party = _answering_party(actor, breach)
    claim = _locked_claim(claim)
    if claim.status != ReliefStatus.PENDING:
        raise ValidationError(f"This relief claim is already {claim.get_status_display().lower()}.")
    _require_status(breach, LIVE, "excused")
    claim.status = ReliefStatus.ACCEPTED
    claim.answered_by = actor
    claim.answered_at = timezone.now()
    claim.answer_note = note.strip()
    claim.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
    _move(
        breach,
        BreachStatus.EXCUSED,
        action=Action.RELIEF_ACCEPTED,
        actor=actor,
        party=party,
        note=claim.answer_note,
        data={"claim": claim.pk},
    )
    _credits_refresh(breach)
    _notify_relief(claim, breach, event="accepted")
    return claim


@transaction.atomic
def relief_reject(*, actor, claim: ReliefClaim, reason: str) -> ReliefClaim:
    """The client's HR lead rejects, with a reason: the breach goes on as before."""
    breach = _locked(claim.breach)
    party = _answering_party(actor, breach)
    claim = _locked_claim(claim)
    if claim.status != ReliefStatus.PENDING:
        raise ValidationError(f"This relief claim is already {claim.get_status_display().lower()}.")
    reason = _reason(reason, "for rejecting the claim")
    claim.status = ReliefStatus.REJECTED
    claim.answered_by = actor
    claim.answered_at = timezone.now()
    claim.answer_note = reason
    claim.save(update_fields=["status", "answered_by", "answered_at", "answer_note"])
    _event(
        breach,
        action=Action.RELIEF_REJECTED,
        actor=actor,
        party=party,
        note=reason,
        data={"claim": claim.pk},
    )
    _notify_relief(claim, breach, event="rejected")
    return claim


# --- notifications ---------------------------------------------------------------------------


def _breach_line(breach: Breach) -> str:
    clause = breach.clause
    return (
        f"{clause.definition.name} was {kpi_value(breach.value, clause.kpi)} in {breach.period} "
        f"(n = {breach.n}); clause {clause.key} sets {plain(breach.threshold)}."
    )


def _notify_relief(claim: ReliefClaim, breach: Breach, *, event: str) -> None:
    engagement = breach.engagement
    actor = claim.claimed_by if event == "claimed" else claim.answered_by
    clause = breach.clause
    if event == "claimed":
        subject = f"Relief claimed on the {clause.key} breach of {breach.period}"
        body = (
            f"{claim.claimed_by} claims relief: {ReliefReason(claim.reason).label}, "
            f"{claim.days_lost} day{'s' if claim.days_lost != 1 else ''} lost.\n"
            f"{claim.explanation}\n{_breach_line(breach)}\n"
            "The client's HR lead accepts (the breach is excused) or rejects it."
        )
    else:
        subject = f"Relief claim {event} on the {clause.key} breach of {breach.period}"
        body = f"{claim.answered_by} {event} the relief claim."
        if claim.answer_note:
            body += f" {claim.answer_note}"
        if event == "accepted":
            body += "\nThe breach is excused: it carries no credit and does not count as a repeat."
    notify(
        engagement=engagement,
        event_key=f"relief:{claim.pk}:{event}",
        kind=f"relief_{event}",
        subject=subject,
        body=body,
        url=breach_url(breach),
        # The other people concerned: whoever claimed or answered already knows.
        recipients=[lead for lead in leads_of(engagement=engagement) if lead.pk != actor.pk],
    )


def sla_events_notify(*, events: dict) -> int:
    """The evaluation's last step: tell each lead of both parties of every new breach and
    warning. Returns how many notifications were created (none the second time)."""
    created = 0
    leads: dict[int, list] = {}

    def leads_for(engagement):
        if engagement.pk not in leads:
            leads[engagement.pk] = leads_of(engagement=engagement)
        return leads[engagement.pk]

    breaches = Breach.objects.filter(pk__in=events.get("new_breach_ids") or []).select_related(
        "engagement", "clause"
    )
    # Each event on its own: one that cannot be told is logged, and the others still are.
    for breach in breaches:
        with fanout.item("Breach notification", engagement=breach.engagement_id, breach=breach.pk):
            created += len(
                notify(
                    engagement=breach.engagement,
                    event_key=f"breach:{breach.pk}:opened",
                    kind="breach",
                    subject=f"SLA breach: {breach.clause.key} in {breach.period}",
                    body=_breach_line(breach)
                    + "\nThe provider acknowledges it and plans its remedy, or claims relief.",
                    url=breach_url(breach),
                    recipients=leads_for(breach.engagement),
                )
            )
    warnings = Warning.objects.filter(pk__in=events.get("new_warning_ids") or []).select_related(
        "engagement", "clause"
    )
    for warning in warnings:
        clause = warning.clause
        with fanout.item(
            "Warning notification", engagement=warning.engagement_id, warning=warning.pk
        ):
            created += len(
                notify(
                    engagement=warning.engagement,
                    event_key=f"warning:{warning.pk}:raised",
                    kind="warning",
                    subject=f"SLA warning: {clause.key} heading for a breach in {warning.period}",
                    body=(
                        f"{clause.definition.name} is {kpi_value(warning.value, clause.kpi)} "
                        f"so far in {warning.period} (n = {warning.n}); clause {clause.key} "
                        f"sets {plain(clause.threshold)}. The period is still open."
                    ),
                    url=reverse("breaches:list", kwargs={"engagement_id": warning.engagement_id}),
                    recipients=leads_for(warning.engagement),
                )
            )
    return created
