"""Writes for KPIs: the recompute of MetricValue and the negotiation of targets."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from engagements.access import party_of
from engagements.models import Engagement
from kpis import compute
from kpis.models import KpiTarget, MetricRun, TargetEvent, TargetState
from kpis.registry import DEFINITION_VERSION

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock(LOCK_CLASS, engagement id): one recompute per engagement at a time.
LOCK_CLASS = 7301
# A burst of imports within this many seconds enqueues one recompute.
DEBOUNCE_SECONDS = getattr(settings, "KPI_RECOMPUTE_DEBOUNCE_SECONDS", 30)

VALUE_COLUMNS = [*compute.OUTPUT_COLUMNS, "status", "target_id"]
# Everything but the key: a row is rewritten only when one of these differs.
COMPARED = [c for c in VALUE_COLUMNS if c not in compute.KEY_COLUMNS]


@dataclass
class RecomputeResult:
    engagement_id: int
    computed: bool  # False: another run holds the engagement's lock
    as_of: date | None = None
    value_count: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def unchanged(self) -> int:
        return self.value_count - self.inserted - self.updated

    def __str__(self) -> str:
        if not self.computed:
            return f"engagement {self.engagement_id}: a recompute is already running, skipped"
        return (
            f"engagement {self.engagement_id} as of {self.as_of}: {self.value_count} values, "
            f"{self.inserted} new, {self.updated} changed, {self.unchanged} unchanged, "
            f"{self.deleted} removed"
        )


def _try_lock(engagement_id: int) -> bool:
    """Take the engagement's recompute lock for the current transaction, without waiting."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_CLASS, engagement_id])
        return bool(cursor.fetchone()[0])


def _agreed_targets(engagement: Engagement) -> pd.DataFrame:
    rows = list(
        KpiTarget.objects.filter(engagement=engagement, state=TargetState.AGREED).values_list(
            "id",
            "kpi",
            "grain",
            "dimension",
            "segment",
            "effective_from",
            "effective_to",
            "target_value",
            "breach_threshold",
            "min_sample_size",
            "responded_at",
        )
    )
    return pd.DataFrame(rows, columns=compute.TARGET_COLUMNS)


def _write_values(engagement_id: int, values: pd.DataFrame, now) -> tuple[int, int, int]:
    """Upsert `values` and delete the engagement's values that are no longer defined.

    Rows whose stored fields are all equal are not rewritten. Returns (inserted, updated,
    deleted).
    """
    buffer = io.StringIO()
    values[VALUE_COLUMNS].to_csv(buffer, index=False, header=False, na_rep="")
    buffer.seek(0)
    columns = ", ".join(VALUE_COLUMNS)
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*COMPARED, "computed_at"])
    stored = ", ".join(f"m.{c}" for c in COMPARED)
    incoming = ", ".join(f"EXCLUDED.{c}" for c in COMPARED)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS kpis_recompute")
        cursor.execute(
            "CREATE TEMP TABLE kpis_recompute ("
            " kpi varchar(40), version smallint, grain varchar(10), period varchar(10),"
            " period_start date, period_end date, dimension varchar(20), segment varchar(200),"
            " value double precision, n integer, numerator double precision,"
            " denominator double precision, suppressed boolean, status varchar(20),"
            " target_id bigint) ON COMMIT DROP"
        )
        cursor.copy_expert(
            f"COPY kpis_recompute ({columns}) FROM STDIN "
            "WITH (FORMAT csv, FORCE_NOT_NULL (status, segment))",
            buffer,
        )
        # The planner needs the temporary table's key and size to join it with the values.
        cursor.execute(
            "ALTER TABLE kpis_recompute ADD PRIMARY KEY (kpi, version, grain, period, dimension,"
            " segment)"
        )
        cursor.execute("ANALYZE kpis_recompute")
        cursor.execute(
            f"INSERT INTO kpis_metricvalue AS m (engagement_id, {columns}, computed_at) "  # noqa: S608 - column names are constants
            f"SELECT %s, {columns}, %s FROM kpis_recompute "
            "ON CONFLICT ON CONSTRAINT metric_value_unique DO UPDATE "
            f"SET {assignments} WHERE ({stored}) IS DISTINCT FROM ({incoming}) "
            "RETURNING (xmax = 0)",
            [engagement_id, now],
        )
        written = [row[0] for row in cursor.fetchall()]
        # NOT IN is planned as one hashed subplan whatever the statistics of the freshly
        # written values say (NOT EXISTS chose nested loops: 20-60x slower). The staging key
        # is a primary key, so no NULL can make NOT IN differ from NOT EXISTS.
        cursor.execute(
            "DELETE FROM kpis_metricvalue m WHERE m.engagement_id = %s AND m.version = %s "
            "AND (m.kpi, m.grain, m.period, m.dimension, m.segment) NOT IN "
            "(SELECT kpi, grain, period, dimension, segment FROM kpis_recompute)",
            [engagement_id, DEFINITION_VERSION],
        )
        deleted = cursor.rowcount
        cursor.execute("DROP TABLE kpis_recompute")
    inserted = sum(written)
    return inserted, len(written) - inserted, deleted


