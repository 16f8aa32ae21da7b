"""Writes for KPIs: the recompute of MetricValue and the negotiation of targets."""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from engagements import agreement
from engagements.models import Engagement
from kpis import compute
from kpis.models import EngagementMetricsState, KpiTarget, MetricRun, TargetEvent, TargetState
from kpis.registry import DEFINITION_VERSION
from recruiting.models import Application
from rpo_portal.redis_errors import REDIS_ERRORS

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock(LOCK_CLASS, engagement id): one recompute per engagement at a time.
LOCK_CLASS = 7301
# A burst of imports within this many seconds enqueues one recompute.
DEBOUNCE_SECONDS = getattr(settings, "KPI_RECOMPUTE_DEBOUNCE_SECONDS", 30)
# A full run computes engagements together, up to this many applications at a time.
BATCH_ROWS = settings.KPI_RECOMPUTE_BATCH_ROWS
# A write inserting this many values refreshes the table's planner statistics.
ANALYZE_AFTER_ROWS = 100_000
# The fingerprint of no values at all.
EMPTY = "0000000000000000-0"

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


def _try_locks(engagement_ids: list[int]) -> list[int]:
    """Take each engagement's recompute lock for the current transaction, without waiting.

    Returns the ids whose lock was taken; the others are being recomputed by another run.
    """
    if not engagement_ids:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM unnest(%s::bigint[]) AS id "
            "WHERE pg_try_advisory_xact_lock(%s, id::integer) ORDER BY id",
            [list(engagement_ids), LOCK_CLASS],
        )
        return [row[0] for row in cursor.fetchall()]


# The model's field behind each of compute.TARGET_COLUMNS where the names differ.
TARGET_FIELD_OF = {"target_id": "id", "agreed_at": "responded_at"}


def _agreed_targets(engagement_ids: list[int]) -> pd.DataFrame:
    fields = [TARGET_FIELD_OF.get(c, c) for c in compute.TARGET_COLUMNS]
    rows = list(
        KpiTarget.objects.filter(
            engagement_id__in=engagement_ids, state=TargetState.AGREED
        ).values_list(*fields)
    )
    return pd.DataFrame(rows, columns=compute.TARGET_COLUMNS)


def _fingerprints(values: pd.DataFrame) -> dict[int, str]:
    """A hash of each engagement's values: the sum of their `row_hash`, so of any order.

    A run whose values hash the same as the last run's writes nothing.
    """
    if values.empty:
        return {}
    rows = values["row_hash"].to_numpy().view(np.uint64)
    index, engagements = pd.factorize(values["engagement_id"].to_numpy())
    total = np.zeros(len(engagements), dtype=np.uint64)
    np.add.at(total, index, rows)  # wraps modulo 2**64, so the order never matters
    count = np.bincount(index, minlength=len(engagements))
    return {
        int(engagement): f"{int(t):016x}-{int(c)}"
        for engagement, t, c in zip(engagements, total, count, strict=True)
    }


def _last_fingerprints(engagement_ids: list[int]) -> dict[int, str]:
    runs = (
        MetricRun.objects.filter(engagement_id__in=engagement_ids)
        .order_by("engagement_id", "-started_at", "-id")
        .distinct("engagement_id")
        .values_list("engagement_id", "fingerprint")
    )
    return dict(runs)


KEY = ["engagement_id", *compute.KEY_COLUMNS]
# What a stored value is (its period's bounds follow from the period): each row is hashed over
# these for the fingerprint and for the comparison with what is stored.
STORED_COLUMNS = [*KEY, *[c for c in COMPARED if c not in ("period_start", "period_end")]]


def _arrow(series: pd.Series, column: str) -> pa.Array:
    if isinstance(series.dtype, pd.CategoricalDtype):  # labels and dates, decoded by Arrow
        categories = series.cat.categories
        dictionary = pa.array(
            categories.to_numpy(dtype=object),
            type=pa.date32() if column in ("period_start", "period_end") else pa.string(),
        )
        codes = pa.array(series.cat.codes.to_numpy(), mask=series.isna().to_numpy())
        return pa.DictionaryArray.from_arrays(codes, dictionary).cast(dictionary.type)
    if column in ("period_start", "period_end"):
        return pa.array(series.to_numpy(), type=pa.date32())
    return pa.array(series, from_pandas=True)


