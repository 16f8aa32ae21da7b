"""The engagement's commercial terms: the monthly fee and the at-risk %, effective-dated.

Every term that moves money is agreed by both parties through the two-party agreement
(`engagements.agreement`): one party proposes new terms from the first of a month, the other
agrees or rejects, and every step is kept. The terms in force on a day are the agreed terms
with the latest `effective_from` on or before it (among several agreed for the same month, the
last agreed); a period's credits use the terms in force then, so agreeing new terms never
changes a past quarter's credits. The engagement's first terms are those it was set up with
(agreed, with no proposer).
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from engagements import agreement
from engagements.models import Engagement, at_risk_pct_field, monthly_fee_field


@pghistory.track()
class CommercialTerms(agreement.Proposal):
    """A monthly fee and an at-risk % from the first of a month, once both parties agree."""

    engagement = models.ForeignKey(
        Engagement, on_delete=models.CASCADE, related_name="commercial_terms"
    )
    effective_from = models.DateField(help_text="The first day of the month the terms apply.")
    monthly_fee = monthly_fee_field()
    at_risk_pct = at_risk_pct_field()
    # The terms an engagement was set up with were agreed in the contract itself: no proposer.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_by_party = models.CharField(max_length=10, choices=agreement.Party.choices, blank=True)

    class Meta:
        ordering = ["-effective_from", "-id"]
        verbose_name_plural = "commercial terms"
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__day=1), name="commercial_terms_from_first_of_month"
            ),
            models.CheckConstraint(
                condition=Q(monthly_fee__gte=0), name="commercial_terms_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(at_risk_pct__isnull=True) | Q(at_risk_pct__gte=0),
                name="commercial_terms_at_risk_pct_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["engagement", "state", "effective_from"])]

    def __str__(self) -> str:
        return f"Monthly fee {self.monthly_fee} from {self.effective_from:%Y-%m}"

    @property
    def is_initial(self) -> bool:
        """The terms the engagement was set up with (no proposal behind them)."""
        return self.proposed_by_id is None

    def clean(self) -> None:
        if self.effective_from and self.effective_from.day != 1:
            raise ValidationError(
                {"effective_from": "Terms take effect on the first day of a month."}
            )


@pghistory.track(model_name="CommercialTermsStepHistory")
class CommercialTermsStep(agreement.AgreementStep):
    """Every step of a negotiation of terms: who did what, when, and what changed."""

    terms = models.ForeignKey(CommercialTerms, on_delete=models.CASCADE, related_name="steps")

    class Meta(agreement.AgreementStep.Meta):
        pass
