"""References: a `*_id` column names a record of the same engagement, and becomes its id.

One read (COPY) of the engagement's ids per referenced kind serves both the reference checks
and the ids written.
"""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
from django.db import IntegrityError, connection

from recruiting.contract import KINDS, Column
from recruiting.importing.errors import Errors
from recruiting.importing.read_csv import TEXT
from recruiting.importing.validate import Validated


def copy_out(cursor, select: str, params: list) -> bytes:
    """The rows of a query as CSV, through COPY (much faster than fetching tuples)."""
    buffer = io.BytesIO()
    query = cursor.mogrify(f"COPY ({select}) TO STDOUT (FORMAT csv)", params)
    cursor.copy_expert(query.decode(), buffer)
    return buffer.getvalue()


def stored_keys(kind_name: str, engagement_id: int, cursor) -> pd.DataFrame:
    """external_id, id and, for a kind with hires (applications), whether it is a hire, of an
    engagement's records of a kind: one read serves both the reference checks and the ids to
    write."""
    kind = KINDS[kind_name]
    table = kind.model._meta.db_table
    names = ["external_id", "id"] + (["hire"] if kind.hire else [])
    hire = f", {kind.hire} IS NOT NULL" if kind.hire else ""
    data = copy_out(
        cursor,
        f"SELECT external_id, id{hire} FROM {table} WHERE engagement_id = %s",  # noqa: S608
        [engagement_id],
    )
    stored = pa_csv.read_csv(
        io.BytesIO(data or b"\n"),
        read_options=pa_csv.ReadOptions(column_names=names),
        convert_options=pa_csv.ConvertOptions(
            column_types={"external_id": pa.large_string(), "id": pa.int64(), "hire": pa.bool_()},
            true_values=["t"],
            false_values=["f"],
            strings_can_be_null=False,
        ),
    )
    return pd.DataFrame(
        {
            name: pd.Series(column, dtype=TEXT if name == "external_id" else None)
            for name, column in zip(names, stored.columns, strict=True)
        }
    )


def engagement_ids(engagement_id: int, kind_name: str) -> pd.DataFrame:
    """external_id, id (and, for a kind with hires, whether it is a hire) of an engagement's
    records."""
    with connection.cursor() as cursor:
        return stored_keys(kind_name, engagement_id, cursor)


def _isin(values: pd.Series, ids: pd.Series) -> pd.Series:
    """Which values are among the ids (blank: no), in Arrow (pandas' isin of Arrow strings
    loops over the ids in Python)."""
    found = pa_compute.is_in(
        pa.array(values, type=pa.large_string(), from_pandas=True),
        value_set=pa.array(ids, type=pa.large_string(), from_pandas=True),
        skip_nulls=True,
    )
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index)


def references_check(
    validated: Validated,
    errors: Errors,
    engagement_id: int,
    upload: dict[str, Validated],
    stored: dict[str, pd.DataFrame] | None = None,
) -> None:
    """Every `*_id` names a record of the same engagement, in this upload or imported before.

    `stored`: the engagement's records by kind (`engagement_ids`) when read already; else
    they are read when the upload does not have them all. A row's errors depend only on its
    own cells, so a slice of the rows gets the errors the whole table gets for them.
    """
    cache: dict[str, pd.DataFrame] = stored if stored is not None else {}
    for column in validated.kind.ref_columns:
        values = validated.frame[column.name]
        present = values.notna()
        if not present.any():
            continue
        known = pd.Series(False, index=values.index)
        hire = pd.Series(False, index=values.index)
        target = upload.get(column.ref)
        if target is not None:
            ids = target.frame["external_id"]
            known |= _isin(values, ids)
            if target.kind.hire:
                hires = ids[target.frame[target.kind.hire].notna()]
                hire |= _isin(values, hires)
        if not known[present].all() or (column.ref_hire and not hire[present].all()):
            if column.ref not in cache:
                cache[column.ref] = engagement_ids(engagement_id, column.ref)
            stored = cache[column.ref]
            # A record in this upload replaces the stored one: its hire status wins.
            in_upload = known.copy()
            known |= _isin(values, stored["external_id"])
            if KINDS[column.ref].hire:
                stored_hires = stored["external_id"][stored["hire"].to_numpy(dtype=bool)]
                hire |= ~in_upload & _isin(values, stored_hires)
        singular = column.ref.removesuffix("s")
        missing = present & ~known
        errors.add_mask(
            missing,
            column.name,
            lambda row, c=column.name, s=singular: (
                f"No {s} {validated.frame.loc[row, c]!r} in this engagement."
            ),
        )
        if column.ref_hire:
            errors.add_mask(
                present & known & ~hire,
                column.name,
                f"The {singular} is not a hire (it has no {KINDS[column.ref].hire}).",
            )


def _ref_ids(column: Column, values: pd.Series, stored: pd.DataFrame) -> pa.Array:
    """The database ids of the records a reference column names (null where it is blank);
    `stored`: the referenced kind's `stored_keys`."""
    names = pa.array(values, type=pa.large_string(), from_pandas=True)
    known = pa.array(stored["external_id"], type=pa.large_string(), from_pandas=True)
    ids = pa.array(stored["id"], type=pa.int64()).take(pa_compute.index_in(names, value_set=known))
    if ids.null_count != names.null_count:
        # The references were checked under the engagement's import lock: a bug if it happens.
        raise IntegrityError(f"{column.name}: a reference no longer resolves.")
    return ids


def refs_as_ids(validated: Validated, stored: dict[str, pd.DataFrame]) -> dict[str, pa.Array]:
    """Each reference column's ids, from the referenced kinds' `stored_keys`."""
    return {
        c.name: _ref_ids(c, validated.frame[c.name], stored[c.ref])
        for c in validated.kind.ref_columns
    }
