"""One tenant never stops another: a notification e-mail or digest that cannot be sent stops
nobody else's, a name stored with a line break cannot break a subject, and only people who
may still see an engagement hear of it."""

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from engagements.models import Engagement
from notifications.models import Delivery, Notification, NotificationDigest
from notifications.services import (
    notification_digests_send,
    notification_emails_send,
    notification_preference_set,
)
from tests.factories import make_unsendable, member
from tests.notifications.test_notifications import _notify

pytestmark = pytest.mark.django_db

INJECTED = "Acme\rX-Injected: 1"


@pytest.fixture
def other_lead(other_engagement):
    return member(other_engagement.client, Role.HR_LEAD)


def test_a_line_break_stored_in_a_name_cannot_break_the_subject(
    engagement, other_engagement, hr_lead, other_lead
):
    Engagement.objects.filter(pk=engagement.pk).update(name=INJECTED)
    engagement.refresh_from_db()
    _notify(engagement, [hr_lead])
    _notify(other_engagement, [other_lead], key="breach:2:opened")

    assert notification_emails_send() == 2

    subject = next(m for m in mail.outbox if m.to == [hr_lead.email]).subject
    assert subject == "[Acme X-Injected: 1] Breach of time to fill"
    for message in mail.outbox:
        assert "X-Injected" not in message.message()  # its header names
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()


def test_a_notification_that_cannot_be_sent_stops_nobody_else(
    engagement, other_engagement, hr_lead, account_manager, other_lead
):
    _notify(engagement, [hr_lead], key="first")  # the first in the queue
    _notify(engagement, [account_manager], key="second")
    _notify(other_engagement, [other_lead], key="third")
    make_unsendable(hr_lead)

    assert notification_emails_send() == 2

    assert sorted(m.to[0] for m in mail.outbox) == sorted([account_manager.email, other_lead.email])
    # Left pending (and logged): the next run tries it again, and sends nothing twice.
    assert Notification.objects.get(recipient=hr_lead).emailed_at is None
    assert notification_emails_send() == 0
    assert len(mail.outbox) == 2


def test_a_digest_that_cannot_be_sent_stops_nobody_elses(
    engagement, other_engagement, hr_lead, account_manager, other_lead
):
    for person in (hr_lead, account_manager, other_lead):
        notification_preference_set(actor=person, delivery=Delivery.DIGEST)
    _notify(engagement, [hr_lead, account_manager])
    _notify(other_engagement, [other_lead], key="breach:2:opened")
    make_unsendable(hr_lead)  # the first recipient of the run

    assert notification_digests_send(day=timezone.localdate()) == 2

    assert sorted(m.to[0] for m in mail.outbox) == sorted([account_manager.email, other_lead.email])
    assert not NotificationDigest.objects.filter(recipient=hr_lead).exists()
    assert Notification.objects.get(recipient=hr_lead).emailed_at is None


def test_someone_who_left_is_not_emailed_but_a_member_still_is(
    engagement, hr_lead, account_manager
):
    _notify(engagement, [hr_lead, account_manager])
    hr_lead.memberships.all().delete()  # left the client after the event, before the e-mail

    assert notification_emails_send() == 1

    assert [m.to for m in mail.outbox] == [[account_manager.email]]
    assert Notification.objects.get(recipient=hr_lead).emailed_at is None


def test_a_digest_lists_only_engagements_the_person_is_still_in(engagement, other_engagement):
    both = member(engagement.provider, Role.ACCOUNT_MANAGER)
    member(other_engagement.provider, Role.ACCOUNT_MANAGER, user=both)
    stays = member(engagement.provider, Role.ACCOUNT_MANAGER)
    member(other_engagement.provider, Role.ACCOUNT_MANAGER, user=stays)
    for person in (both, stays):
        notification_preference_set(actor=person, delivery=Delivery.DIGEST)
    _notify(engagement, [both, stays], key="left", subject="Breach in the engagement left")
    _notify(other_engagement, [both, stays], key="kept", subject="Breach still theirs")
    both.memberships.filter(organization=engagement.provider).delete()

    assert notification_digests_send(day=timezone.localdate()) == 2

    left = next(m for m in mail.outbox if m.to == [both.email])
    assert "Breach still theirs" in left.body
    assert "Breach in the engagement left" not in left.body
    assert engagement.name not in left.body
    assert NotificationDigest.objects.get(recipient=both).notification_count == 1
    current = next(m for m in mail.outbox if m.to == [stays.email])
    assert "Breach still theirs" in current.body
    assert "Breach in the engagement left" in current.body


def test_someone_who_left_every_engagement_gets_no_digest(engagement, hr_lead):
    notification_preference_set(actor=hr_lead, delivery=Delivery.DIGEST)
    _notify(engagement, [hr_lead])
    hr_lead.memberships.all().delete()

    assert notification_digests_send(day=timezone.localdate()) == 0
    assert mail.outbox == []
