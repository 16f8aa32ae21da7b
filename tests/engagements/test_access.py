import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Role
from engagements.access import engagements_for, get_engagement_for, party_of
from tests.factories import EngagementFactory, member

pytestmark = pytest.mark.django_db


def test_provider_member_sees_all_their_clients_engagements(engagement, account_manager):
    second_client = EngagementFactory(provider=engagement.provider)
    unrelated = EngagementFactory()
    visible = set(engagements_for(account_manager))
    assert visible == {engagement, second_client}
    assert unrelated not in visible


def test_client_member_sees_all_their_providers_engagements(engagement, hr_lead):
    second_provider = EngagementFactory(client=engagement.client)
    EngagementFactory()
    assert set(engagements_for(hr_lead)) == {engagement, second_provider}


def test_outsider_sees_only_their_own(engagement, other_engagement, outsider):
    assert list(engagements_for(outsider)) == [other_engagement]
    with pytest.raises(Http404):
        get_engagement_for(outsider, engagement.pk)


def test_missing_and_foreign_ids_give_the_same_404(engagement, outsider):
    with pytest.raises(Http404) as foreign:
        get_engagement_for(outsider, engagement.pk)
    with pytest.raises(Http404) as missing:
        get_engagement_for(outsider, engagement.pk + 10_000)
    assert str(foreign.value) == str(missing.value)


def test_non_numeric_id_is_404(hr_lead):
    with pytest.raises(Http404):
        get_engagement_for(hr_lead, "1 OR 1=1")


def test_member_without_the_permission_gets_403(engagement, client_viewer):
    assert get_engagement_for(client_viewer, engagement.pk) == engagement
    with pytest.raises(PermissionDenied):
        get_engagement_for(client_viewer, engagement.pk, "recruiting.import_data")


def test_user_without_memberships_sees_nothing(engagement, django_user_model):
    loner = django_user_model.objects.create_user(email="loner@example.com", password="x" * 12)
    assert not engagements_for(loner).exists()


def test_party_of(engagement, hr_lead, account_manager, outsider):
    assert party_of(hr_lead, engagement) == "client"
    assert party_of(account_manager, engagement) == "provider"
    assert party_of(outsider, engagement) is None


@pytest.mark.parametrize(
    ("role", "side", "allowed"),
    [
        (Role.CLIENT_ADMIN, "client", {"import_data", "change"}),
        (Role.HR_LEAD, "client", {"propose", "agree", "waive", "log_action"}),
        (Role.CLIENT_VIEWER, "client", set()),
        (Role.PROVIDER_ADMIN, "provider", {"change", "log_action"}),
        (Role.ACCOUNT_MANAGER, "provider", {"import_data", "propose", "agree", "log_action"}),
        (Role.RECRUITER, "provider", {"log_action"}),
    ],
)
def test_role_permissions_follow_the_design(engagement, role, side, allowed):
    perms = {
        "import_data": "recruiting.import_data",
        "change": "engagements.change_engagement",
        "propose": "kpis.propose_target",
        "agree": "kpis.agree_target",
        "waive": "sla.waive_breach",
        "log_action": "reviews.log_action_item",
    }
    org = engagement.client if side == "client" else engagement.provider
    user = member(org, role)
    granted = {name for name, perm in perms.items() if user.has_perm(perm, engagement)}
    # Admins log action items too; the design excludes only viewers.
    expected = allowed | ({"log_action"} if role == Role.CLIENT_ADMIN else set())
    assert granted == expected
    assert user.has_perm("engagements.view_engagement", engagement)


def test_roles_do_not_carry_over_to_other_engagements(engagement, other_engagement):
    admin = member(engagement.client, Role.CLIENT_ADMIN)
    assert not admin.has_perm("recruiting.import_data", other_engagement)
    assert not admin.has_perm("engagements.view_engagement", other_engagement)
