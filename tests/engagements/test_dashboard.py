"""The engagement dashboard: tiles, filters, fragments, the quick-add, freshness, tenancy."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from kpis.models import MetricValue
from kpis.progress import recompute_progress_set
from reviews.models import ActionItem
from reviews.services import action_item_create
from tests.factories import member

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _url(engagement, name="engagements:detail", *args):
    return reverse(name, args=[engagement.pk, *args])


def test_tiles_show_every_targeted_kpi_against_its_target(login, dashboard_engagement, hr_lead):
    response = login(hr_lead).get(_url(dashboard_engagement))
    assert response.status_code == 200
    tiles = response.context["tiles"]
    assert [t.kpi.key for t in tiles] == ["time_to_fill", "offer_acceptance_rate", "candidate_nps"]
    filters = response.context["filters"]
    assert (filters.grain, filters.period) == ("month", "2025-09")
    assert len(filters.window) == 12
    ttf = tiles[0]
    assert ttf.target.target_value == 40
    for tile in tiles:
        stored = {
            v.period: v
            for v in MetricValue.objects.filter(
                engagement=dashboard_engagement, kpi=tile.kpi.key, grain="month", dimension="all"
            )
        }
        assert tile.value == stored.get("2025-09")
        assert tile.previous == stored.get("2025-08")
        if tile.value and tile.previous:
            assert tile.change == pytest.approx(tile.value.value - tile.previous.value)
    body = response.content.decode()
    assert 'id="spark-time_to_fill-title"' in body
    # Every tile with a status says it in words.
    for tile in tiles:
        if tile.status:
            assert f"</span>{tile.status_label}</strong>" in body


def test_filters_pick_grain_period_and_segment(login, dashboard_engagement, hr_lead):
    client = login(hr_lead)
    segments = client.get(_url(dashboard_engagement)).context["segments"]
    dimension, segment = segments[0]
    response = client.get(
        _url(dashboard_engagement),
        {"grain": "quarter", "period": "2025-Q2", "segment": f"{dimension}:{segment}"},
    )
    filters = response.context["filters"]
    assert (filters.grain, filters.period) == ("quarter", "2025-Q2")
    assert (filters.dimension, filters.segment) == (dimension, segment)
    assert filters.previous_period == "2025-Q1" and filters.next_period == "2025-Q3"
    for tile in response.context["tiles"]:
        if tile.value:
            assert (tile.value.period, tile.value.segment) == ("2025-Q2", segment)
    assert "period=2025-Q1" in response.content.decode()  # the link one period back


def test_an_unknown_period_falls_back_to_the_latest(login, dashboard_engagement, hr_lead):
    response = login(hr_lead).get(_url(dashboard_engagement), {"period": "1999-01"})
    assert response.context["filters"].period == "2025-09"


def test_htmx_gets_the_panels_and_a_history_restore_the_whole_page(
    login, dashboard_engagement, hr_lead
):
    client = login(hr_lead)
    partial = client.get(_url(dashboard_engagement), {"grain": "quarter"}, **HTMX)
    body = partial.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-panels"')
    assert "<html" not in body
    assert "HX-Request" in partial["Vary"]
    restore = client.get(_url(dashboard_engagement), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in restore.content.decode()


@pytest.mark.parametrize("panel", ["kpis", "actions", "activity", "freshness"])
def test_each_panel_is_served_alone(login, dashboard_engagement, hr_lead, panel):
    response = login(hr_lead).get(_url(dashboard_engagement, "engagements:panel", panel), HTMX)
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<section id="dashboard-{panel}"')


def test_an_unknown_panel_is_404(login, engagement, hr_lead):
    assert login(hr_lead).get(_url(engagement, "engagements:panel", "nope")).status_code == 404


def test_actions_panel_lists_due_and_overdue_items(login, dashboard_engagement, hr_lead):
    response = login(hr_lead).get(_url(dashboard_engagement))
    due = response.context["due_items"]
    assert [(d.item.title, d.overdue) for d in due] == [
        ("Late shortlist review", True),
        ("Agree Q4 hiring plan", False),
    ]
    assert "Overdue</strong>" in response.content.decode()


def test_activity_lists_imports_recomputes_target_agreements_breaches_and_decisions(
    login, dashboard_engagement, hr_lead
):
    activity = login(hr_lead).get(_url(dashboard_engagement)).context["activity"]
    kinds = {entry.kind for entry in activity}
    assert kinds == {"import", "recompute", "target", "breach", "decision"}
    assert activity == sorted(activity, key=lambda e: e.at, reverse=True)


def test_freshness_shows_last_import_and_recompute(login, dashboard_engagement, hr_lead):
    freshness = login(hr_lead).get(_url(dashboard_engagement)).context["freshness"]
    assert freshness.last_import is not None
    assert freshness.last_recompute is not None
    assert freshness.stale is False


def test_a_running_recompute_polls_and_its_end_refreshes_the_panels(
    login, dashboard_engagement, hr_lead
):
    client = login(hr_lead)
    url = _url(dashboard_engagement, "engagements:panel", "freshness")
    recompute_progress_set(
        engagement_id=dashboard_engagement.pk, state="running", message="Computing KPI values"
    )
    running = client.get(url, {"polling": "1"}, **HTMX)
    assert "<progress" in running.content.decode()
    assert 'hx-trigger="load delay:2s"' in running.content.decode()
    assert "HX-Trigger" not in running
    recompute_progress_set(engagement_id=dashboard_engagement.pk, state="done", message="ok")
    done = client.get(url, {"polling": "1"}, **HTMX)
    assert "<progress" not in done.content.decode()
    assert done["HX-Trigger"] == "kpis-recomputed"
    page = client.get(_url(dashboard_engagement)).content.decode()
    assert 'hx-trigger="kpis-recomputed from:body"' in page


def test_account_manager_adds_an_action_item_with_htmx(
    login, dashboard_engagement, account_manager, hr_lead
):
    response = login(account_manager).post(
        _url(dashboard_engagement, "engagements:action_item_add"),
        {
            "title": "Send the sourcing report",
            "owner": hr_lead.pk,
            "due_date": timezone.localdate().isoformat(),
            "priority": "high",
            "kpi": "time_to_fill",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "Send the sourcing report" in response.content.decode()
    item = ActionItem.objects.get(engagement=dashboard_engagement, title="Send the sourcing report")
    assert (item.owner, item.party, item.created_by) == (hr_lead, "client", account_manager)
    assert (item.priority, item.kpi) == ("high", "time_to_fill")


def test_without_javascript_the_quick_add_redirects_to_the_dashboard(
    login, engagement, account_manager
):
    response = login(account_manager).post(
        _url(engagement, "engagements:action_item_add"),
        {"title": "Call", "owner": account_manager.pk, "due_date": "2026-01-05"},
    )
    assert response.status_code == 302
    assert response["Location"] == _url(engagement)


def test_an_owner_outside_the_engagement_is_refused(login, engagement, account_manager, outsider):
    response = login(account_manager).post(
        _url(engagement, "engagements:action_item_add"),
        {"title": "Call", "owner": outsider.pk, "due_date": "2026-01-05"},
        **HTMX,
    )
    assert response.status_code == 422
    assert 'class="field-error"' in response.content.decode()
    assert not ActionItem.objects.filter(engagement=engagement).exists()


def test_viewer_sees_no_write_control_and_gets_403_on_writes(login, engagement, client_viewer):
    client = login(client_viewer)
    body = client.get(_url(engagement)).content.decode()
    assert "Add action item" not in body and "Recompute now" not in body
    payload = {"title": "Call", "owner": client_viewer.pk, "due_date": "2026-01-05"}
    assert client.post(_url(engagement, "engagements:action_item_add"), payload).status_code == 403
    assert client.post(_url(engagement, "engagements:recompute")).status_code == 403


def test_writes_answer_get_with_405(login, engagement, account_manager):
    client = login(account_manager)
    assert client.get(_url(engagement, "engagements:action_item_add")).status_code == 405
    assert client.get(_url(engagement, "engagements:recompute")).status_code == 405


def test_recompute_from_the_dashboard_shows_progress(login, engagement, hr_lead):
    response = login(hr_lead).post(_url(engagement, "engagements:recompute"), **HTMX)
    assert response.status_code == 200
    assert "<progress" in response.content.decode()


def test_action_item_create_checks_the_actor_and_the_owner(engagement, hr_lead, outsider):
    viewer = member(engagement.client, Role.CLIENT_VIEWER)
    due = timezone.localdate()
    with pytest.raises(PermissionDenied):
        action_item_create(
            actor=viewer, engagement=engagement, title="x", owner=hr_lead, due_date=due
        )
    with pytest.raises(ValidationError):
        action_item_create(
            actor=hr_lead, engagement=engagement, title="x", owner=outsider, due_date=due
        )
    with pytest.raises(ValidationError):
        action_item_create(
            actor=hr_lead, engagement=engagement, title="", owner=hr_lead, due_date=due
        )
    item = action_item_create(
        actor=hr_lead, engagement=engagement, title="Review", owner=hr_lead, due_date=due
    )
    assert (item.party, item.status, item.created_by) == ("client", "open", hr_lead)


def test_a_file_checked_and_rejected_is_no_activity_and_people_show_by_name(
    login, engagement, hr_lead
):
    from recruiting.models import ImportRun, ImportStatus
    from recruiting.services import file_import, import_upload_preview

    manager = member(engagement.provider, Role.ACCOUNT_MANAGER)
    manager.full_name = "Ada Lovelace"
    manager.save()
    bad = b"external_id,title,opened_on\nREQ-1,Engineer,not a date\nREQ-2,,2025-01-01\n"
    checked = import_upload_preview(
        actor=manager, engagement=engagement, file=bad, file_name="requisitions.csv"
    )
    assert checked.run.status == ImportStatus.FAILED and checked.run.checked_only
    good = b"external_id,title,opened_on\nREQ-1,Engineer,2025-01-02\n"
    file_import(actor=manager, engagement=engagement, file=good, file_name="requisitions.csv")
    activity = login(hr_lead).get(_url(engagement)).context["activity"]
    imports = [entry for entry in activity if entry.kind == "import"]
    assert len(imports) == 1 and "rejected" not in imports[0].text
    assert imports[0].who == "Ada Lovelace"
    assert ImportRun.objects.filter(engagement=engagement).count() == 2
