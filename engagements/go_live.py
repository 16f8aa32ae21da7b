"""The engagement's go-live date: the day the provider took over recruiting.

It is a contract term both parties agree to (`engagements.agreement`), like the commercial
terms: one party proposes a date, the other agrees or rejects, and every step is kept. The
date in force is the one agreed last; `Engagement.go_live_date` mirrors it and only
`engagements.go_live_services` writes it. An engagement created with a go-live date has it
agreed in the contract itself (no proposer).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models

from engagements import agreement
from engagements.models import Engagement


@pghistory.track()
class GoLiveDate(agreement.Proposal):
    """A go-live date that applies once both parties agree."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="go_lives")
    go_live_date = models.DateField(
        help_text="The first day the provider runs recruiting: the day before it is baseline."
    )
    # The date an engagement was set up with was agreed in the contract itself: no proposer.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_by_party = models.CharField(max_length=10, choices=agreement.Party.choices, blank=True)

    class Meta:
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["engagement", "state"])]

    def __str__(self) -> str:
        return f"Go-live on {self.go_live_date}"

    @property
    def is_initial(self) -> bool:
        return self.proposed_by_id is None


@pghistory.track(model_name="GoLiveDateStepHistory")
class GoLiveDateStep(agreement.AgreementStep):
    """Every step of a negotiation of the go-live date."""

    proposal = models.ForeignKey(GoLiveDate, on_delete=models.CASCADE, related_name="steps")

    class Meta(agreement.AgreementStep.Meta):
        pass
