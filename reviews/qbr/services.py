"""Writes of QBR packs: start one, generate it (in a worker), expire old ones, subscribe,
and deliver each closed quarter's pack by e-mail."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from engagements.access import party_of
from engagements.models import Engagement
from kpis import selectors as kpi_selectors
from kpis.registry import KPIS
from reviews import quarters
from reviews.models import (
    QBR_EXTENSIONS,
    Meeting,
    MeetingStatus,
    QbrDelivery,
    QbrFormat,
    QbrPack,
    QbrPackStatus,
    QbrSubscription,
    Tier,
)
from reviews.qbr.content import PackContent
from reviews.qbr.sections import SECTIONS, PackContext
from rpo_portal import fanout, formats, tenant_db
from rpo_portal.mail import portal_email
from rpo_portal.redis_errors import REDIS_ERRORS
from rpo_portal.site import site_url
from rpo_portal.task_names import task_named

logger = logging.getLogger(__name__)

GENERATE = "reviews.generate_qbr_pack"
SUBSCRIBE = "reviews.subscribe_qbr_pack"
FILTERS = "grain quarter, segment all"
SCHEDULED_LABEL = "Scheduled delivery"


def _builders():
    from reviews.qbr.csvzip import build_csv_zip
    from reviews.qbr.pdf import build_pdf
    from reviews.qbr.xlsx import build_xlsx

    return {QbrFormat.XLSX: build_xlsx, QbrFormat.PDF: build_pdf, QbrFormat.CSV: build_csv_zip}


def _iso(value: datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""


# --- the snapshot -----------------------------------------------------------------------------


def pack_content(
    *,
    engagement: Engagement,
    quarter: str,
    generated_by: str,
    generated_at: datetime,
    progress=None,
) -> PackContent:
    """The pack's content: every section built from the data as it is now."""
    freshness = kpi_selectors.freshness_of(engagement_ids=[engagement.pk])[engagement.pk]
    run = kpi_selectors.last_run(engagement=engagement)
    as_of = run.as_of if run else timezone.localdate()
    meta = {
        "engagement": engagement.name,
        "slug": engagement.slug,
        "client": engagement.client.name,
        "provider": engagement.provider.name,
        "parties": f"{engagement.client.name} and {engagement.provider.name}",
        "currency": engagement.currency,
        "quarter": quarter,
        "title": f"{engagement.name}: quarterly business review {quarter}",
        "subtitle": (
            f"{engagement.client.name} and {engagement.provider.name} · data as of "
            f"{formats.day(as_of)} · {FILTERS}"
        ),
        "filters": FILTERS,
        "as_of": as_of.isoformat(),
        "last_import": _iso(freshness.last_import),
        "last_recompute": _iso(freshness.last_recompute),
        "stale": freshness.stale,
        "definition_versions": {kpi.key: kpi.version for kpi in KPIS},
        "generated_by": generated_by,
        "generated_at": _iso(generated_at),
    }
    context = PackContext(engagement, quarter, as_of, timezone.localdate(generated_at), meta)
    sections = []
    for n, (_, builder) in enumerate(SECTIONS, start=1):
        sections.append(builder(context))
        if progress:
            progress(int(70 * n / len(SECTIONS)), f"Read {sections[-1].title.lower()}")
    return PackContent(meta, sections)


def pack_file(*, content: PackContent, fmt: str) -> bytes:
    return _builders()[fmt](content)


def pack_file_name(*, engagement: Engagement, quarter: str, fmt: str) -> str:
    return f"qbr-{engagement.slug}-{quarter}.{QBR_EXTENSIONS[fmt]}"


# --- starting and generating ------------------------------------------------------------------


# A quarter's pack stays this long after its strategic review (the QBR) has ended.
AFTER_REVIEW = timedelta(days=7)


