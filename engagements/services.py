"""Writes for engagements."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pghistory
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import OrganizationKind, User
from accounts.services import organization_get_or_create
from engagements.go_live_services import go_live_initial
from engagements.models import Engagement
from engagements.signals import engagement_data_changed
from engagements.terms_services import commercial_terms_initial


@transaction.atomic
def engagement_create(
    *,
    actor: User | None,
    client_name: str,
    provider_name: str,
    slug: str,
    name: str = "",
    currency: str = "USD",
    monthly_fee: Decimal = Decimal("0"),
    model: str = "end_to_end",
    start_date: date | None = None,
    end_date: date | None = None,
    regions: list[str] | None = None,
    departments: list[str] | None = None,
    job_families: list[str] | None = None,
    at_risk_pct: Decimal | None = None,
    go_live_date: date | None = None,
) -> Engagement:
    """Create an engagement between two organizations, creating either if it is missing.

    All or nothing: an invalid engagement leaves no new organization behind either.
    """
    if Engagement.objects.filter(slug=slug).exists():
        raise ValidationError(f"An engagement with slug {slug!r} already exists.")
    client, _ = organization_get_or_create(name=client_name, kind=OrganizationKind.CLIENT)
    provider, _ = organization_get_or_create(name=provider_name, kind=OrganizationKind.PROVIDER)
    engagement = Engagement(
        client=client,
        provider=provider,
        name=name or f"{client.name} / {provider.name}",
        slug=slug,
        currency=currency.upper(),
        monthly_fee=monthly_fee,
        at_risk_pct=at_risk_pct,
        model=model,
        start_date=start_date,
        end_date=end_date,
        regions=regions or [],
        departments=departments or [],
        job_families=job_families or [],
    )
    engagement.full_clean()
    engagement.save()
    commercial_terms_initial(engagement=engagement)
    if go_live_date is not None:
        go_live_initial(engagement=engagement, go_live_date=go_live_date)
    return engagement


# Terms that move money change only by an agreement of both parties (engagements.terms_services).
NEGOTIATED_FIELDS = {"monthly_fee": "monthly fee", "at_risk_pct": "at-risk %"}
NEGOTIATED_REFUSAL = (
    "The {fields} {verb} commercial terms both parties agree to: propose new terms on the "
    "engagement's Commercial terms page, and the other party agrees or rejects them."
)


def negotiated_refusal(fields: list[str]) -> str:
    names = " and ".join(NEGOTIATED_FIELDS[field] for field in fields)
    return NEGOTIATED_REFUSAL.format(fields=names, verb="are" if len(fields) > 1 else "is")


@transaction.atomic
def engagement_update(*, actor: User, engagement: Engagement, **changes) -> Engagement:
    """Change an engagement's contract; the history trigger records who changed what.

    Refuses a change of the monthly fee or the at-risk %: one party alone may not change what
    moves money (the same values, as an edit form sends them back, are no change)."""
    negotiated = [
        field
        for field in NEGOTIATED_FIELDS
        if field in changes and negotiated_value(changes[field]) != getattr(engagement, field)
    ]
    if negotiated:
        raise ValidationError(negotiated_refusal(negotiated))
    if "go_live_date" in changes and not same_go_live(changes["go_live_date"], engagement):
        raise ValidationError(GO_LIVE_REFUSAL)
    # The metric policy changes KPI values: recompute them like after an import.
    policy_changed = (
        "exclude_on_hold" in changes and changes["exclude_on_hold"] != engagement.exclude_on_hold
    )
    for field, value in changes.items():
        setattr(engagement, field, value)
    engagement.full_clean()
    with pghistory.context(user=actor.pk):
        engagement.save()
    if policy_changed:
        engagement_mark_data_changed(engagement=engagement)
    return engagement


GO_LIVE_REFUSAL = (
    "The go-live date is a term both parties agree to: propose a new date on the engagement's "
    "Commercial terms page, and the other party agrees or rejects it."
)


def same_go_live(value, engagement: Engagement) -> bool:
    """Whether a go-live date as sent (a date, text or blank) is the one in force."""
    current = engagement.go_live_date
    if value in (None, ""):
        return current is None
    return str(value) == (current.isoformat() if current else None)


def negotiated_value(value) -> Decimal | None:
    """A fee or at-risk % as sent (text, number or blank), to compare with the stored one."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return value


def engagement_mark_data_changed(*, engagement: Engagement) -> None:
    """Record that recruiting data changed, so the next KPI recompute picks it up.

    Announced to the layers above (`engagements.signals`): the pipeline marks the KPI state
    changed and, once the change commits, enqueues a recompute of this engagement shortly
    after (debounced: a burst of imports enqueues one run).
    """
    engagement_data_changed.send(sender=Engagement, engagement=engagement)