def _csv(values: pd.DataFrame, columns: list[str], computed_at=None) -> io.BytesIO:
    """The values as CSV for COPY, written by pyarrow; `computed_at` is one time for all."""
    arrays = {column: _arrow(values[column], column) for column in columns}
    if computed_at is not None:
        utc = computed_at.astimezone(UTC).replace(tzinfo=None)
        arrays["computed_at"] = pa.array(
            np.full(len(values), np.datetime64(utc, "us")), type=pa.timestamp("us")
        )
    buffer = io.BytesIO()
    pacsv.write_csv(
        pa.table(arrays),
        buffer,
        write_options=pacsv.WriteOptions(include_header=False, quoting_style="needed"),
    )
    buffer.seek(0)
    return buffer


def _stored_where(engagement_ids: list[int], alias: str = "kpis_metricvalue") -> str:
    ids = compute.int_array(engagement_ids)
    return f"{alias}.version = {int(DEFINITION_VERSION)} AND {alias}.engagement_id = ANY({ids})"


def _stored_hashes(engagement_ids: list[int]) -> np.ndarray:
    """The row hash of every stored value of these engagements (0 for one without)."""
    where = _stored_where(engagement_ids)
    table = compute.copy_select(
        f"SELECT coalesce(row_hash, 0) AS h FROM kpis_metricvalue WHERE {where}",  # noqa: S608 - ints
        {"h": pa.int64()},
    )
    return table["h"].to_numpy()


def _hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 64-bit hash of each row's `columns`, the same for a label as text or categorical."""
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


def _in_key_order(values: pd.DataFrame) -> pd.DataFrame:
    """The rows grouped by engagement, then KPI, grain, period and segment.

    Written in this order, an engagement's values share table pages (its next recompute
    reads a few pages, not one per value) and the unique index fills in order.
    """
    if len(values) < 2:
        return values
    keys = [values[c] for c in reversed(KEY)]
    codes = [
        k.cat.codes.to_numpy() if isinstance(k.dtype, pd.CategoricalDtype) else k for k in keys
    ]
    return values.iloc[np.lexsort(codes)]


def _per_engagement(frame: pd.DataFrame) -> dict[int, int]:
    return frame["engagement_id"].value_counts().to_dict() if len(frame) else {}


# Up to this many rows are sent with their statement (arrays); more go through a table.
INLINE_ROWS = 2000
SQL_TYPES = {
    "engagement_id": "bigint",
    "kpi": "varchar",
    "version": "smallint",
    "grain": "varchar",
    "period": "varchar",
    "period_start": "date",
    "period_end": "date",
    "dimension": "varchar",
    "segment": "varchar",
    "value": "double precision",
    "n": "integer",
    "numerator": "double precision",
    "denominator": "double precision",
    "suppressed": "boolean",
    "status": "varchar",
    "target_id": "bigint",
    "row_hash": "bigint",
}


def _rows_source(cursor, name: str, frame: pd.DataFrame, columns: list[str]):
    """(a FROM item holding the rows, its parameters): one array per column when few, else a
    temporary table dropped at commit."""
    if len(frame) > INLINE_ROWS:
        types = ", ".join(f"{c} {SQL_TYPES[c]}" for c in columns)
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        cursor.execute(f"CREATE TEMP TABLE {name} ({types}) ON COMMIT DROP")
        blank = ", FORCE_NOT_NULL (segment)" if "segment" in columns else ""  # "" is a segment
        cursor.copy_expert(
            f"COPY {name} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv{blank})",
            _csv(frame, columns),
        )
        cursor.execute(f"ANALYZE {name}")
        return name, []
    arrays = ", ".join(f"%s::{SQL_TYPES[c]}[]" for c in columns)
    values = [_arrow(frame[c], c).to_pylist() for c in columns]  # None for NULL
    return f"unnest({arrays}) AS {name}({', '.join(columns)})", values


def _upsert(cursor, rows: pd.DataFrame, columns: list[str], now) -> dict[int, tuple[int, int]]:
    """Insert the rows, or update the stored value with the same key: (inserted, updated)
    per engagement id."""
    source, values = _rows_source(cursor, "kpis_written", rows, columns)
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in [*COMPARED, "row_hash", "computed_at"])
    # Identifiers only, all from the column lists above; `xmax = 0` on a row just inserted.
    cursor.execute(
        f"WITH written AS (INSERT INTO kpis_metricvalue ({', '.join(columns)}, computed_at)"  # noqa: S608
        f" SELECT {', '.join(columns)}, %s FROM {source}"
        f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {assignments}"
        " RETURNING engagement_id, xmax = 0 AS inserted)"
        " SELECT engagement_id, count(*) FILTER (WHERE inserted),"
        " count(*) FILTER (WHERE NOT inserted) FROM written GROUP BY engagement_id",
        [now, *values],
    )
    return {engagement: (inserted, updated) for engagement, inserted, updated in cursor}


