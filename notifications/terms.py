"""Notifications of commercial terms: engagements announce a proposal and its answer
(`engagements.signals.commercial_terms_changed`); this tells both parties' negotiators."""

from __future__ import annotations

from accounts.models import Role, User
from engagements.models import Engagement
from engagements.terms_services import terms_url
from notifications.selectors import leads_of
from notifications.services import notify
from rpo_portal import formats


def on_commercial_terms_changed(sender, *, terms, event: str, actor, **kwargs) -> None:
    _notify(terms, event=event, actor=actor)


def _notify(terms, *, event: str, actor) -> None:
    """Tell the negotiators of both parties (the program manager, account lead, admins, HR
    leads and account managers) of a proposal and its answer, once per event and person."""
    engagement = terms.engagement
    fee = formats.money(terms.monthly_fee, engagement.currency)
    at_risk = (
        "no at-risk cap"
        if terms.at_risk_pct is None
        else f"at risk {formats.percent(terms.at_risk_pct)} of a quarter's fee"
    )
    what = f"monthly fee {fee}, {at_risk}, from {terms.effective_from:%B %Y}"
    subjects = {
        "proposed": f"Commercial terms proposed: {what}",
        "agreed": f"Commercial terms agreed: {what}",
        "rejected": f"Commercial terms rejected: {what}",
    }
    bodies = {
        "proposed": f"{actor} proposed new commercial terms ({what}). The other party agrees "
        "or rejects them; until then the terms in force stay.",
        "agreed": f"{actor} agreed to the commercial terms ({what}). Credits from "
        f"{terms.effective_from:%B %Y} use them; earlier periods keep the terms in force then.",
        "rejected": f"{actor} rejected the proposed commercial terms ({what}).",
    }
    notify(
        engagement=engagement,
        event_key=f"terms:{terms.pk}:{event}",
        kind=f"terms_{event}",
        subject=subjects[event],
        body=bodies[event]
        + (f"\nNote: {terms.note}" if event == "proposed" and terms.note else ""),
        url=terms_url(engagement.pk),
        recipients=[person for person in _negotiators(engagement) if person.pk != actor.pk],
    )


def _negotiators(engagement: Engagement) -> list:
    """Each lead of both parties and, since they may negotiate terms too, their admins."""
    admins = User.objects.filter(
        is_active=True,
        memberships__organization_id__in=(engagement.client_id, engagement.provider_id),
        memberships__role__in=(Role.CLIENT_ADMIN, Role.PROVIDER_ADMIN),
    )
    return [*leads_of(engagement=engagement), *admins]
