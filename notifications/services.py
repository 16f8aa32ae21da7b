"""Every write of notifications: telling people of an event, reading, e-mailing, digests.

`notify` is the one entry point the other apps call. E-mail leaves after the event's
transaction commits (a Celery task), so a rolled-back event tells nobody, and each e-mail is
marked sent in its own transaction, so a failure part-way sends nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement
from notifications import selectors
from notifications.models import (
    Delivery,
    Notification,
    NotificationDigest,
    NotificationPreference,
)
from rpo_portal import fanout, formats
from rpo_portal.mail import portal_email
from rpo_portal.site import site_url
from rpo_portal.task_names import task_named

logger = logging.getLogger(__name__)
User = get_user_model()


def notify(
    *,
    engagement: Engagement,
    event_key: str,
    kind: str,
    subject: str,
    body: str,
    url: str,
    recipients: Iterable,
) -> list[Notification]:
    """Tell each recipient of one event, in the app and by e-mail; never twice per person.

    Recipients who are not (or no longer) members of either party are left out. Returns the
    notifications created by this call (none for people already told of the event).
    """
    wanted = {getattr(person, "pk", person) for person in recipients}
    allowed = selectors.members_among(engagement=engagement, user_ids=wanted)
    with transaction.atomic():
        told = set(
            Notification.objects.filter(event_key=event_key, recipient_id__in=allowed).values_list(
                "recipient_id", flat=True
            )
        )
        new = [
            Notification(
                engagement=engagement,
                recipient_id=user_id,
                event_key=event_key,
                kind=kind,
                subject=subject[:200],
                body=body,
                url=url,
            )
            for user_id in sorted(allowed - told)
        ]
        for notification in new:
            notification.full_clean(
                exclude=["engagement", "recipient"],
                validate_unique=False,
                validate_constraints=False,
            )
        # A concurrent call for the same event may have told someone meanwhile: the unique
        # constraint keeps one notification per person; the conflict's "update" rewrites the
        # same key (a no-op) so that every row comes back with its id.
        Notification.objects.bulk_create(
            new,
            update_conflicts=True,
            unique_fields=["event_key", "recipient"],
            update_fields=["event_key"],
        )
        if new:
            transaction.on_commit(_enqueue_emails, robust=True)
    return new


def _enqueue_emails() -> None:
    task_named("notifications.tasks.send_notification_emails").delay()


def notification_mark_read(*, actor, notification_id: int) -> Notification:
    with transaction.atomic():
        notification = get_object_or_404(
            selectors.notifications_for(user=actor).select_for_update(of=("self",)),
            pk=notification_id,
        )
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, actor) -> int:
    with transaction.atomic():
        return (
            selectors.notifications_for(user=actor)
            .filter(read_at__isnull=True)
            .update(read_at=timezone.now())
        )


def notification_preference_set(*, actor, delivery: str) -> NotificationPreference:
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.get_or_create(user=actor)
        preference.delivery = delivery
        preference.full_clean()
        preference.save()
        if delivery == Delivery.IMMEDIATE:
            # What waited for a digest goes out now instead.
            transaction.on_commit(_enqueue_emails, robust=True)
    return preference


def _immediate_recipient() -> Q:
    return Q(recipient__notification_preference__isnull=True) | Q(
        recipient__notification_preference__delivery=Delivery.IMMEDIATE
    )


def notification_emails_send() -> int:
    """Send every pending e-mail of people who want them immediately; returns how many.

    Each notification is locked, sent and marked in its own transaction; a notification that
    another sender holds is skipped, so two runs never send the same one. One that fails (a
    recipient's address the mail server refuses) is logged and left pending; the others go.
    """
    pending = list(
        Notification.objects.filter(emailed_at__isnull=True)
        .filter(_immediate_recipient())
        .order_by("created_at", "id")
        .values_list("pk", "engagement_id")
    )
    sent = 0
    connection = get_connection()
    for pk, engagement_id in pending:
        with fanout.item("Notification e-mail", engagement=engagement_id, notification=pk):
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("engagement", "recipient")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not _still_in_inbox(notification):
                continue
            _email(connection, notification.recipient, *_single_message(notification))
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def _still_in_inbox(notification: Notification) -> bool:
    """Whether the recipient may still read the notification, asked when it is sent: the
    inbox's own rule (`selectors.notifications_for`), and an active account. A person who
    left the engagement's parties after the event is not e-mailed about it (the notification
    stays unsent, hidden from their inbox as long as they are not a member again)."""
    recipient = notification.recipient
    return (
        recipient.is_active
        and selectors.notifications_for(user=recipient).filter(pk=notification.pk).exists()
    )


def notification_digests_send(*, day: date) -> int:
    """Send the digest of `day` to each person who chose digests and has pending
    notifications; returns how many digests went out. A second run of the same day sends
    nothing: what arrives later waits for the next day's digest. One person's digest that
    fails is logged and left for the next run; the others go."""
    cutoff = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    pending = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created_at__lt=cutoff,
            recipient__notification_preference__delivery=Delivery.DIGEST,
        )
        .exclude(recipient__notification_digests__day=day)
        .order_by()
        .values_list("recipient_id", "engagement_id")
        .distinct()
    )
    engagements_of: dict[int, set[int]] = defaultdict(set)
    for recipient_id, engagement_id in pending:
        engagements_of[recipient_id].add(engagement_id)
    sent = 0
    connection = get_connection()
    for recipient_id, engagement_ids in sorted(engagements_of.items()):
        with fanout.item("Digest", engagement=engagement_ids, user=recipient_id, day=day):
            try:
                with transaction.atomic():
                    if _digest_send(connection, recipient_id=recipient_id, day=day, cutoff=cutoff):
                        sent += 1
            except IntegrityError:
                # Another run wrote this person's digest of the day first.
                logger.info("Digest of %s for user %s already sent.", day, recipient_id)
    return sent


def _digest_send(connection, *, recipient_id: int, day: date, cutoff: datetime) -> bool:
    recipient = User.objects.filter(pk=recipient_id, is_active=True).first()
    if recipient is None:
        return False
    # What the digest lists is read at send time through the inbox's rule: nothing of an
    # engagement the person has left since.
    notifications = list(
        selectors.notifications_for(user=recipient)
        .select_for_update(skip_locked=True, of=("self",))
        .filter(emailed_at__isnull=True, created_at__lt=cutoff)
        .order_by("engagement__name", "created_at", "id")
    )
    if not notifications:
        return False
    digest = NotificationDigest(recipient=recipient, day=day, notification_count=len(notifications))
    digest.full_clean(validate_constraints=False)
    digest.save()
    subject = (
        f"Your RPO Portal digest of {formats.day(day)}: "
        f"{formats.counted(len(notifications), 'notification')}"
    )
    context = {"day": day, "notifications": notifications, "site_url": site_url()}
    body = render_to_string("notifications/email_digest.txt", context)
    html = render_to_string("notifications/email_digest.html", context)
    _email(connection, recipient, subject, body, html)
    Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(
        emailed_at=timezone.now(), digest=digest
    )
    return True


def _single_message(notification: Notification) -> tuple[str, str, str]:
    subject = f"[{notification.engagement.name}] {notification.subject}"
    context = {"notification": notification, "site_url": site_url()}
    return (
        subject,
        render_to_string("notifications/email_single.txt", context),
        render_to_string("notifications/email_single.html", context),
    )


def _email(connection, recipient, subject: str, body: str, html: str) -> None:
    """One notification e-mail: plain text and HTML, with the one-click unsubscribe (RFC
    8058) that mail programs offer as a button."""
    unsubscribe = site_url() + reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(recipient)]
    )
    portal_email(
        subject=subject,
        body=body,
        html=html,
        to=[recipient.email],
        connection=connection,
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    ).send()


# --- unsubscribing without signing in ----------------------------------------------------------

UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def unsubscribe_token(user) -> str:
    """A signed token naming the user (and their address, so it dies with an address
    change): the link in every notification e-mail's List-Unsubscribe header."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_of_unsubscribe_token(token: str):
    """The active user a token names, or None for a forged, altered or stale one."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    return User.objects.filter(pk=data.get("u"), email=data.get("e"), is_active=True).first()


def notification_emails_unsubscribe(*, token: str):
    """Turn a person's notification e-mails (digest or immediate) off from the link in one,
    without signing in: the token is the proof. Returns the user, or None for a bad token.
    Their notifications stay in the portal."""
    user = user_of_unsubscribe_token(token)
    if user is None:
        return None
    notification_preference_set(actor=user, delivery=Delivery.OFF)
    return user