def _delete_stale(cursor, engagement_ids: list[int], stale: np.ndarray) -> dict[int, int]:
    """Delete the stored values with these row hashes: how many per engagement id."""
    source, values = _rows_source(
        cursor, "kpis_stale", pd.DataFrame({"row_hash": stale}), ["row_hash"]
    )
    cursor.execute(
        f"WITH gone AS (DELETE FROM kpis_metricvalue m USING {source}"  # noqa: S608 - ints
        f" WHERE {_stored_where(engagement_ids, 'm')}"
        " AND coalesce(m.row_hash, 0) = kpis_stale.row_hash RETURNING m.engagement_id)"
        " SELECT engagement_id, count(*) FROM gone GROUP BY engagement_id",
        values,
    )
    return dict(cursor.fetchall())


def _write_values(
    engagement_ids: list[int], values: pd.DataFrame, now
) -> dict[int, tuple[int, int, int]]:
    """Make the stored values of these engagements equal to `values`.

    Each stored value carries its row hash: a computed value whose hash is stored is
    unchanged and not sent again. The others are upserted on the value's key (a stored value
    with that key is updated in place, else a new one inserted), then the stored values whose
    hash is no longer computed, and that no upsert rewrote, are deleted. With nothing stored
    yet, the values are COPYed straight into the table. Returns (inserted, updated, deleted)
    per engagement id.
    """
    if not engagement_ids:
        return {}
    stored = _stored_hashes(engagement_ids)
    computed = values["row_hash"].to_numpy()
    columns = ["engagement_id", *VALUE_COLUMNS, "row_hash"]
    written, deleted = {}, {}
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL timezone = 'UTC'")  # computed_at is written without offset
        if not len(stored):
            new = _in_key_order(values)
            cursor.copy_expert(
                f"COPY kpis_metricvalue ({', '.join([*columns, 'computed_at'])}) FROM STDIN "
                "WITH (FORMAT csv, FORCE_NOT_NULL (status, segment))",
                _csv(new, columns, computed_at=now),
            )
            if len(new) >= ANALYZE_AFTER_ROWS:
                # A first computation fills the table: without fresh statistics the planner
                # still takes it for empty and reads every value to find one engagement's.
                cursor.execute("ANALYZE kpis_metricvalue")
            written = {e: (n, 0) for e, n in _per_engagement(new).items()}
        else:
            rows = values[~np.isin(computed, stored)]
            if len(rows):
                written = _upsert(cursor, _in_key_order(rows), columns, now)
            stale = np.unique(stored[~np.isin(stored, computed)])
            if len(stale):
                deleted = _delete_stale(cursor, engagement_ids, stale)
    return {e: (*written.get(e, (0, 0)), deleted.get(e, 0)) for e in engagement_ids}


def _batches(engagement_ids: list[int], limit: int) -> list[list[int]]:
    """Consecutive groups of engagements holding up to `limit` applications each."""
    if len(engagement_ids) <= 1:
        return [engagement_ids] if engagement_ids else []
    with connection.cursor() as cursor:  # the planner's estimate of the table's rows
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'recruiting_application'::regclass"
        )
        estimate = cursor.fetchone()[0]
    if 0 <= estimate < limit * 0.8:  # the whole table fits in one batch: no need to count
        return [engagement_ids]
    sizes = dict(
        Application.objects.filter(engagement_id__in=engagement_ids)
        .values_list("engagement_id")
        .annotate(rows=Count("id"))
        .values_list("engagement_id", "rows")
    )
    batches, batch, rows = [], [], 0
    for engagement_id in engagement_ids:
        size = sizes.get(engagement_id, 0)
        if batch and rows + size > limit:
            batches.append(batch)
            batch, rows = [], 0
        batch.append(engagement_id)
        rows += size
    if batch:
        batches.append(batch)
    return batches


def recompute_batches(engagement_ids: list[int]) -> list[list[int]]:
    """The batches a full run computes together: one Celery task each in the nightly run."""
    return _batches(sorted(engagement_ids), BATCH_ROWS)


def metrics_recompute_batch(*, engagement_ids: list[int], as_of: date) -> list[int]:
    """Recompute one batch; returns the engagements whose stored values changed."""
    results = metrics_recompute(engagement_ids=engagement_ids, as_of=as_of)
    return [
        r.engagement_id for r in results if r.computed and (r.inserted or r.updated or r.deleted)
    ]


