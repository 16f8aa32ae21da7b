"""The Reviews tab: pages render for members, outsiders get 404, viewers cannot write."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from engagements.models import NOT_A_MEMBER
from reviews import services
from reviews.models import ActionItem, Cadence, Meeting, Tier
from rpo_portal.site import site_domain

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(engagement, hr_lead):
    return services.meeting_create(
        actor=hr_lead,
        engagement=engagement,
        tier=Tier.OPERATIONAL,
        title="Weekly",
        starts_at=timezone.now() + timedelta(days=1),
    )


def _pages(engagement, meeting, item, risk, decision):
    e = engagement.pk
    return [
        reverse("reviews:home", args=[e]),
        reverse("reviews:meeting", args=[e, meeting.pk]),
        reverse("reviews:meeting_ics", args=[e, meeting.pk]),
        reverse("reviews:action_items", args=[e]),
        reverse("reviews:action_item", args=[e, item.pk]),
        reverse("reviews:decisions", args=[e]) + "?q=hire",
        reverse("reviews:decision", args=[e, decision.pk]),
        reverse("reviews:risks", args=[e]),
        reverse("reviews:risk", args=[e, risk.pk]),
        reverse("reviews:plan", args=[e]) + "?grain=quarter&dimension=department",
        reverse("reviews:my_action_items"),
    ]


@pytest.fixture
def records(engagement, hr_lead, meeting, make_item, make_risk):
    (item,) = make_item(meeting=meeting)
    (risk,) = make_risk()
    decision = services.decision_create(
        actor=hr_lead,
        engagement=engagement,
        title="Hire two sourcers",
        decided_by=hr_lead,
        decided_on=date(2026, 2, 1),
        meeting=meeting,
    )
    return item, risk, decision


def test_every_page_renders_for_a_viewer(login, engagement, client_viewer, meeting, records):
    client = login(client_viewer)
    for url in _pages(engagement, meeting, *records):
        response = client.get(url)
        assert response.status_code == 200, url
    home = client.get(reverse("reviews:home", args=[engagement.pk])).content.decode()
    assert "Log item" not in home  # viewers get no quick-add form


def test_other_engagements_records_are_404_even_for_members(
    login, engagement, other_engagement, hr_lead, meeting, records
):
    item, risk, decision = records
    client = login(hr_lead)
    e = other_engagement.pk
    for url in [
        reverse("reviews:meeting", args=[engagement.pk, 999999]),
        reverse("reviews:action_item", args=[e, item.pk]),
    ]:
        assert client.get(url).status_code == 404


WRITES = [
    ("reviews:meeting_new", {}),
    ("reviews:action_items", {"title": "x"}),
    ("reviews:risk_new", {}),
    ("reviews:decision_new", {}),
]


@pytest.mark.parametrize(("name", "data"), WRITES)
def test_viewers_cannot_write(login, engagement, client_viewer, name, data):
    url = reverse(name, args=[engagement.pk])
    assert login(client_viewer).post(url, data).status_code == 403


def test_viewer_cannot_touch_a_meeting_or_item(login, engagement, client_viewer, meeting, records):
    item, risk, _ = records
    client = login(client_viewer)
    e = engagement.pk
    for name, args in [
        ("reviews:meeting_hold", [e, meeting.pk]),
        ("reviews:meeting_close", [e, meeting.pk]),
        ("reviews:meeting_minutes", [e, meeting.pk]),
        ("reviews:agenda_item_add", [e, meeting.pk]),
        ("reviews:action_item_status", [e, item.pk]),
        ("reviews:action_item", [e, item.pk]),
        ("reviews:risk", [e, risk.pk]),
        ("reviews:risk_escalate", [e, risk.pk]),
    ]:
        assert client.post(reverse(name, args=args), {"status": "done"}).status_code == 403
    recruiter_only = Cadence.objects.filter(engagement=engagement).first()
    url = reverse("reviews:cadence_edit", args=[e, recruiter_only.pk])
    assert client.get(url).status_code == 403


def test_quick_add_with_htmx_swaps_the_list(login, engagement, account_manager, meeting):
    client = login(account_manager)
    response = client.post(
        reverse("reviews:action_items", args=[engagement.pk]),
        {
            "title": "Call the hiring managers",
            "owner": account_manager.pk,
            "due_date": "2026-05-01",
            "priority": "high",
            "meeting": meeting.pk,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="action-panel"' in html and "Call the hiring managers" in html
    assert "<html" not in html
    item = ActionItem.objects.get()
    assert item.meeting == meeting and item.party == "provider"


def test_quick_add_errors_name_the_field(login, engagement, account_manager, outsider):
    response = login(account_manager).post(
        reverse("reviews:action_items", args=[engagement.pk]),
        {"title": "", "owner": outsider.pk, "due_date": "2026-05-01", "priority": "normal"},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "This field is required" in html and escape(NOT_A_MEMBER) in html
    assert not ActionItem.objects.exists()


def test_cadence_edit_with_bad_timezone_names_the_field(login, engagement, hr_lead):
    cadence = Cadence.objects.get(engagement=engagement, tier=Tier.TACTICAL)
    response = login(hr_lead).post(
        reverse("reviews:cadence_edit", args=[engagement.pk, cadence.pk]),
        {
            "frequency": "monthly",
            "weekday": 1,
            "day_of_month": 10,
            "time": "10:00",
            "timezone": "Nowhere/City",
            "duration_minutes": 60,
            "stalled_after_days": 14,
            "active": "on",
        },
    )
    assert response.status_code == 200
    assert "Nowhere/City" in response.content.decode()
    assert Cadence.objects.get(pk=cadence.pk).timezone == "UTC"


def test_calendar_feed_needs_the_current_token(client, login, engagement, hr_lead, meeting):
    url = reverse("reviews:calendar_feed", args=[engagement.pk])
    assert client.get(url, {"tier": "operational"}).status_code == 404
    token = services.calendar_token_regenerate(user=hr_lead, engagement=engagement)
    client.logout()
    response = client.get(url, {"tier": "operational", "token": token})
    assert response.status_code == 200
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in body and f"meeting-{meeting.pk}@{site_domain()}" in body
    assert client.get(url, {"tier": "operational", "token": token + "x"}).status_code == 404
    other_url = reverse("reviews:calendar_feed", args=[engagement.pk + 1000])
    assert client.get(other_url, {"tier": "operational", "token": token}).status_code == 404
    services.calendar_token_regenerate(user=hr_lead, engagement=engagement)
    assert client.get(url, {"tier": "operational", "token": token}).status_code == 404


def test_feed_token_stops_working_when_the_member_leaves(client, engagement, hr_lead):
    token = services.calendar_token_regenerate(user=hr_lead, engagement=engagement)
    hr_lead.memberships.all().delete()
    url = reverse("reviews:calendar_feed", args=[engagement.pk])
    assert client.get(url, {"tier": "tactical", "token": token}).status_code == 404


def test_meeting_ics_has_the_timezone(login, engagement, hr_lead):
    meeting = services.meeting_create(
        actor=hr_lead,
        engagement=engagement,
        tier=Tier.STRATEGIC,
        title="QBR",
        starts_at=timezone.now() + timedelta(days=3),
        timezone_name="Europe/Berlin",
    )
    body = (
        login(hr_lead)
        .get(reverse("reviews:meeting_ics", args=[engagement.pk, meeting.pk]))
        .content.decode()
    )
    assert "BEGIN:VTIMEZONE" in body and "TZID:Europe/Berlin" in body
    assert "DTSTART;TZID=Europe/Berlin:" in body


def test_a_meeting_ahead_cannot_be_started_from_its_page(login, engagement, hr_lead, meeting):
    client = login(hr_lead)
    url = reverse("reviews:meeting", args=[engagement.pk, meeting.pk])
    page = client.get(url).content.decode()
    assert "Start meeting" not in page and "from 15 minutes before it begins" in page
    response = client.post(reverse("reviews:meeting_hold", args=[engagement.pk, meeting.pk]))
    assert response.status_code == 302
    assert services.NOT_STARTED in client.get(url).content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == "scheduled"


def test_hold_and_close_through_the_pages(login, engagement, hr_lead):
    meeting = services.meeting_create(
        actor=hr_lead,
        engagement=engagement,
        tier=Tier.OPERATIONAL,
        title="Weekly",
        starts_at=timezone.now() - timedelta(minutes=5),
    )
    client = login(hr_lead)
    e = engagement.pk
    page = client.get(reverse("reviews:meeting", args=[e, meeting.pk])).content.decode()
    assert "Start meeting (freeze agenda)" in page
    client.post(reverse("reviews:meeting_hold", args=[e, meeting.pk]))
    client.post(
        reverse("reviews:meeting_minutes", args=[e, meeting.pk]),
        {"minutes": "We agreed.", "attendees": [hr_lead.pk]},
    )
    client.post(reverse("reviews:meeting_close", args=[e, meeting.pk]))
    meeting.refresh_from_db()
    assert meeting.status == "closed" and meeting.minutes == "We agreed."
    page = client.get(reverse("reviews:meeting", args=[e, meeting.pk])).content.decode()
    assert "Frozen when the meeting was held" in page and "Reopen minutes" in page
    assert "Changes on record" in page


@pytest.mark.parametrize(
    "name",
    ["reviews:home", "reviews:action_items", "reviews:risks", "reviews:decisions", "reviews:plan"],
)
def test_list_query_counts_do_not_grow(
    login, engagement, hr_lead, make_item, make_risk, count_queries, name
):
    client = login(hr_lead)
    url = reverse(name, args=[engagement.pk])
    client.get(url)  # warm caches (session, roles)

    def add(n):
        make_item(n)
        make_risk(n)
        for i in range(n):
            services.decision_create(
                actor=hr_lead,
                engagement=engagement,
                title=f"Decision {i}",
                decided_by=hr_lead,
                decided_on=date(2026, 1, 1),
            )
            services.meeting_create(
                actor=hr_lead,
                engagement=engagement,
                tier="tactical",
                title=f"M{i}",
                starts_at=timezone.now() + timedelta(days=i + 1),
            )

    add(2)
    small = count_queries(lambda: client.get(url))
    add(8)
    large = count_queries(lambda: client.get(url))
    assert small == large


def test_my_items_and_meeting_query_counts_do_not_grow(
    login, engagement, hr_lead, meeting, make_item, count_queries
):
    client = login(hr_lead)
    mine = reverse("reviews:my_action_items")
    page = reverse("reviews:meeting", args=[engagement.pk, meeting.pk])
    make_item(2, owner=hr_lead, meeting=meeting)
    client.get(mine)
    small = (count_queries(lambda: client.get(mine)), count_queries(lambda: client.get(page)))
    make_item(8, owner=hr_lead, meeting=meeting)
    for i in range(5):
        services.agenda_item_add(actor=hr_lead, meeting=meeting, title=f"Point {i}")
    services.agenda_item_add(actor=hr_lead, meeting=meeting, title="Point x")
    large = (count_queries(lambda: client.get(mine)), count_queries(lambda: client.get(page)))
    assert small[0] == large[0]
    assert Meeting.objects.get(pk=meeting.pk).agenda_items.count() == 6
    assert large[1] == small[1]  # agenda items and action items: one query each


@pytest.mark.parametrize(
    ("starts_at", "zone"),
    [
        # Its end is past the last instant Python can represent.
        (datetime(9999, 12, 31, 23, 30, tzinfo=UTC), "UTC"),
        # Its local time, 14 hours ahead of UTC, is past it.
        (datetime(9999, 12, 31, 12, 0, tzinfo=UTC), "Pacific/Kiritimati"),
    ],
)
def test_a_stored_meeting_in_year_9999_breaks_no_page_or_feed(
    client, login, engagement, hr_lead, meeting, starts_at, zone
):
    """Stored before dates were bounded: the feed leaves it out, the pages still answer."""
    far = services.meeting_create(
        actor=hr_lead,
        engagement=engagement,
        tier=Tier.OPERATIONAL,
        title="Far",
        starts_at=starts_at,
        timezone_name=zone,
    )
    token = services.calendar_token_regenerate(user=hr_lead, engagement=engagement)
    url = reverse("reviews:calendar_feed", args=[engagement.pk])
    response = client.get(url, {"tier": "operational", "token": token})
    assert response.status_code == 200
    body = response.content.decode()
    assert f"meeting-{meeting.pk}@{site_domain()}" in body and f"meeting-{far.pk}@" not in body
    member = login(hr_lead)
    for page in (
        reverse("reviews:home", args=[engagement.pk]),
        reverse("reviews:meeting", args=[engagement.pk, far.pk]),
        reverse("reviews:meeting_ics", args=[engagement.pk, far.pk]),
    ):
        assert member.get(page).status_code == 200, page
