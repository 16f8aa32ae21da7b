"""Notification e-mails as a mail program reads them: multipart with an HTML part, automatic,
with a one-click unsubscribe (RFC 8058) that works without signing in; one base URL and the
sender and Message-ID domain from the settings."""

import email
import re
from datetime import date
from email import policy

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from notifications.models import Delivery, NotificationPreference
from notifications.services import (
    notification_digests_send,
    notification_emails_send,
    notification_preference_set,
    notify,
    unsubscribe_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mail_settings(settings):
    settings.PORTAL_BASE_URL = "https://rpo.example.com/"
    settings.DEFAULT_FROM_EMAIL = "RPO Portal <portal@example.com>"
    settings.EMAIL_MESSAGE_ID_DOMAIN = "mail.example.com"


def _notify(engagement, recipients, key="breach:1:opened", subject="Breach <b>of</b> & more"):
    return notify(
        engagement=engagement,
        event_key=key,
        kind="breach",
        subject=subject,
        body="Time to fill was <script>alert(1)</script> 41.0 days.",
        url=f"/engagements/{engagement.pk}/",
        recipients=recipients,
    )


def parsed(message) -> email.message.EmailMessage:
    return email.message_from_bytes(message.message().as_bytes(), policy=policy.default)


def parts(message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_content()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_an_immediate_email_has_text_and_escaped_html_and_is_automatic(engagement, hr_lead):
    _notify(engagement, [hr_lead])
    assert notification_emails_send() == 1
    message = parsed(mail.outbox[0])
    assert message.get_content_type() == "multipart/alternative"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["From"] == "RPO Portal <portal@example.com>"
    assert re.fullmatch(r"<[^@>]+@mail\.example\.com>", message["Message-ID"])
    body = parts(message)
    assert "<script>alert(1)</script>" in body["text/plain"]  # plain text as written
    html = body["text/html"]
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Breach &lt;b&gt;of&lt;/b&gt; &amp; more" in html
    assert f'href="https://rpo.example.com/engagements/{engagement.pk}/"' in html
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_digest_carries_the_one_click_unsubscribe(engagement, hr_lead):
    notification_preference_set(actor=hr_lead, delivery=Delivery.DIGEST)
    with time_machine.travel("2025-08-04 09:00Z"):
        _notify(engagement, [hr_lead])
    with time_machine.travel("2025-08-05 07:00Z"):
        assert notification_digests_send(day=date(2025, 8, 4)) == 1
    message = parsed(mail.outbox[0])
    assert message["Subject"].endswith("4 Aug 2025: 1 notification")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (link,) = re.findall(r"<(https://[^>]+)>", message["List-Unsubscribe"])
    assert link.startswith("https://rpo.example.com/notifications/unsubscribe/")
    assert "text/html" in parts(message)


def test_one_click_post_turns_the_digest_off_without_sign_in_or_csrf(
    engagement, hr_lead, account_manager
):
    notification_preference_set(actor=hr_lead, delivery=Delivery.DIGEST)
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(hr_lead)])
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(url)  # a link scanner's GET changes nothing
    assert page.status_code == 200 and b"Stop the e-mails" in page.content
    assert NotificationPreference.objects.get(user=hr_lead).delivery == Delivery.DIGEST

    response = strict.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=hr_lead).delivery == Delivery.OFF
    # Nothing goes out to them any more, immediately or in a digest.
    with time_machine.travel("2025-08-04 09:00Z"):
        _notify(engagement, [hr_lead, account_manager])
    assert notification_emails_send() == 1 and mail.outbox[0].to == [account_manager.email]
    with time_machine.travel("2025-08-05 07:00Z"):
        assert notification_digests_send(day=date(2025, 8, 4)) == 0
    # Another person's preference is untouched.
    assert not NotificationPreference.objects.filter(user=account_manager).exists()


def test_a_forged_or_altered_token_is_404(client, hr_lead, account_manager):
    token = unsubscribe_token(hr_lead)
    for bad in (token[:-2] + "xx", "not-a-token", token.replace(":", ";", 1)):
        url = reverse("notifications:unsubscribe", args=[bad])
        assert client.post(url).status_code == 404
    assert not NotificationPreference.objects.filter(user=hr_lead).exists()
    # A token stops working when its address changes.
    hr_lead.email = "changed@example.com"
    hr_lead.save()
    assert client.post(reverse("notifications:unsubscribe", args=[token])).status_code == 404


@pytest.mark.django_db
def test_reminders_link_to_the_one_base_url_and_are_automatic(engagement, hr_lead, account_manager):
    from datetime import timedelta

    from django.utils import timezone

    from reviews.services import action_item_create
    from reviews.services.personal import reminders_send

    action_item_create(
        actor=hr_lead,
        engagement=engagement,
        title="Send the shortlist",
        owner=account_manager,
        due_date=timezone.localdate() - timedelta(days=1),
    )
    assert reminders_send() == 1
    reminder = parsed(mail.outbox[-1])
    assert reminder["Auto-Submitted"] == "auto-generated"
    assert reminder["Subject"] == "1 action item due, 1 overdue"
    assert "https://rpo.example.com/" in parts(reminder)["text/plain"]


def test_rpo_site_url_is_read_as_the_deprecated_name_of_portal_base_url():
    import os
    import subprocess
    import sys

    code = "import django; django.setup(); from django.conf import settings as s; " + (
        "print(s.PORTAL_BASE_URL, s.EMAIL_MESSAGE_ID_DOMAIN)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PORTAL_BASE_URL", "RPO_SITE_URL")}
    env.update(DJANGO_SETTINGS_MODULE="rpo_portal.settings", DJANGO_DEBUG="true")
    env["RPO_SITE_URL"] = "https://old.example.com"
    old = subprocess.run(
        [sys.executable, "-W", "always", "-c", code], env=env, capture_output=True, text=True
    )
    assert old.stdout.split() == ["https://old.example.com", "old.example.com"], old.stderr
    assert "RPO_SITE_URL is deprecated" in old.stderr
    env["PORTAL_BASE_URL"] = "https://rpo.example.org"
    new = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert new.stdout.split() == ["https://rpo.example.org", "rpo.example.org"], new.stderr
