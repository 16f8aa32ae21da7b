"""Builders of test data, shared by the tests and the benchmarks (no pytest needed)."""

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import Membership, Organization, OrganizationKind, Role, User
from engagements.models import Engagement
from kpis.target_services import target_agree, target_propose
from reviews.services import action_item_create

PASSWORD = "correct-horse-battery"  # noqa: S105


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Client {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")
    kind = OrganizationKind.CLIENT


class ProviderFactory(OrganizationFactory):
    name = factory.Sequence(lambda n: f"Provider {n}")
    kind = OrganizationKind.PROVIDER


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.HR_LEAD


class EngagementFactory(DjangoModelFactory):
    class Meta:
        model = Engagement

    client = factory.SubFactory(OrganizationFactory)
    provider = factory.SubFactory(ProviderFactory)
    name = factory.LazyAttribute(lambda o: f"{o.client.name} / {o.provider.name}")
    slug = factory.Sequence(lambda n: f"engagement-{n}")
    currency = "USD"
    monthly_fee = 50000


def member(organization: Organization, role: str, **kwargs) -> User:
    """A new user holding `role` in `organization`."""
    return MembershipFactory(organization=organization, role=role, **kwargs).user


def targets_agree(
    engagement: Engagement,
    targets,
    *,
    proposer: User,
    agreer: User,
    effective_from: date = date(2024, 1, 1),
    min_sample_size: int = 1,
) -> None:
    """Each of `targets`, (kpi, grain, target, at risk, breach[, minimum n]), proposed by
    `proposer` and agreed by `agreer`, in force from `effective_from`."""
    for kpi, grain, target, at_risk, breach, *minimum in targets:
        proposal = target_propose(
            actor=proposer,
            engagement=engagement,
            kpi=kpi,
            grain=grain,
            effective_from=effective_from,
            target_value=Decimal(target),
            at_risk_threshold=Decimal(at_risk),
            breach_threshold=Decimal(breach),
            min_sample_size=minimum[0] if minimum else min_sample_size,
        )
        target_agree(actor=agreer, target=proposal)


def action_items_due(engagement: Engagement, due, *, actor: User, owner: User, **fields) -> list:
    """An action item for `owner`, logged by `actor`, per (days from today, title) in `due`."""
    today = timezone.localdate()
    return [
        action_item_create(
            actor=actor,
            engagement=engagement,
            title=title,
            owner=owner,
            due_date=today + timedelta(days=days),
            **fields,
        )
        for days, title in due
    ]


# An address no mail can be sent to (a header injection), for a person whose e-mail must fail.
UNSENDABLE_ADDRESS = "broken@example.com\r\nBcc: everyone@example.com"


def make_unsendable(user: User) -> None:
    """Give `user` the unsendable address, stored past validation (as old or raw data is)."""
    User.objects.filter(pk=user.pk).update(email=UNSENDABLE_ADDRESS)
