"""One tenant never stops another in the reviews' jobs: a reminder, a QBR delivery or an
engagement's scheduling that fails is logged with its engagement and the others go on; and
reminders go only to people who may still see the engagement."""

import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfoNotFoundError

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from accounts.models import Role
from reviews import services
from reviews.models import Cadence, Meeting, QbrDelivery, QbrPack, ReminderSent, Tier
from reviews.qbr.services import qbr_packs_deliver, qbr_packs_expire
from reviews.services.scheduling import MEETINGS_AHEAD
from tests.factories import make_unsendable, member
from tests.reviews.test_qbr_packs import subscribe

pytestmark = pytest.mark.django_db


def _item(engagement, actor, owner, title, due):
    return services.action_item_create(
        actor=actor, engagement=engagement, title=title, owner=owner, due_date=due
    )


# --- reminders -------------------------------------------------------------------------------


def test_a_reminder_that_cannot_be_sent_stops_nobody_elses(
    engagement, other_engagement, hr_lead, account_manager, caplog
):
    today = timezone.localdate()
    other_lead = member(other_engagement.client, Role.HR_LEAD)
    _item(engagement, account_manager, hr_lead, "Poisoned owner's item", today)
    _item(engagement, account_manager, account_manager, "Refresh the job ads", today)
    _item(other_engagement, other_lead, other_lead, "Brief the agencies", today)
    make_unsendable(hr_lead)  # the first owner of the run

    with caplog.at_level(logging.ERROR, logger="rpo_portal.fanout"):
        assert services.reminders_send(today=today) == 2

    assert sorted(m.to[0] for m in mail.outbox) == sorted([account_manager.email, other_lead.email])
    assert f"Reminder failed for engagement {engagement.pk}" in caplog.text
    # Nothing recorded for the owner whose e-mail failed: the next run tries again.
    assert not ReminderSent.objects.filter(owner=hr_lead).exists()


def test_reminders_leave_out_engagements_the_owner_has_left(
    engagement, other_engagement, account_manager
):
    today = timezone.localdate()
    mover = member(engagement.client, Role.HR_LEAD)
    member(other_engagement.client, Role.HR_LEAD, user=mover)
    _item(engagement, account_manager, mover, "Item of the engagement left", today)
    _item(other_engagement, mover, mover, "Item still theirs", today)
    _item(engagement, account_manager, account_manager, "A current member's item", today)
    mover.memberships.filter(organization=engagement.client).delete()

    assert services.reminders_send(today=today) == 2

    moved = next(m for m in mail.outbox if m.to == [mover.email])
    assert "Item still theirs" in moved.body
    assert "Item of the engagement left" not in moved.body
    assert moved.subject == "1 action item due"
    current = next(m for m in mail.outbox if m.to == [account_manager.email])
    assert "A current member's item" in current.body


def test_someone_who_left_gets_no_reminder_at_all(engagement, hr_lead, account_manager):
    today = timezone.localdate()
    _item(engagement, account_manager, hr_lead, "Their old item", today - timedelta(days=3))
    hr_lead.memberships.all().delete()

    assert services.reminders_send(today=today) == 0
    assert mail.outbox == []
    assert not ReminderSent.objects.exists()


# --- QBR delivery ----------------------------------------------------------------------------


def test_a_qbr_delivery_that_cannot_be_sent_stops_nobody_elses(
    qbr_engagement, hr_lead, account_manager, caplog
):
    subscribe(qbr_engagement, hr_lead, "csv")  # the first subscriber of the run
    subscribe(qbr_engagement, account_manager, "csv")
    make_unsendable(hr_lead)

    with caplog.at_level(logging.ERROR, logger="rpo_portal.fanout"):
        result = qbr_packs_deliver(today=date(2025, 10, 20))

    assert (result.sent, result.packs) == (1, 1)
    assert [m.to for m in mail.outbox] == [[account_manager.email]]
    assert f"QBR delivery failed for engagement {qbr_engagement.pk}" in caplog.text
    assert list(QbrDelivery.objects.values_list("user_id", flat=True)) == [account_manager.pk]
    for pack in QbrPack.objects.all():
        pack.file.delete(save=False)


# --- review scheduling -----------------------------------------------------------------------


@time_machine.travel(datetime(2026, 3, 2, 12, 0, tzinfo=UTC), tick=False)
def test_an_engagement_that_cannot_be_scheduled_stops_nobody_elses(
    engagement, other_engagement, caplog
):
    # A time zone that no longer exists, stored past validation, on the first engagement.
    Cadence.objects.filter(engagement=engagement, tier=Tier.TACTICAL).update(
        timezone="Nowhere/Atlantis"
    )

    with caplog.at_level(logging.ERROR, logger="rpo_portal.fanout"):
        result = services.reviews_schedule()

    assert result.created == 3 * MEETINGS_AHEAD
    assert Meeting.objects.filter(engagement=other_engagement).count() == 3 * MEETINGS_AHEAD
    # The failed engagement is left as it was (not half scheduled), and named in the log.
    assert not Meeting.objects.filter(engagement=engagement).exists()
    assert f"Review scheduling failed for engagement {engagement.pk}" in caplog.text


def test_one_engagement_asked_for_by_name_fails_loudly(engagement):
    Cadence.objects.filter(engagement=engagement, tier=Tier.TACTICAL).update(
        timezone="Nowhere/Atlantis"
    )
    with pytest.raises(ZoneInfoNotFoundError):
        services.reviews_schedule(engagement=engagement)


# --- QBR pack expiry -------------------------------------------------------------------------


def test_a_pack_that_cannot_expire_stops_no_other(engagement, other_engagement, caplog):
    past = timezone.now() - timedelta(days=1)
    packs = [
        QbrPack.objects.create(
            engagement=each,
            quarter="2025-Q3",
            format="csv",
            status="ready",
            generated_by_label="Scheduled delivery",
            expires_at=past,
        )
        for each in (engagement, other_engagement)
    ]
    # A file name outside the storage (stored past validation): its deletion is refused.
    QbrPack.objects.filter(pk=packs[0].pk).update(file="../outside/qbr.csv")

    with caplog.at_level(logging.ERROR, logger="rpo_portal.fanout"):
        assert qbr_packs_expire() == 1

    assert dict(QbrPack.objects.values_list("engagement_id", "status")) == {
        engagement.pk: "ready",
        other_engagement.pk: "expired",
    }
    assert f"QBR pack expiry failed for engagement {engagement.pk}" in caplog.text
