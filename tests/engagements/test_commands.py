import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Membership, Organization, User
from engagements.models import Engagement

pytestmark = pytest.mark.django_db


def test_create_engagement_creates_missing_organizations(capsys):
    call_command(
        "create_engagement",
        "--client",
        "Umbrella",
        "--provider",
        "RecruitCo",
        "--slug",
        "umb",
        "--currency",
        "eur",
    )
    engagement = Engagement.objects.get(slug="umb")
    assert engagement.client.kind == "client"
    assert engagement.provider.kind == "provider"
    assert engagement.currency == "EUR"
    assert "created engagement umb" in capsys.readouterr().out


def test_create_engagement_reuses_existing_organizations(engagement):
    call_command(
        "create_engagement",
        "--client",
        engagement.client.name,
        "--provider",
        engagement.provider.name,
        "--slug",
        "second",
    )
    assert Organization.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["--currency", "XYZ"], "'XYZ' is not an ISO 4217 currency code."),
        (["--slug", "taken"], "An engagement with slug 'taken' already exists."),
        (["--slug", "not a slug"], "Enter a valid “slug”"),
        (["--monthly-fee", "lots"], "--monthly-fee 'lots' is not a number."),
    ],
)
def test_create_engagement_bad_input_writes_nothing(args, reason):
    call_command("create_engagement", "--client", "A", "--provider", "B", "--slug", "taken")
    before = (Organization.objects.count(), Engagement.objects.count())
    base = {"--client": "New Client", "--provider": "New Provider", "--slug": "fresh"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError) as error:
        call_command("create_engagement", *[x for pair in base.items() for x in pair])
    assert reason in str(error.value)
    assert "\n" not in str(error.value)
    assert (Organization.objects.count(), Engagement.objects.count()) == before


def test_create_engagement_refuses_a_client_as_provider(engagement):
    with pytest.raises(CommandError, match="is a client, not a provider"):
        call_command(
            "create_engagement",
            "--client",
            "Other",
            "--provider",
            engagement.client.name,
            "--slug",
            "wrong",
        )
    assert not Organization.objects.filter(name="Other").exists()


def test_create_user_adds_a_membership():
    call_command(
        "create_user",
        "--email",
        "Pat@Example.com",
        "--password",
        "s3cret-pass-123",
        "--org",
        "Umbrella",
        "--role",
        "hr_lead",
    )
    user = User.objects.get(email="pat@example.com")
    assert user.check_password("s3cret-pass-123")
    membership = Membership.objects.get(user=user)
    assert (membership.organization.name, membership.organization.kind) == ("Umbrella", "client")


def test_create_user_duplicate_email_fails(hr_lead):
    with pytest.raises(CommandError, match="already exists"):
        call_command(
            "create_user",
            "--email",
            hr_lead.email,
            "--password",
            "x" * 12,
            "--org",
            "Whatever",
            "--role",
            "hr_lead",
        )
    assert not Organization.objects.filter(name="Whatever").exists()


def test_create_user_role_must_fit_the_organization(engagement):
    with pytest.raises(CommandError, match="is a client, not a provider"):
        call_command(
            "create_user",
            "--email",
            "x@example.com",
            "--password",
            "x" * 12,
            "--org",
            engagement.client.name,
            "--role",
            "recruiter",
        )
    assert not User.objects.filter(email="x@example.com").exists()


def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    counts = (User.objects.count(), Organization.objects.count(), Engagement.objects.count())
    call_command("seed_demo")
    assert (
        User.objects.count(),
        Organization.objects.count(),
        Engagement.objects.count(),
    ) == counts
    assert counts[2] == 3
    out = capsys.readouterr().out
    assert "am@talentbridge.example" in out
    talentbridge = Organization.objects.get(name="TalentBridge RPO")
    clients = set(
        Engagement.objects.filter(provider=talentbridge).values_list("client__name", flat=True)
    )
    assert clients == {"Acme Corp", "Globex"}
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {
        "client_admin",
        "hr_lead",
        "client_viewer",
        "provider_admin",
        "account_manager",
        "recruiter",
    }
