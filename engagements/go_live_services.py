"""The negotiation of the go-live date: one party proposes a date, the other agrees or
rejects; every step is kept (`engagements.agreement`). The date agreed last is in force and
mirrored on `Engagement.go_live_date`, which only this module writes."""

from __future__ import annotations

from datetime import date

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from engagements import agreement
from engagements.go_live import GoLiveDate
from engagements.models import Engagement
from engagements.signals import engagement_data_changed

# The same negotiators as the commercial terms: a party's admin, HR lead or account manager.
PROPOSE = "engagements.propose_terms"
AGREE = "engagements.agree_terms"
INITIAL_NOTE = "The go-live date the engagement was set up with."


def go_live_initial(*, engagement: Engagement, go_live_date: date) -> GoLiveDate:
    """The date an engagement is set up with, agreed in the contract itself (no proposer).
    Call inside a transaction."""
    now = timezone.now()
    item = GoLiveDate(
        engagement=engagement,
        go_live_date=go_live_date,
        state=agreement.AgreementState.AGREED,
        proposed_at=now,
        responded_at=now,
        note=INITIAL_NOTE,
    )
    item.full_clean()
    item.save()
    _mirror(engagement, go_live_date, actor=None)
    return item


@transaction.atomic
def go_live_propose(
    *, actor, engagement: Engagement, go_live_date: date, note: str = ""
) -> GoLiveDate:
    """One party proposes a go-live date; it applies once the other party agrees."""
    if go_live_date is None:
        raise ValidationError({"go_live_date": "Give the go-live date."})
    if go_live_date == engagement.go_live_date:
        raise ValidationError(
            {"go_live_date": f"The go-live date is already {go_live_date:%-d %B %Y}."}
        )
    item = agreement.proposal_make(
        GoLiveDate,
        actor=actor,
        engagement=engagement,
        perm=PROPOSE,
        note=note,
        go_live_date=go_live_date,
    )
    agreement.proposed_record(
        item,
        agreement.terms_changed(
            {"go_live_date": agreement.jsonable(engagement.go_live_date)},
            {"go_live_date": agreement.jsonable(go_live_date)},
        ),
    )
    return item


@transaction.atomic
def go_live_agree(*, actor, proposal: GoLiveDate, note: str = "") -> GoLiveDate:
    """The other party agrees: the date is the engagement's go-live date from now on."""
    agreement.proposal_agree(actor=actor, proposal=proposal, perm=AGREE, note=note)
    engagement = Engagement.objects.select_for_update().get(pk=proposal.engagement_id)
    _mirror(engagement, proposal.go_live_date, actor=actor)
    # What is compared with the baseline starts at go-live: the pages and pack follow.
    engagement_data_changed.send(sender=Engagement, engagement=engagement)
    return proposal


@transaction.atomic
def go_live_reject(*, actor, proposal: GoLiveDate, note: str = "") -> GoLiveDate:
    agreement.proposal_reject(actor=actor, proposal=proposal, perm=AGREE, note=note)
    return proposal


def _mirror(engagement: Engagement, go_live_date: date, *, actor) -> None:
    if engagement.go_live_date == go_live_date:
        return
    engagement.go_live_date = go_live_date
    with pghistory.context(user=getattr(actor, "pk", None)):
        engagement.save(update_fields=["go_live_date"])