def metrics_recompute(
    *,
    engagement_ids: list[int],
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> list[RecomputeResult]:
    """Recompute every KPI value of these engagements as of `as_of` (default today).

    Engagements are computed in batches of up to KPI_RECOMPUTE_BATCH_ROWS applications,
    each batch in one pass of the engine (`engagement_id` is its first group key) and one
    transaction: a run that dies halfway leaves the previous values of every engagement it
    had not finished. Runs of one engagement never overlap: an engagement whose lock another
    run holds gets `computed=False`. An engagement whose values hash the same as its last
    run's is not written again.
    """
    as_of = as_of or timezone.now().date()
    results = {}
    for batch in _batches(sorted(engagement_ids), BATCH_ROWS):
        results.update(_recompute_batch(batch, as_of, progress or (lambda message: None)))
    return [results[engagement_id] for engagement_id in engagement_ids]


def _recompute_batch(engagement_ids, as_of, report) -> dict[int, RecomputeResult]:
    with transaction.atomic():
        locked = _try_locks(engagement_ids)
        results = {
            engagement_id: RecomputeResult(engagement_id=engagement_id, computed=False)
            for engagement_id in engagement_ids
            if engagement_id not in locked
        }
        if not locked:
            return results
        started = timezone.now()
        report("Reading recruiting data")
        frames = compute.load_frames(locked)
        report("Computing KPI values")
        policies = dict(
            Engagement.objects.filter(pk__in=locked).values_list("pk", "exclude_on_hold")
        )
        values = compute.metric_frames(frames, as_of=as_of, exclude_on_hold=policies)
        values = compute.with_status(values, _agreed_targets(locked))
        # The fingerprint's and the diff's, and stored with each value (as a signed bigint).
        values["row_hash"] = _hashes(values, STORED_COLUMNS).view(np.int64)
        fingerprints = _fingerprints(values)
        previous = _last_fingerprints(locked)
        changed = [e for e in locked if fingerprints.get(e, EMPTY) != previous.get(e)]
        report("Saving KPI values")
        if len(changed) < len(locked):
            values = values[values["engagement_id"].isin(changed)]
        counts = _write_values(changed, values, started)
        metrics_state_update(engagement_ids=locked, metrics_computed_at=started)
        finished = timezone.now()
        runs = []
        for engagement_id in locked:
            inserted, updated, deleted = counts.get(engagement_id, (0, 0, 0))
            fingerprint = fingerprints.get(engagement_id, EMPTY)
            result = RecomputeResult(
                engagement_id=engagement_id,
                computed=True,
                as_of=as_of,
                value_count=int(fingerprint.rsplit("-", 1)[1]),
                inserted=inserted,
                updated=updated,
                deleted=deleted,
            )
            results[engagement_id] = result
            runs.append(
                MetricRun(
                    engagement_id=engagement_id,
                    as_of=as_of,
                    started_at=started,
                    finished_at=finished,
                    value_count=result.value_count,
                    inserted=inserted,
                    updated=updated,
                    deleted=deleted,
                    fingerprint=fingerprint,
                )
            )
        MetricRun.objects.bulk_create(runs)
    for result in results.values():
        logger.info("KPI recompute: %s", result)
    return results


def engagement_metrics_recompute(
    *,
    engagement: Engagement,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> RecomputeResult:
    """Recompute one engagement (the button, the run after an import, the command)."""
    return metrics_recompute(engagement_ids=[engagement.pk], as_of=as_of, progress=progress)[0]


def engagements_to_recompute(*, full: bool = False):
    """Engagements whose data (or targets) changed since their values were computed."""
    engagements = Engagement.objects.order_by("pk")
    if full:
        return engagements
    return engagements.filter(
        Q(metrics_state__metrics_computed_at__isnull=True)
        | Q(metrics_state__data_changed_at__gt=F("metrics_state__metrics_computed_at"))
    )


def metrics_state_update(*, engagement_ids, **fields) -> None:
    """Set the KPI bookkeeping timestamps (`data_changed_at`, `metrics_computed_at`) of these
    engagements in one upsert, creating their rows on first use."""
    EngagementMetricsState.objects.bulk_create(
        [EngagementMetricsState(engagement_id=pk, **fields) for pk in engagement_ids],
        update_conflicts=True,
        unique_fields=["engagement"],
        update_fields=list(fields),
    )


def metrics_recompute_stale(*, full: bool = False, as_of: date | None = None):
    """The nightly job: recompute every engagement that needs it, in batches."""
    ids = list(engagements_to_recompute(full=full).values_list("pk", flat=True))
    return metrics_recompute(engagement_ids=ids, as_of=as_of)


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

    try:
        if not cache.add(_pending_key(engagement_id), 1, timeout=countdown + 300):
            return False
        recompute_engagement_metrics.apply_async(
            args=[engagement_id], countdown=countdown, link=_evaluation_after(engagement_id)
        )
    except REDIS_ERRORS:
        # The data is marked changed in PostgreSQL: the nightly run still picks it up.
        logger.warning("KPI recompute of engagement %s not queued", engagement_id, exc_info=True)
        return False
    return True


def _evaluation_after(engagement_id: int):
    """The SLA evaluation that follows every recompute of one engagement (import, button)."""
    from sla.tasks import evaluate_engagement_slas

    return evaluate_engagement_slas.si(engagement_id)


def recompute_progress_set(*, engagement_id: int, state: str, message: str) -> None:
    cache.set(
        _progress_key(engagement_id),
        {"state": state, "message": message, "at": timezone.now().isoformat()},
        timeout=3600,
    )


PROGRESS_UNKNOWN = {"state": "unknown", "message": "progress cannot be read right now"}


def recompute_progress(*, engagement_id: int) -> dict[str, str] | None:
    """The latest progress of a recompute, None when none ran lately, or "unknown" when
    Redis cannot be reached."""
    try:
        return cache.get(_progress_key(engagement_id))
    except REDIS_ERRORS:
        logger.warning("KPI recompute progress unreadable", exc_info=True)
        return PROGRESS_UNKNOWN


def metrics_recompute_now(*, actor, engagement: Engagement) -> bool:
    """The "Recompute now" button: enqueue at once and show progress.

    Returns False when the job queue cannot be reached, so the page can say so. A request
    runs outside a transaction, so the enqueue happens (or fails) before this returns.
    """
    from kpis.tasks import recompute_engagement_metrics

    if not actor.has_perm("kpis.recompute", engagement):
        raise PermissionDenied("Your role does not allow recomputing KPIs.")
    failed = []

    def enqueue() -> None:
        try:
            recompute_engagement_metrics.apply_async(
                args=[engagement.pk], countdown=0, link=_evaluation_after(engagement.pk)
            )
        except REDIS_ERRORS:
            logger.warning("KPI recompute of %s not queued", engagement.pk, exc_info=True)
            failed.append(engagement.pk)
            recompute_progress_clear(engagement_id=engagement.pk)

    try:
        recompute_progress_set(
            engagement_id=engagement.pk, state="queued", message="Waiting to start"
        )
    except REDIS_ERRORS:
        logger.warning("KPI recompute of %s not queued", engagement.pk, exc_info=True)
        return False
    transaction.on_commit(enqueue)
    return not failed


def recompute_progress_clear(*, engagement_id: int) -> None:
    with contextlib.suppress(*REDIS_ERRORS):  # else it expires within the hour
        cache.delete(_progress_key(engagement_id))


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

AGREE = "kpis.agree_target"
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


def _target_terms(target: KpiTarget) -> dict[str, Any]:
    return {field: agreement.jsonable(getattr(target, field)) for field in TARGET_FIELDS}


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
    party = agreement.negotiator_party(actor, engagement, "kpis.propose_target")
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
    changes = terms if replaces is None else agreement.terms_changed(_target_terms(replaces), terms)
    agreement.step_record(
        target,
        action=TargetEvent.Action.PROPOSED,
        actor=actor,
        party=party,
        changes=changes,
        note=note,
    )
    return target


def _targets_changed(target: KpiTarget) -> None:
    """Agreed targets change statuses: recompute like after an import."""
    from engagements.services import engagement_mark_data_changed

    engagement_mark_data_changed(engagement=Engagement(pk=target.engagement_id))


@transaction.atomic
def target_agree(*, actor, target: KpiTarget, note: str = "") -> KpiTarget:
    return agreement.proposal_agree(
        actor=actor, proposal=target, perm=AGREE, note=note, on_agreed=_targets_changed
    )


@transaction.atomic
def target_reject(*, actor, target: KpiTarget, note: str = "") -> KpiTarget:
    return agreement.proposal_reject(actor=actor, proposal=target, perm=AGREE, note=note)


@transaction.atomic
def target_counter(*, actor, target: KpiTarget, note: str = "", **terms) -> KpiTarget:
    """The other party answers with different terms: a new proposal for the first to answer."""

    def propose() -> KpiTarget:
        target.refresh_from_db()
        proposal = {field: getattr(target, field) for field in TARGET_FIELDS} | terms
        return target_propose(
            actor=actor, engagement=target.engagement, replaces=target, note=note, **proposal
        )

    return agreement.proposal_counter(
        actor=actor, proposal=target, perm=AGREE, propose=propose, note=note
    )
