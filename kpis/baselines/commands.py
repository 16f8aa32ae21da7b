"""What the baseline commands share: the engagement and the people they name."""

from __future__ import annotations

from django.core.management.base import CommandError

from accounts.models import Role, User
from engagements.access import party_of
from engagements.models import Engagement


def engagement_named(slug: str) -> Engagement:
    engagement = Engagement.objects.filter(slug=slug).first()
    if engagement is None:
        raise CommandError(f"No engagement with slug {slug!r}.")
    return engagement


def member_named(email: str, engagement: Engagement, option: str) -> User:
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None or party_of(user, engagement) is None:
        raise CommandError(f"{option} {email}: not a member of {engagement.slug}'s parties.")
    return user


def default_proposer(engagement: Engagement) -> User:
    """Without --proposed-by: the engagement's program manager if they may negotiate, else the
    provider's first account manager (by e-mail)."""
    manager = engagement.program_manager
    if manager is not None and manager.has_perm("kpis.propose_baseline", engagement):
        return manager
    user = (
        User.objects.filter(
            is_active=True,
            memberships__organization=engagement.provider,
            memberships__role=Role.ACCOUNT_MANAGER,
        )
        .order_by("email")
        .first()
    )
    if user is None:
        raise CommandError(
            f"{engagement.slug} has no account manager to propose: give --proposed-by EMAIL."
        )
    return user