def engagement_metrics_recompute(
    *,
    engagement: Engagement,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> RecomputeResult:
    """Recompute every KPI value of the engagement as of `as_of` (default today).

    One transaction: a run that dies halfway leaves the previous values. Runs of one
    engagement never overlap: a second one returns at once with `computed=False`.
    """
    as_of = as_of or timezone.now().date()
    report = progress or (lambda message: None)
    with transaction.atomic():
        if not _try_lock(engagement.pk):
            return RecomputeResult(engagement_id=engagement.pk, computed=False)
        started = timezone.now()
        report("Reading recruiting data")
        frames = compute.load_frames(engagement.pk)
        report("Computing KPI values")
        policy = Engagement.objects.values_list("exclude_on_hold", flat=True).get(pk=engagement.pk)
        values = compute.metric_frame(frames, as_of=as_of, exclude_on_hold=policy)
        values = compute.with_status(values, _agreed_targets(engagement))
        report("Saving KPI values")
        inserted, updated, deleted = _write_values(engagement.pk, values, started)
        Engagement.objects.filter(pk=engagement.pk).update(metrics_computed_at=started)
        MetricRun.objects.create(
            engagement=engagement,
            as_of=as_of,
            started_at=started,
            finished_at=timezone.now(),
            value_count=len(values),
            inserted=inserted,
            updated=updated,
            deleted=deleted,
        )
    result = RecomputeResult(
        engagement_id=engagement.pk,
        computed=True,
        as_of=as_of,
        value_count=len(values),
        inserted=inserted,
        updated=updated,
        deleted=deleted,
    )
    logger.info("KPI recompute: %s", result)
    return result


def engagements_to_recompute(*, full: bool = False):
    """Engagements whose data (or targets) changed since their values were computed."""
    engagements = Engagement.objects.order_by("pk")
    if full:
        return engagements
    return engagements.filter(
        Q(metrics_computed_at__isnull=True) | Q(data_changed_at__gt=F("metrics_computed_at"))
    )


def metrics_recompute_stale(*, full: bool = False, as_of: date | None = None):
    """The nightly job: recompute every engagement that needs it, one at a time."""
    return [
        engagement_metrics_recompute(engagement=engagement, as_of=as_of)
        for engagement in engagements_to_recompute(full=full)
    ]


# --- scheduling and progress (Redis) ---------------------------------------------------------


def _pending_key(engagement_id: int) -> str:
    return f"kpis:recompute-pending:{engagement_id}"


def _progress_key(engagement_id: int) -> str:
    return f"kpis:recompute-progress:{engagement_id}"


def metrics_recompute_schedule(*, engagement_id: int, countdown: int = DEBOUNCE_SECONDS) -> bool:
    """Enqueue a recompute `countdown` seconds from now unless one is already waiting.

    Returns whether a task was enqueued: a burst of imports enqueues one run.
    """
    from kpis.tasks import recompute_engagement_metrics

    if not cache.add(_pending_key(engagement_id), 1, timeout=countdown + 300):
        return False
    recompute_engagement_metrics.apply_async(args=[engagement_id], countdown=countdown)
    return True


def recompute_progress_set(*, engagement_id: int, state: str, message: str) -> None:
    cache.set(
        _progress_key(engagement_id),
        {"state": state, "message": message, "at": timezone.now().isoformat()},
        timeout=3600,
    )


def recompute_progress(*, engagement_id: int) -> dict[str, str] | None:
    return cache.get(_progress_key(engagement_id))


def metrics_recompute_now(*, actor, engagement: Engagement) -> None:
    """The "Recompute now" button: enqueue at once and show progress."""
    from kpis.tasks import recompute_engagement_metrics

    if not actor.has_perm("kpis.recompute", engagement):
        raise PermissionDenied("Your role does not allow recomputing KPIs.")
    recompute_progress_set(engagement_id=engagement.pk, state="queued", message="Waiting to start")
    transaction.on_commit(
        lambda: recompute_engagement_metrics.apply_async(args=[engagement.pk], countdown=0)
    )


def metrics_recompute_task_run(*, engagement_id: int) -> RecomputeResult | None:
    """What the Celery task does: clear the debounce marker, recompute, record progress."""
    cache.delete(_pending_key(engagement_id))
    engagement = Engagement.objects.filter(pk=engagement_id).first()
    if engagement is None:
        return None

    def progress(message: str) -> None:
        recompute_progress_set(engagement_id=engagement_id, state="running", message=message)

    try:
        result = engagement_metrics_recompute(engagement=engagement, progress=progress)
    except Exception:
        recompute_progress_set(engagement_id=engagement_id, state="failed", message="Failed")
        raise
    state = "done" if result.computed else "skipped"
    message = (
        f"{result.value_count} values ({result.inserted} new, {result.updated} changed, "
        f"{result.deleted} removed)"
        if result.computed
        else "Another recompute of this engagement is running"
    )
    recompute_progress_set(engagement_id=engagement_id, state=state, message=message)
    return result


# --- targets ----------------------------------------------------------------------------------

TARGET_FIELDS = (
    "kpi",
    "grain",
    "dimension",
    "segment",
    "effective_from",
    "effective_to",
    "target_value",
    "at_risk_threshold",
    "breach_threshold",
    "min_sample_size",
)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _target_terms(target: KpiTarget) -> dict[str, Any]:
    return {field: _jsonable(getattr(target, field)) for field in TARGET_FIELDS}


def _negotiator_party(actor, engagement: Engagement, perm: str) -> str:
    if not actor.has_perm(perm, engagement):
        raise PermissionDenied("Your role does not allow this.")
    party = party_of(actor, engagement)
    if party is None:
        raise PermissionDenied("You are not a party to this engagement.")
    return party


def _record(target: KpiTarget, action: str, actor, party: str, changes: dict, note: str):
    TargetEvent.objects.create(
        engagement_id=target.engagement_id,
        target=target,
        action=action,
        actor=actor,
        party=party,
        at=timezone.now(),
        changes=changes,
        note=note,
    )


@transaction.atomic
def target_propose(
    *,
    actor,
    engagement: Engagement,
    kpi: str,
    grain: str,
    effective_from: date,
    target_value: Decimal,
    at_risk_threshold: Decimal,
    breach_threshold: Decimal,
    min_sample_size: int = 1,
    dimension: str = "",
    segment: str = "",
    effective_to: date | None = None,
    note: str = "",
    replaces: KpiTarget | None = None,
) -> KpiTarget:
    """One party proposes a target; it gives status only once the other party agrees."""
    party = _negotiator_party(actor, engagement, "kpis.propose_target")
    target = KpiTarget(
        engagement=engagement,
        kpi=kpi,
        grain=grain,
        dimension=dimension,
        segment=segment,
        effective_from=effective_from,
        effective_to=effective_to,
        target_value=target_value,
        at_risk_threshold=at_risk_threshold,
        breach_threshold=breach_threshold,
        min_sample_size=min_sample_size,
        proposed_by=actor,
        proposed_by_party=party,
        proposed_at=timezone.now(),
        replaces=replaces,
        note=note,
    )
    target.full_clean()
    target.save()
    terms = _target_terms(target)
    if replaces is not None:
        before = _target_terms(replaces)
        changes = {k: [before[k], v] for k, v in terms.items() if before[k] != v}
    else:
        changes = terms
    _record(target, TargetEvent.Action.PROPOSED, actor, party, changes, note)
    return target


def _respond(actor, target: KpiTarget, state: str) -> str:
    target = KpiTarget.objects.select_for_update().get(pk=target.pk)
    party = _negotiator_party(actor, target.engagement, "kpis.agree_target")
    if party == target.proposed_by_party:
        raise PermissionDenied("The other party must respond to this proposal.")
    if target.state != TargetState.PROPOSED:
        raise ValidationError(f"This proposal is already {target.get_state_display().lower()}.")
    KpiTarget.objects.filter(pk=target.pk).update(
        state=state, responded_by=actor, responded_at=timezone.now()
    )
    return party


def _targets_changed(engagement_id: int) -> None:
    """Agreed targets change statuses: recompute like after an import."""
    from engagements.services import engagement_mark_data_changed

    engagement_mark_data_changed(engagement=Engagement(pk=engagement_id))


@transaction.atomic
def target_agree(*, actor, target: KpiTarget, note: str = "") -> KpiTarget:
    party = _respond(actor, target, TargetState.AGREED)
    target.refresh_from_db()
    _record(target, TargetEvent.Action.AGREED, actor, party, {"state": "agreed"}, note)
    _targets_changed(target.engagement_id)
    return target


@transaction.atomic
def target_reject(*, actor, target: KpiTarget, note: str = "") -> KpiTarget:
    party = _respond(actor, target, TargetState.REJECTED)
    target.refresh_from_db()
    _record(target, TargetEvent.Action.REJECTED, actor, party, {"state": "rejected"}, note)
    return target


@transaction.atomic
def target_counter(*, actor, target: KpiTarget, note: str = "", **terms) -> KpiTarget:
    """The other party answers with different terms: a new proposal for the first to answer."""
    party = _respond(actor, target, TargetState.COUNTERED)
    target.refresh_from_db()
    proposal = {field: getattr(target, field) for field in TARGET_FIELDS} | terms
    counter = target_propose(
        actor=actor, engagement=target.engagement, replaces=target, note=note, **proposal
    )
    _record(
        target,
        TargetEvent.Action.COUNTERED,
        actor,
        party,
        {"state": "countered", "counter_proposal": counter.pk},
        note,
    )
    return counter