def _review_end(engagement_id: int, quarter: str) -> datetime | None:
    """When the quarter's strategic review ends: the first strategic meeting, not cancelled,
    starting after the quarter ends and before the next one does (the QBR reviews the last
    closed quarter), held or still to come."""
    after = quarters.quarter_end(quarter) + timedelta(days=1)
    until = quarters.quarter_end(quarters.quarter_of(after)) + timedelta(days=1)
    review = (
        Meeting.objects.filter(
            engagement_id=engagement_id,
            tier=Tier.STRATEGIC,
            starts_at__gte=datetime.combine(after, time.min, tzinfo=UTC),
            starts_at__lt=datetime.combine(until, time.min, tzinfo=UTC),
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("starts_at")
        .first()
    )
    if review is None:
        return None
    return max(
        review.starts_at + timedelta(minutes=review.duration_minutes),
        review.held_at or review.starts_at,
    )


def _expires_at(engagement_id: int, quarter: str, made: datetime) -> datetime:
    """`RPO_QBR_PACK_DAYS` after the pack is made, and never before a week after the
    quarter's strategic review: a pack made for the QBR is there when the QBR is held."""
    days = made + timedelta(days=settings.RPO_QBR_PACK_DAYS)
    review = _review_end(engagement_id, quarter)
    return max(days, review + AFTER_REVIEW) if review else days


def _validate(quarter: str, fmt: str) -> None:
    if not quarters.is_quarter(quarter):
        raise ValidationError({"quarter": "Give a quarter like 2026-Q1."})
    if fmt not in QbrFormat.values:
        raise ValidationError({"format": f"Choose one of {', '.join(QbrFormat.values)}."})


@transaction.atomic
def qbr_pack_start(*, actor, engagement: Engagement, quarter: str, fmt: str) -> QbrPack:
    """Record a pack to make and hand it to a worker once the transaction commits."""
    if not actor.has_perm(GENERATE, engagement):
        raise PermissionDenied("Your role does not allow generating QBR packs.")
    _validate(quarter, fmt)
    now = timezone.now()
    pack = QbrPack(
        engagement=engagement,
        quarter=quarter,
        format=fmt,
        generated_by=actor if getattr(actor, "pk", None) and hasattr(actor, "email") else None,
        generated_by_label=str(actor),
        message="Waiting for a worker",
        expires_at=_expires_at(engagement.pk, quarter, now),
    )
    pack.full_clean()
    pack.save()
    # On a failed enqueue it marks the pack failed: a write, so in the request's tenant context.
    tenant_db.on_commit_in_tenant(lambda: _enqueue(pack))
    return pack


def _enqueue(pack: QbrPack) -> None:
    try:
        task_named("reviews.tasks.generate_qbr_pack").delay(pack.pk, pack.engagement_id)
    except REDIS_ERRORS:
        logger.warning("QBR pack %s not queued", pack.pk, exc_info=True)
        QbrPack.objects.filter(pk=pack.pk).update(
            status=QbrPackStatus.FAILED,
            message="The job queue cannot be reached: try again in a moment.",
            finished_at=timezone.now(),
        )


def _set_progress(pack: QbrPack, percent: int, message: str) -> None:
    pack.progress, pack.message = percent, message
    # Its own statement outside the generation's work, so the page sees it at once.
    QbrPack.objects.filter(pk=pack.pk).update(
        status=QbrPackStatus.RUNNING, progress=percent, message=message
    )


def qbr_pack_generate(*, pack_id: int) -> QbrPack | None:
    """What the worker does: snapshot the numbers, draw the file, store both.

    A retried task finds a finished pack and leaves it as it is.
    """
    pack = QbrPack.objects.select_related("engagement__client", "engagement__provider").filter(
        pk=pack_id
    )
    pack = pack.first()
    if pack is None or pack.is_finished:
        return pack
    _set_progress(pack, 5, "Reading the numbers")
    try:
        _generate(pack)
    except Exception:
        QbrPack.objects.filter(pk=pack.pk).update(
            status=QbrPackStatus.FAILED, message="Generation failed", finished_at=timezone.now()
        )
        raise
    return pack


def _generate(pack: QbrPack) -> None:
    engagement = pack.engagement
    content = pack_content(
        engagement=engagement,
        quarter=pack.quarter,
        generated_by=pack.generated_by_label,
        generated_at=pack.created_at,
        progress=lambda percent, message: _set_progress(pack, percent, message),
    )
    _set_progress(pack, 75, f"Drawing the {pack.get_format_display()} file")
    data = pack_file(content=content, fmt=pack.format)
    name = pack_file_name(engagement=engagement, quarter=pack.quarter, fmt=pack.format)
    meta = content.meta
    with transaction.atomic():
        pack.content = content.to_json()
        pack.as_of = date.fromisoformat(meta["as_of"])
        pack.last_import = _parse(meta["last_import"])
        pack.last_recompute = _parse(meta["last_recompute"])
        pack.definition_versions = meta["definition_versions"]
        pack.filters = meta["filters"]
        pack.file.save(name, ContentFile(data), save=False)
        pack.file_name = name
        pack.file_size = len(data)
        pack.status = QbrPackStatus.READY
        pack.progress = 100
        pack.message = "Ready"
        pack.finished_at = timezone.now()
        pack.save()


def _parse(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def qbr_pack_build_now(
    *, engagement: Engagement, quarter: str, fmt: str, generated_by: str
) -> tuple[PackContent, bytes]:
    """The command line's pack: built at once, written where the caller says, not kept."""
    _validate(quarter, fmt)
    content = pack_content(
        engagement=engagement,
        quarter=quarter,
        generated_by=generated_by,
        generated_at=timezone.now().replace(microsecond=0),
    )
    return content, pack_file(content=content, fmt=fmt)


# --- expiry -----------------------------------------------------------------------------------


def qbr_packs_expire(*, now: datetime | None = None) -> int:
    """Delete the files of packs past their time; the record stays, marked expired. A pack
    whose file cannot be deleted is logged with its engagement and stays as it is; the others
    expire."""
    now = now or timezone.now()
    expired = 0
    # The packs due by the next daily run, so one whose review moved later is kept in time.
    packs = QbrPack.objects.filter(expires_at__lte=now + timedelta(days=1)).exclude(
        status=QbrPackStatus.EXPIRED
    )
    for pack in packs.defer("content").iterator():
        with fanout.item("QBR pack expiry", engagement=pack.engagement_id, pack=pack.pk):
            review = _review_end(pack.engagement_id, pack.quarter)
            keep = review + AFTER_REVIEW if review else pack.expires_at
            if keep > pack.expires_at:  # its review was (re)scheduled after it was made
                pack.expires_at = keep
                pack.save(update_fields=["expires_at"])
            if pack.expires_at > now:
                continue
            if pack.file:
                pack.file.delete(save=False)
            pack.status = QbrPackStatus.EXPIRED
            pack.message = "Expired"
            pack.content = {}
            pack.save(update_fields=["file", "status", "message", "content"])
            expired += 1
    return expired


# --- subscriptions and delivery ---------------------------------------------------------------


@transaction.atomic
def qbr_subscription_set(
    *, actor, engagement: Engagement, fmt: str | None
) -> QbrSubscription | None:
    """Subscribe the actor to the engagement's pack in `fmt`, or unsubscribe (None)."""
    if not actor.has_perm(SUBSCRIBE, engagement):
        raise PermissionDenied("Only members of the engagement can subscribe.")
    if fmt is None:
        QbrSubscription.objects.filter(engagement=engagement, user=actor).delete()
        return None
    if fmt not in QbrFormat.values:
        raise ValidationError({"format": f"Choose one of {', '.join(QbrFormat.values)}."})
    subscription, _ = QbrSubscription.objects.update_or_create(
        engagement=engagement, user=actor, defaults={"format": fmt}
    )
    return subscription


@dataclass
class DeliveryResult:
    sent: int = 0
    skipped: int = 0
    packs: int = 0


def qbr_packs_deliver(*, today: date | None = None) -> DeliveryResult:
    """E-mail each subscriber the pack of the latest closed quarter, once.

    A quarter closes `RPO_QBR_GRACE_DAYS` after its last day. Subscribers who subscribed
    after it closed wait for the next one. One pack per engagement and format is generated
    and sent to all who chose that format; a delivery record (unique per subscriber and
    quarter) is written in the same transaction as the e-mail is sent, so a second run, or
    two at once, send nothing more.
    """
    today = today or timezone.localdate()
    quarter = quarters.last_closed_quarter(today, settings.RPO_QBR_GRACE_DAYS)
    closed_on = quarters.closes_on(quarter, settings.RPO_QBR_GRACE_DAYS)
    result = DeliveryResult()
    delivered = set(
        QbrDelivery.objects.filter(quarter=quarter).values_list("engagement_id", "user_id")
    )
    subscriptions = (
        QbrSubscription.objects.filter(created_at__date__lte=closed_on)
        .select_related("engagement__client", "engagement__provider", "user")
        .order_by("engagement_id", "format", "user_id")
    )
    packs: dict[tuple[int, str], QbrPack | None] = {}
    for subscription in subscriptions:
        engagement = subscription.engagement
        if (engagement.pk, subscription.user_id) in delivered:
            continue
        if party_of(subscription.user, engagement) is None or not subscription.user.is_active:
            result.skipped += 1  # no longer a member: nothing leaves the engagement
            continue
        key = (engagement.pk, subscription.format)
        # A pack that cannot be made, or an e-mail that cannot be sent, is logged with its
        # engagement; every other engagement and subscriber still gets theirs.
        if key not in packs:
            packs[key] = None
            with fanout.item(
                "QBR pack", engagement=engagement.pk, quarter=quarter, format=subscription.format
            ):
                packs[key] = _scheduled_pack(engagement, quarter, subscription.format)
                result.packs += 1
        if packs[key] is None:
            result.skipped += 1
            continue
        with fanout.item(
            "QBR delivery", engagement=engagement.pk, user=subscription.user_id, quarter=quarter
        ):
            if _deliver(subscription, quarter, packs[key]):
                result.sent += 1
            else:
                result.skipped += 1
    return result


def _scheduled_pack(engagement: Engagement, quarter: str, fmt: str) -> QbrPack:
    """The quarter's scheduled pack in this format, generated once."""
    now = timezone.now()
    pack = (
        QbrPack.objects.filter(
            engagement=engagement,
            quarter=quarter,
            format=fmt,
            scheduled=True,
            status=QbrPackStatus.READY,
            expires_at__gt=now,
        )
        .order_by("-created_at")
        .first()
    )
    if pack is not None:
        return pack
    pack = QbrPack.objects.create(
        engagement=engagement,
        quarter=quarter,
        format=fmt,
        scheduled=True,
        generated_by_label=SCHEDULED_LABEL,
        expires_at=_expires_at(engagement.pk, quarter, now),
    )
    return qbr_pack_generate(pack_id=pack.pk)


def _deliver(subscription: QbrSubscription, quarter: str, pack: QbrPack) -> bool:
    try:
        with transaction.atomic():
            _lock_delivery(subscription, quarter)
            delivery, created = QbrDelivery.objects.get_or_create(
                engagement=subscription.engagement,
                user=subscription.user,
                quarter=quarter,
                defaults={"pack": pack},
            )
            if not created:
                return False
            _delivery_email(subscription, pack).send()
    except IntegrityError:
        return False
    return True


def _lock_delivery(subscription: QbrSubscription, quarter: str) -> None:
    """Two runs at once queue here, so one sends and the other finds the record."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('qbr-delivery'), %s)", [subscription.pk]
        )


def _delivery_email(subscription: QbrSubscription, pack: QbrPack):
    engagement = subscription.engagement
    url = site_url() + reverse("qbr:list", args=[engagement.pk])
    body = "\n".join(
        [
            f"The quarterly business review pack of {engagement.name} for {pack.quarter} "
            f"is attached ({pack.get_format_display()}).",
            "",
            f"Parties: {engagement.client.name} and {engagement.provider.name}",
            f"Quarter: {pack.quarter}",
            f"Filters: {pack.filters}",
            f"Data as of: {pack.as_of.isoformat() if pack.as_of else 'unknown'}",
            f"Last import: {_iso(pack.last_import) or 'none'}",
            f"Last recompute: {_iso(pack.last_recompute) or 'not computed'}",
            f"Generated: {_iso(pack.finished_at)}",
            "",
            f"All packs of this engagement, and your subscription: {url}",
        ]
    )
    message = portal_email(
        subject=f"QBR pack {pack.quarter}: {engagement.name}",
        body=body,
        to=[subscription.user.email],
    )
    with pack.file.open("rb") as handle:
        message.attach(pack.file_name, handle.read(), pack.content_type)
    return message
