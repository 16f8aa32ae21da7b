"""Two-party agreement: one party proposes terms, the other agrees, rejects or counters.

Every term both parties of an engagement must sign off (KPI targets, SLA schedules) is a
`Proposal` with a step model (`AgreementStep`) that keeps who did what, when, and what changed.
The functions here hold the rules once: only a negotiator of the engagement may propose or
answer, only the *other* party may answer, a proposal is answered once, and a counter is a
new proposal (for the first party to answer) that points at the one it replaces.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone

from engagements.access import party_of


class Party(models.TextChoices):
    CLIENT = "client", "Client"
    PROVIDER = "provider", "Provider"


class AgreementState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    AGREED = "agreed", "Agreed"
    REJECTED = "rejected", "Rejected"
    COUNTERED = "countered", "Countered"


class Proposal(models.Model):
    """Who proposed the terms, and how the other party answered."""

    state = models.CharField(
        max_length=10, choices=AgreementState.choices, default=AgreementState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_by_party = models.CharField(max_length=10, choices=Party.choices)
    proposed_at = models.DateTimeField()
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    responded_at = models.DateTimeField(null=True, blank=True)
    replaces = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="counter_proposals",
        help_text="The proposal this one counters.",
    )
    note = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.state == AgreementState.PROPOSED


class AgreementStep(models.Model):
    """One step of a negotiation; concrete models add the FK to their proposal."""

    class Action(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        AGREED = "agreed", "Agreed"
        REJECTED = "rejected", "Rejected"
        COUNTERED = "countered", "Countered"

    engagement = models.ForeignKey(
        "engagements.Engagement", on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=10, choices=Party.choices)
    at = models.DateTimeField()
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor} at {self.at:%Y-%m-%d %H:%M}"


def jsonable(value: Any) -> Any:
    """A term as it is kept in a step's `changes` (JSON)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def terms_changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The terms a counter-proposal changes, each as [before, after]."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }


def negotiator_party(actor, engagement, perm: str) -> str:
    """The party `actor` negotiates for, if their role allows `perm` in this engagement."""
    if not actor.has_perm(perm, engagement):
        raise PermissionDenied("Your role does not allow this.")
    party = party_of(actor, engagement)
    if party is None:
        raise PermissionDenied("You are not a party to this engagement.")
    return party


def step_record(
    proposal: Proposal,
    *,
    action: str,
    actor,
    party: str,
    changes: dict,
    note: str = "",
) -> AgreementStep:
    """Keep one step on the proposal's history (its `steps` relation)."""
    return proposal.steps.create(
        engagement_id=proposal.engagement_id,
        action=action,
        actor=actor,
        party=party,
        at=timezone.now(),
        changes=changes,
        note=note,
    )


def proposal_make(
    model: type[Proposal],
    *,
    actor,
    engagement,
    perm: str,
    replaces: Proposal | None = None,
    note: str = "",
    **terms,
) -> Proposal:
    """A new proposal of `model` with `terms`, by the party `actor` negotiates for (their role
    must allow `perm`), checked and saved; `proposed_record` keeps its first step once its
    changes are known. Call inside a transaction."""
    party = negotiator_party(actor, engagement, perm)
    proposal = model(
        engagement=engagement,
        proposed_by=actor,
        proposed_by_party=party,
        proposed_at=timezone.now(),
        replaces=replaces,
        note=note,
        **terms,
    )
    proposal.full_clean()
    proposal.save()
    return proposal


def proposed_record(proposal: Proposal, changes: dict) -> AgreementStep:
    """The `proposed` step of a proposal made by `proposal_make`, with the terms it sets or
    changes."""
    return step_record(
        proposal,
        action=AgreementStep.Action.PROPOSED,
        actor=proposal.proposed_by,
        party=proposal.proposed_by_party,
        changes=changes,
        note=proposal.note,
    )


def proposal_answer(*, actor, proposal: Proposal, state: str, perm: str) -> str:
    """Record the other party's answer on a proposal still open; returns the answering party.

    Locks the proposal's row so two answers cannot both win. Call inside a transaction.
    """
    model = type(proposal)
    locked = model.objects.select_for_update().select_related("engagement").get(pk=proposal.pk)
    party = negotiator_party(actor, locked.engagement, perm)
    if party == locked.proposed_by_party:
        raise PermissionDenied("The other party must respond to this proposal.")
    if locked.state != AgreementState.PROPOSED:
        raise ValidationError(f"This proposal is already {locked.get_state_display().lower()}.")
    model.objects.filter(pk=locked.pk).update(
        state=state, responded_by=actor, responded_at=timezone.now()
    )
    proposal.refresh_from_db()
    return party


def proposal_agree(
    *, actor, proposal: Proposal, perm: str, note: str = "", on_agreed: Callable | None = None
) -> Proposal:
    party = proposal_answer(actor=actor, proposal=proposal, state=AgreementState.AGREED, perm=perm)
    step_record(
        proposal,
        action=AgreementStep.Action.AGREED,
        actor=actor,
        party=party,
        changes={"state": "agreed"},
        note=note,
    )
    if on_agreed is not None:
        on_agreed(proposal)
    return proposal


def proposal_reject(*, actor, proposal: Proposal, perm: str, note: str = "") -> Proposal:
    party = proposal_answer(
        actor=actor, proposal=proposal, state=AgreementState.REJECTED, perm=perm
    )
    step_record(
        proposal,
        action=AgreementStep.Action.REJECTED,
        actor=actor,
        party=party,
        changes={"state": "rejected"},
        note=note,
    )
    return proposal


@dataclass(frozen=True)
class Answers:
    """The agree and reject services of one kind of proposal (a KPI target, an SLA schedule),
    each one transaction: `agree(actor=..., <name>=proposal, note=...)`. `perm` is what an
    answer needs, `on_agreed` what follows an agreement."""

    name: str  # the proposal's keyword: "target", "schedule"
    perm: str
    on_agreed: Callable | None = None

    def _proposal(self, named: dict) -> Proposal:
        if set(named) != {self.name}:
            raise TypeError(f"expected the keyword argument {self.name!r}, got {sorted(named)}")
        return named[self.name]

    def agree(self, *, actor, note: str = "", **named) -> Proposal:
        proposal, perm = self._proposal(named), self.perm
        with transaction.atomic():
            return proposal_agree(
                actor=actor, proposal=proposal, perm=perm, note=note, on_agreed=self.on_agreed
            )

    def reject(self, *, actor, note: str = "", **named) -> Proposal:
        proposal = self._proposal(named)
        with transaction.atomic():
            return proposal_reject(actor=actor, proposal=proposal, perm=self.perm, note=note)


def proposal_counter(
    *, actor, proposal: Proposal, perm: str, propose: Callable[[], Proposal], note: str = ""
) -> Proposal:
    """Mark `proposal` countered and make the counter with `propose()` (which records its own
    `proposed` step with `replaces=proposal`); returns the counter-proposal."""
    party = proposal_answer(
        actor=actor, proposal=proposal, state=AgreementState.COUNTERED, perm=perm
    )
    counter = propose()
    step_record(
        proposal,
        action=AgreementStep.Action.COUNTERED,
        actor=actor,
        party=party,
        changes={"state": "countered", "counter_proposal": counter.pk},
        note=note,
    )
    return counter
