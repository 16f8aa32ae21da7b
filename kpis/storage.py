"""Storing computed KPI values: the diff against what is stored, written with COPY.

Each stored value carries a 64-bit hash of what it is (`STORED_COLUMNS`); a recompute sends
only the values whose hash is not stored yet and deletes the stored ones no longer computed.
"""

from __future__ import annotations

import io
from datetime import UTC

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection

from kpis import compute, reading
from kpis.registry import DEFINITION_VERSION
from rpo_portal import db_roles

# A write inserting this many values refreshes the table's planner statistics.
ANALYZE_AFTER_ROWS = 100_000
# The fingerprint of no values at all.
EMPTY = "0000000000000000-0"

VALUE_COLUMNS = [*compute.OUTPUT_COLUMNS, "status", "target_id"]
# Everything but the key: a row is rewritten only when one of these differs.
COMPARED = [c for c in VALUE_COLUMNS if c not in compute.KEY_COLUMNS]


def fingerprints(values: pd.DataFrame) -> dict[int, str]:
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
    ids = reading.int_array(engagement_ids)
    return f"{alias}.version = {int(DEFINITION_VERSION)} AND {alias}.engagement_id = ANY({ids})"


def _stored_hashes(engagement_ids: list[int]) -> np.ndarray:
    """The row hash of every stored value of these engagements (0 for one without)."""
    where = _stored_where(engagement_ids)
    table = reading.copy_select(
        f"SELECT coalesce(row_hash, 0) AS h FROM kpis_metricvalue WHERE {where}",  # noqa: S608 - ints
        {"h": pa.int64()},
    )
    return table["h"].to_numpy()


def row_hashes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 64-bit hash of each row's `columns`, the same for a label as text or categorical."""
    return pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()


# The columns of metric_value_unique, in its order (segment before period).
INDEX_ORDER = [*KEY[:4], "dimension", "segment", "period"]


def _in_key_order(values: pd.DataFrame) -> pd.DataFrame:
    """The rows grouped by engagement, then KPI, grain, segment and period.

    Written in this order, an engagement's values share table pages (its next recompute
    reads a few pages, not one per value) and the unique index fills in order.
    """
    if len(values) < 2:
        return values
    keys = [values[c] for c in reversed(INDEX_ORDER)]
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


def write_values(
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
            # A first computation fills the table: without fresh statistics (ANALYZE) the
            # planner still takes it for empty and reads every value to find one engagement's.
            db_roles.rows_copy(
                cursor,
                "kpis_metricvalue",
                [*columns, "computed_at"],
                _csv(new, columns, computed_at=now),
                engagement_ids=engagement_ids,
                options="FORMAT csv, FORCE_NOT_NULL (status, segment)",
                analyze=len(new) >= ANALYZE_AFTER_ROWS,
            )
            written = {e: (n, 0) for e, n in _per_engagement(new).items()}
        else:
            rows = values[~np.isin(computed, stored)]
            if len(rows):
                written = _upsert(cursor, _in_key_order(rows), columns, now)
            stale = np.unique(stored[~np.isin(stored, computed)])
            if len(stale):
                deleted = _delete_stale(cursor, engagement_ids, stale)
    return {e: (*written.get(e, (0, 0)), deleted.get(e, 0)) for e in engagement_ids}
