from decimal import Decimal

import pghistory
import pycountry
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from accounts.models import Organization, OrganizationKind
from rpo_portal.text_rules import OneLineCharField

# The one answer for a person field given anyone but a member of the engagement's parties:
# the same words for another platform user and for an id that does not exist, naming nobody,
# so that ids reveal neither who is on the platform nor their names.
NOT_A_MEMBER = "Choose a member of this engagement's client or provider."


def validate_currency(code: str) -> None:
    if pycountry.currencies.get(alpha_3=code or "") is None:
        raise ValidationError(f"{code!r} is not an ISO 4217 currency code.")


class EngagementModel(models.TextChoices):
    END_TO_END = "end_to_end", "End-to-end"
    PROJECT_BASED = "project_based", "Project-based"
    HYBRID = "hybrid", "Hybrid"


class EngagementStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


def _text_list(verbose_name: str) -> ArrayField:
    return ArrayField(
        OneLineCharField(max_length=100), default=list, blank=True, verbose_name=verbose_name
    )


def monthly_fee_field(**kwargs) -> models.DecimalField:
    return models.DecimalField(
        max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0"))], **kwargs
    )


def at_risk_pct_field() -> models.DecimalField:
    return models.DecimalField(
        "at-risk %",
        max_digits=7,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="All SLA credits of one quarter together are at most this % of the quarter's "
        "fee. Blank: no overall cap.",
    )


@pghistory.track()
class Engagement(models.Model):
    """One contract between a client organization and an RPO provider: the unit of tenancy."""

    client = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="client_engagements",
        limit_choices_to={"kind": OrganizationKind.CLIENT},
    )
    provider = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="provider_engagements",
        limit_choices_to={"kind": OrganizationKind.PROVIDER},
    )
    name = OneLineCharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    model = models.CharField(
        max_length=20, choices=EngagementModel.choices, default=EngagementModel.END_TO_END
    )
    regions = _text_list("regions in scope")
    departments = _text_list("departments in scope")
    job_families = _text_list("job families in scope")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency])
    # The terms in force today, kept so by engagements.terms_services only (the agreed,
    # effective-dated terms are engagements.commercial.CommercialTerms).
    monthly_fee = monthly_fee_field(default=Decimal("0.00"))
    at_risk_pct = at_risk_pct_field()
    # The agreed go-live date, kept so by engagements.go_live_services only.
    go_live_date = models.DateField(
        "go-live date",
        null=True,
        blank=True,
        help_text="The first day the provider runs recruiting (agreed by both parties).",
    )
    status = models.CharField(
        max_length=10, choices=EngagementStatus.choices, default=EngagementStatus.ACTIVE
    )
    program_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Runs the programme day to day (usually on the provider's side).",
    )
    account_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Owns the relationship (usually on the client's side).",
    )
    # Metric policy (docs/data-contract.md section 3, time_to_fill).
    exclude_on_hold = models.BooleanField(
        default=False,
        help_text="Subtract requisitions' on-hold days from time to fill.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="engagement_term_in_order",
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_fee__gte=0), name="engagement_fee_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(at_risk_pct__isnull=True) | models.Q(at_risk_pct__gte=0),
                name="engagement_at_risk_pct_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(client=models.F("provider")),
                name="engagement_parties_differ",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.client_id and self.client.kind != OrganizationKind.CLIENT:
            errors["client"] = f"{self.client} is not a client organization."
        if self.provider_id and self.provider.kind != OrganizationKind.PROVIDER:
            errors["provider"] = f"{self.provider} is not a provider organization."
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "The term cannot end before it starts."
        party_ids = {self.client_id, self.provider_id}
        for field in ("program_manager", "account_lead"):
            person = getattr(self, field)
            if (
                person is not None
                and not person.memberships.filter(organization_id__in=party_ids).exists()
            ):
                errors[field] = NOT_A_MEMBER
        if errors:
            raise ValidationError(errors)


__all__ = [
    "Engagement",
    "EngagementModel",
    "EngagementStatus",
    "at_risk_pct_field",
    "monthly_fee_field",
    "validate_currency",
]
