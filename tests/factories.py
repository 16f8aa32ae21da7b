import factory
from factory.django import DjangoModelFactory

from accounts.models import Membership, Organization, OrganizationKind, Role, User
from engagements.models import Engagement

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
