import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import EngagementFactory, member

pytestmark = pytest.mark.django_db


def test_home_requires_login(client):
    response = client.get(reverse("engagements:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_home_lists_only_visible_engagements(login, engagement, other_engagement, account_manager):
    second = EngagementFactory(provider=engagement.provider)
    response = login(account_manager).get(reverse("engagements:home"))
    assert response.status_code == 200
    names = [e.name for e in response.context["engagements"]]
    assert sorted(names) == sorted([engagement.name, second.name])
    assert other_engagement.name not in response.content.decode()


def test_home_query_count_does_not_grow_with_engagements(
    login, engagement, account_manager, count_queries
):
    client = login(account_manager)
    url = reverse("engagements:home")
    few = count_queries(lambda: client.get(url))
    EngagementFactory.create_batch(5, provider=engagement.provider)
    many = count_queries(lambda: client.get(url))
    assert many == few
    assert len(client.get(url).context["engagements"]) == 6


def test_contract_tab_shows_contract_and_team(login, engagement, hr_lead, account_manager):
    response = login(hr_lead).get(reverse("engagements:contract", args=[engagement.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert engagement.client.name in body
    assert account_manager.email in body or str(account_manager) in body
    assert response.context["my_party"] == "client"


@pytest.mark.parametrize("name", ["engagements:detail", "engagements:contract"])
def test_dashboard_and_contract_for_outsider_are_404(login, engagement, outsider, name):
    response = login(outsider).get(reverse(name, args=[engagement.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["engagements:detail", "engagements:contract"])
def test_dashboard_and_contract_for_read_only_viewer_are_200(
    login, engagement, client_viewer, name
):
    # Both are read-only: a viewer sees them (write views answer 403 to viewers).
    response = login(client_viewer).get(reverse(name, args=[engagement.pk]))
    assert response.status_code == 200


def test_contract_query_count_does_not_grow_with_team(login, engagement, hr_lead, count_queries):
    client = login(hr_lead)
    url = reverse("engagements:contract", args=[engagement.pk])
    few = count_queries(lambda: client.get(url))
    for _ in range(4):
        member(engagement.provider, Role.RECRUITER)
    assert count_queries(lambda: client.get(url)) == few


def test_admin_edits_the_contract_and_the_change_is_on_record(login, engagement, client_admin):
    client = login(client_admin)
    url = reverse("engagements:edit", args=[engagement.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "Renamed engagement",
            "model": "hybrid",
            "status": "active",
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
            "currency": "EUR",
            "regions": "EMEA, APAC",
            "departments": "",
            "job_families": "Software",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("engagements:contract", args=[engagement.pk])
    engagement.refresh_from_db()
    assert engagement.name == "Renamed engagement"
    assert engagement.regions == ["EMEA", "APAC"]
    assert engagement.currency == "EUR"
    history = client.get(reverse("engagements:contract", args=[engagement.pk])).context["history"]
    latest = history[0]
    assert latest["who"] == client_admin
    changed = {field for field, _, _ in latest["changes"]}
    assert {"name", "currency", "regions"} <= changed


def test_edit_rejects_an_end_before_the_start(login, engagement, provider_admin):
    response = login(provider_admin).post(
        reverse("engagements:edit", args=[engagement.pk]),
        {
            "name": engagement.name,
            "model": "hybrid",
            "status": "active",
            "start_date": "2026-06-01",
            "end_date": "2026-01-01",
            "currency": "XYZ",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "currency" in errors
    engagement.refresh_from_db()
    assert engagement.currency == "USD"


@pytest.mark.parametrize(
    "role_fixture", ["hr_lead", "client_viewer", "account_manager", "recruiter"]
)
def test_edit_is_403_for_roles_that_are_not_admins(login, engagement, role_fixture, request):
    user = request.getfixturevalue(role_fixture)
    url = reverse("engagements:edit", args=[engagement.pk])
    assert login(user).get(url).status_code == 403
    assert login(user).post(url, {"name": "x"}).status_code == 403
    engagement.refresh_from_db()
    assert engagement.name != "x"


def test_edit_for_outsider_is_404(login, engagement, outsider):
    assert login(outsider).get(reverse("engagements:edit", args=[engagement.pk])).status_code == 404


def test_program_manager_must_be_a_member(login, engagement, client_admin, outsider):
    response = login(client_admin).post(
        reverse("engagements:edit", args=[engagement.pk]),
        {
            "name": engagement.name,
            "model": "end_to_end",
            "status": "active",
            "currency": "USD",
            "program_manager": outsider.pk,
        },
    )
    assert response.status_code == 200
    assert "program_manager" in response.context["form"].errors


def test_contract_history_survives_many_imports_and_recomputes(
    login, engagement, client_admin, account_manager
):
    """Imports and recomputes are KPI bookkeeping: they add nothing to the contract's history,
    so a contract change stays on the engagement page however many of them follow it."""
    from pghistory.models import Events

    from engagements.services import engagement_mark_data_changed, engagement_update
    from kpis.services import engagement_metrics_recompute

    old_name = engagement.name
    engagement_update(actor=client_admin, engagement=engagement, name="Renamed engagement")
    events = Events.objects.tracks(engagement).filter(pgh_model="engagements.EngagementEvent")
    before = events.count()
    for _ in range(25):
        engagement_mark_data_changed(engagement=engagement)
        engagement_metrics_recompute(engagement=engagement)
    assert events.count() == before

    history = login(account_manager).get(reverse("engagements:contract", args=[engagement.pk]))
    changes = [change for entry in history.context["history"] for change in entry["changes"]]
    assert ("name", old_name, "Renamed engagement") in changes


def test_contract_history_skips_events_that_changed_nothing_shown(
    login, engagement, client_admin, account_manager
):
    """Events recorded before the bookkeeping moved (now without a visible change) may be
    many; the history still reaches past them to the contract's changes."""
    from pghistory.models import Events

    from engagements.models import EngagementEvent
    from engagements.services import engagement_update

    engagement_update(actor=client_admin, engagement=engagement, currency="EUR")
    latest = EngagementEvent.objects.filter(pgh_obj=engagement).order_by("-pgh_id").first()
    EngagementEvent.objects.bulk_create(
        EngagementEvent(
            **{
                f.attname: getattr(latest, f.attname)
                for f in EngagementEvent._meta.concrete_fields
                if f.attname != "pgh_id"
            }
        )
        for _ in range(120)
    )
    assert Events.objects.tracks(engagement).count() > 120
    history = login(account_manager).get(reverse("engagements:contract", args=[engagement.pk]))
    changed = {field for entry in history.context["history"] for field, _, _ in entry["changes"]}
    assert "currency" in changed
