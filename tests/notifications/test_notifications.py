"""Notifications: one per event and person, e-mail immediately or in a daily digest, read
and unread, and only ever the person's own, of engagements they may see."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from notifications.models import Delivery, Notification, NotificationDigest
from notifications.selectors import leads_of, unread_count
from notifications.services import (
    notification_digests_send,
    notification_emails_send,
    notification_preference_set,
    notify,
)
from tests.factories import member

pytestmark = pytest.mark.django_db


def _notify(engagement, recipients, key="breach:1:opened", subject="Breach of time to fill"):
    return notify(
        engagement=engagement,
        event_key=key,
        kind="breach",
        subject=subject,
        body="Time to fill was 41.0 days in 2025-07 (threshold 35).",
        url=f"/engagements/{engagement.pk}/",
        recipients=recipients,
    )


def test_each_lead_of_both_parties(engagement, hr_lead, account_manager, client_viewer, recruiter):
    program_manager = member(engagement.provider, Role.PROVIDER_ADMIN)
    account_lead = member(engagement.client, Role.CLIENT_ADMIN)
    engagement.program_manager = program_manager
    engagement.account_lead = account_lead
    engagement.save()
    second_hr_lead = member(engagement.client, Role.HR_LEAD)

    leads = leads_of(engagement=engagement)

    assert set(leads) == {program_manager, account_lead, hr_lead, second_hr_lead, account_manager}


def test_leads_leave_out_inactive_people(engagement, hr_lead, account_manager):
    hr_lead.is_active = False
    hr_lead.save()
    assert leads_of(engagement=engagement) == [account_manager]


def test_never_twice_for_the_same_event_and_person(engagement, hr_lead, account_manager):
    first = _notify(engagement, [hr_lead, account_manager])
    again = _notify(engagement, [hr_lead, account_manager, hr_lead])

    assert len(first) == 2
    assert again == []
    assert Notification.objects.filter(event_key="breach:1:opened").count() == 2


def test_a_new_person_for_a_known_event_is_told_once(engagement, hr_lead, account_manager):
    _notify(engagement, [hr_lead])
    created = _notify(engagement, [hr_lead, account_manager])
    assert [n.recipient for n in created] == [account_manager]


def test_outsiders_are_never_told(engagement, hr_lead, outsider):
    created = _notify(engagement, [hr_lead, outsider])
    assert [n.recipient for n in created] == [hr_lead]


def test_immediate_email_is_sent_once(engagement, hr_lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _notify(engagement, [hr_lead])
    assert len(callbacks) == 1  # the e-mail task is queued only once the event commits

    assert notification_emails_send() == 1
    assert notification_emails_send() == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [hr_lead.email]
    assert message.subject == f"[{engagement.name}] Breach of time to fill"
    assert f"/engagements/{engagement.pk}/" in message.body


def test_digest_people_get_no_immediate_email(engagement, hr_lead, account_manager):
    notification_preference_set(actor=hr_lead, delivery=Delivery.DIGEST)
    _notify(engagement, [hr_lead, account_manager])

    assert notification_emails_send() == 1
    assert [m.to for m in mail.outbox] == [[account_manager.email]]


def test_digest_goes_out_once_per_day(engagement, hr_lead, account_manager):
    notification_preference_set(actor=hr_lead, delivery=Delivery.DIGEST)
    with time_machine.travel("2025-08-04 09:00Z"):
        _notify(engagement, [hr_lead], key="breach:1:opened", subject="First breach")
        _notify(engagement, [hr_lead], key="warning:7:raised", subject="A warning")
    with time_machine.travel("2025-08-05 07:00Z"):
        assert notification_digests_send(day=date(2025, 8, 4)) == 1
        _notify(engagement, [hr_lead], key="breach:2:opened", subject="Late breach")
        assert notification_digests_send(day=date(2025, 8, 4)) == 0

    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == [hr_lead.email]
    assert "First breach" in digest.body and "A warning" in digest.body
    assert "Late breach" not in digest.body
    assert NotificationDigest.objects.get(recipient=hr_lead).notification_count == 2

    # The breach after the digest waits for the next day's.
    with time_machine.travel("2025-08-06 07:00Z"):
        assert notification_digests_send(day=date(2025, 8, 5)) == 1
    assert "Late breach" in mail.outbox[1].body
    assert not Notification.objects.filter(recipient=hr_lead, emailed_at__isnull=True).exists()


def test_digest_command_sends_once(engagement, hr_lead):
    notification_preference_set(actor=hr_lead, delivery=Delivery.DIGEST)
    _notify(engagement, [hr_lead])
    today = timezone.localdate().isoformat()
    call_command("send_digests", "--date", today)
    call_command("send_digests", "--date", today)
    assert len(mail.outbox) == 1


def test_switching_to_immediate_sends_what_waited(engagement, hr_lead):
    notification_preference_set(actor=hr_lead, delivery=Delivery.DIGEST)
    _notify(engagement, [hr_lead])
    assert notification_emails_send() == 0
    notification_preference_set(actor=hr_lead, delivery=Delivery.IMMEDIATE)
    assert notification_emails_send() == 1


def test_unread_count_in_the_header(engagement, hr_lead, login):
    _notify(engagement, [hr_lead], key="a")
    _notify(engagement, [hr_lead], key="b")
    client = login(hr_lead)

    page = client.get(reverse("engagements:home"))
    assert b"Notifications, 2 unread" in page.content

    notification = Notification.objects.filter(recipient=hr_lead).first()
    response = client.post(reverse("notifications:mark_read", args=[notification.pk]))
    assert response.status_code == 302
    assert unread_count(user=hr_lead) == 1

    client.post(reverse("notifications:mark_all_read"))
    assert unread_count(user=hr_lead) == 0
    assert b"unread" not in client.get(reverse("engagements:home")).content


def test_inbox_lists_only_the_persons_own(engagement, hr_lead, account_manager, login):
    _notify(engagement, [hr_lead], key="mine", subject="For the HR lead")
    _notify(engagement, [account_manager], key="theirs", subject="For the account manager")

    page = login(hr_lead).get(reverse("notifications:inbox"))

    assert page.status_code == 200
    assert b"For the HR lead" in page.content
    assert b"For the account manager" not in page.content


def test_unread_filter(engagement, hr_lead, login):
    read = _notify(engagement, [hr_lead], key="a", subject="Already read")
    _notify(engagement, [hr_lead], key="b", subject="Still new")
    client = login(hr_lead)
    client.post(reverse("notifications:mark_read", args=[read[0].pk]))

    page = client.get(reverse("notifications:inbox") + "?show=unread")

    assert b"Still new" in page.content
    assert b"Already read" not in page.content


def test_someone_elses_notification_is_404(engagement, hr_lead, account_manager, outsider, login):
    [theirs] = _notify(engagement, [account_manager])
    for user in (hr_lead, outsider):
        client = login(user)
        assert client.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
        assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_notifications_of_an_engagement_one_has_left_are_hidden(engagement, hr_lead, login):
    [notification] = _notify(engagement, [hr_lead])
    hr_lead.memberships.all().delete()
    client = login(hr_lead)
    assert client.get(reverse("notifications:open", args=[notification.pk])).status_code == 404
    assert unread_count(user=hr_lead) == 0


def test_open_marks_read_and_goes_to_the_record(engagement, hr_lead, login):
    [notification] = _notify(engagement, [hr_lead])
    response = login(hr_lead).get(reverse("notifications:open", args=[notification.pk]))
    assert response.status_code == 302
    assert response.url == f"/engagements/{engagement.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_open_never_leaves_the_portal(engagement, hr_lead, login):
    [notification] = notify(
        engagement=engagement,
        event_key="x",
        kind="breach",
        subject="s",
        body="",
        url="https://evil.example.com/",
        recipients=[hr_lead],
    )
    response = login(hr_lead).get(reverse("notifications:open", args=[notification.pk]))
    assert response.url == reverse("notifications:inbox")


def test_settings_page_saves_the_choice(hr_lead, login):
    client = login(hr_lead)
    page = client.get(reverse("notifications:settings"))
    assert page.status_code == 200
    assert re.search(rb'<input[^>]*value="immediate"[^>]*checked', page.content)

    response = client.post(reverse("notifications:settings"), {"delivery": "digest"})
    assert response.status_code == 302
    assert hr_lead.notification_preference.delivery == Delivery.DIGEST
    assert client.post(reverse("notifications:settings"), {"delivery": "never"}).status_code == 200


def test_pages_need_sign_in(client):
    for name in ("notifications:inbox", "notifications:settings"):
        assert client.get(reverse(name)).status_code == 302


def test_inbox_queries_do_not_grow(engagement, hr_lead, login, count_queries):
    client = login(hr_lead)
    _notify(engagement, [hr_lead], key="first")
    few = count_queries(lambda: client.get(reverse("notifications:inbox")))
    for i in range(20):
        _notify(engagement, [hr_lead], key=f"more-{i}")
    many = count_queries(lambda: client.get(reverse("notifications:inbox")))
    assert many == few


def test_mark_read_by_htmx_returns_the_row(engagement, hr_lead, login):
    [notification] = _notify(engagement, [hr_lead])
    response = login(hr_lead).post(
        reverse("notifications:mark_read", args=[notification.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="notification-{notification.pk}"'.encode() in response.content
    assert b"Mark read" not in response.content


def test_digest_is_not_sent_for_a_day_twice_even_with_old_pending(engagement, hr_lead):
    notification_preference_set(actor=hr_lead, delivery=Delivery.DIGEST)
    with time_machine.travel("2025-08-04 09:00Z"):
        _notify(engagement, [hr_lead])
    day = date(2025, 8, 4)
    assert notification_digests_send(day=day) == 1
    assert notification_digests_send(day=day + timedelta(days=1)) == 0


def test_the_mark_read_button_and_account_link_are_named_by_their_visible_words(
    engagement, hr_lead, login
):
    """WCAG 2.5.3 (label in name): the accessible name starts with the words on screen; the
    subject and the account's purpose are added as hidden text, not by an aria-label that
    replaces what a voice-control user sees."""
    _notify(engagement, [hr_lead], key="x", subject="Breach opened")
    page = login(hr_lead).get(reverse("notifications:inbox")).content.decode()
    assert 'aria-label="Mark' not in page and 'aria-label="Your account' not in page
    assert 'Mark read<span class="visually-hidden">: “Breach opened”</span>' in page
    assert 'Account</span><span class="visually-hidden"> (your account)</span>' in page
