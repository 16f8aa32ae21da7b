"""Writing validated rows with COPY.

Straight into the table on the engagement's first import of the kind, else through a
temporary table and one `INSERT ... ON CONFLICT DO UPDATE ... WHERE ... IS DISTINCT FROM`, so
unchanged rows are not rewritten. References become ids (`reference.refs_as_ids`).
"""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pa_compute
import pyarrow.csv as pa_csv
from django.db import connection

from recruiting.contract import Kind
from recruiting.importing.reference import copy_out, refs_as_ids, stored_keys
from recruiting.importing.validate import Validated
from rpo_portal import db_roles

_SQL_TYPES = {
    "text": "text",
    "email": "text",
    "enum": "text",
    "ref": "bigint",
    "date": "date",
    "month": "date",
    "period": "text",
    "currency": "text",
    "bool": "boolean",
    "int": "bigint",
    "decimal": "numeric",
}


def stored_rows(validated: Validated, engagement_id: int, ref_ids: dict[str, pa.Array]) -> pa.Table:
    """The rows as the table stores them (text, ids for references and the engagement).

    References become the ids of the records they name (`ref_ids`, by column); a blank text
    cell of a column that is not nullable becomes "".
    """
    frame = validated.frame
    model = validated.kind.model
    names = ["engagement_id"]
    arrays = [pa.array(np.full(len(frame), engagement_id, dtype=np.int64))]
    for c in validated.kind.columns:
        values = frame[c.name]
        if c.type == "ref":
            array = ref_ids[c.name]
        else:
            array = pa.array(values, type=pa.large_string(), from_pandas=True)
            if not model._meta.get_field(c.name).null:
                array = pa_compute.fill_null(array, "")
        names.append(c.name)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=names)


def _unchanged(kind: Kind, rows: pa.Table, engagement_id: int, cursor) -> pa.Array:
    """Which rows the engagement already stores exactly so: they need no write.

    The stored records come back through one COPY in the same text forms the rows have
    (PostgreSQL writes dates as YYYY-MM-DD and booleans as t/f) and are compared column by
    column in Arrow. Only a shortcut: a row it misses (say `1234.5` against a stored
    `1234.50`) goes through the upsert, whose `IS DISTINCT FROM` leaves it alone and counts it
    unchanged.
    """
    names = kind.column_names
    table = kind.model._meta.db_table
    data = copy_out(
        cursor,
        f"SELECT {', '.join(names)} FROM {table} WHERE engagement_id = %s",  # noqa: S608
        [engagement_id],
    )
    stored = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=names),
        convert_options=pa_csv.ConvertOptions(
            column_types={
                c.name: pa.int64() if c.type == "ref" else pa.large_string() for c in kind.columns
            },
            # COPY writes NULL as an empty field and "" quoted.
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=False,
        ),
    )

    def key(columns: pa.Table) -> pa.Array:
        parts = [columns[k] for k in kind.key]
        return (
            parts[0]
            if len(parts) == 1
            else pa_compute.binary_join_element_wise(*parts, pa.scalar("\0", pa.large_string()))
        )

    position = pa_compute.index_in(key(rows), value_set=key(stored))
    same = pa_compute.is_valid(position)
    for name in names:
        if name in kind.key:
            continue
        ours, theirs = rows[name], stored[name].take(position)
        equal = pa_compute.fill_null(pa_compute.equal(ours, theirs), False)
        both_null = pa_compute.and_(pa_compute.is_null(ours), pa_compute.is_null(theirs))
        same = pa_compute.and_(same, pa_compute.or_(equal, both_null))
    return same


def copy_data(rows: pa.Table) -> bytes:
    """The rows as `COPY ... FROM STDIN (FORMAT csv)` reads them."""
    buffer = io.BytesIO()
    # Text quoted ("" is an empty text; COPY reads an unquoted empty field as NULL).
    pa_csv.write_csv(rows, buffer, pa_csv.WriteOptions(include_header=False))
    return buffer.getvalue()


# COPY's binary format: the database parses no text (dates above all), about a fifth of its
# work for a COPY into the applications table. A header (signature, flags, extension length),
# each row as its field count then each field as its length (-1: NULL) and bytes, all
# big-endian, and a trailer of -1.
COPY_BINARY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
COPY_BINARY_TRAILER = b"\xff\xff"
_PG_EPOCH_DAYS = 10_957  # 2000-01-01, from which binary dates count, in days since 1970-01-01
_BINARY_WIDTHS = {
    "ForeignKey": 8,
    "BigIntegerField": 8,
    "IntegerField": 4,
    "PositiveIntegerField": 4,
    "SmallIntegerField": 2,
    "PositiveSmallIntegerField": 2,
    "DateField": 4,
    "BooleanField": 1,
}
_BINARY_TEXT = {"CharField", "EmailField", "TextField"}


def _field_types(kind: Kind, names: list[str]) -> list[str]:
    return [kind.model._meta.get_field(name).get_internal_type() for name in names]


def copy_binary_supported(kind: Kind, names: list[str]) -> bool:
    """Whether `copy_binary` can write these columns (not numeric: costs go as CSV)."""
    return all(t in _BINARY_WIDTHS or t in _BINARY_TEXT for t in _field_types(kind, names))


def _as_binary(packed: np.ndarray, width: int) -> pa.Array:
    """Fixed-width records (a numpy array of `width` bytes each) as an Arrow binary array."""
    fixed = pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(width), len(packed), [None, pa.py_buffer(packed)]
    )
    return fixed.cast(pa.large_binary())


def _binary_field(field_type: str, array: pa.Array) -> list[pa.Array]:
    """One column as two pieces of each row: the field's length, then its bytes."""
    if field_type in _BINARY_TEXT:
        data = array.cast(pa.large_binary())
        lengths = pa_compute.fill_null(pa_compute.binary_length(data), -1)
        return [_as_binary(lengths.to_numpy().astype(">i4"), 4), pa_compute.fill_null(data, b"")]
    width = _BINARY_WIDTHS[field_type]
    if field_type == "DateField":
        values = array.cast(pa.date32()).cast(pa.int32())
    elif field_type == "BooleanField":
        values = pa_compute.equal(array, "t").cast(pa.int8())
    else:
        values = array.cast(pa.int64())
    valid = pa_compute.is_valid(values).to_numpy(zero_copy_only=False)
    numbers = pa_compute.fill_null(values, 0).to_numpy(zero_copy_only=False)
    if field_type == "DateField":
        numbers = numbers - _PG_EPOCH_DAYS
    offsets = np.zeros(len(numbers) + 1, dtype=np.int64)
    np.cumsum(valid * width, out=offsets[1:])
    data = numbers[valid].astype(f">i{width}")
    value = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(numbers), [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    return [_as_binary(np.where(valid, width, -1).astype(">i4"), 4), value]


def copy_binary(kind: Kind, rows: pa.Table) -> bytes:
    """The rows as `COPY ... FROM STDIN (FORMAT binary)` reads them, without header and
    trailer (the stream sends those once). Built column by column in Arrow and numpy."""
    pieces = [_as_binary(np.full(rows.num_rows, rows.num_columns, dtype=">i2"), 2)]
    for field_type, name in zip(
        _field_types(kind, rows.column_names), rows.column_names, strict=True
    ):
        pieces += _binary_field(field_type, rows.column(name).combine_chunks())
    joined = pa_compute.binary_join_element_wise(*pieces, pa.scalar(b"", pa.large_binary()))
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)
    start, end = offsets[joined.offset], offsets[joined.offset + len(joined)]
    return joined.buffers()[2][start:end].to_pybytes()


def is_first_import(kind: Kind, engagement_id: int, cursor) -> bool:
    table = kind.model._meta.db_table
    cursor.execute(
        f"SELECT NOT EXISTS (SELECT 1 FROM {table} WHERE engagement_id = %s)",  # noqa: S608
        [engagement_id],
    )
    return cursor.fetchone()[0]


def frame_write(validated: Validated, engagement_id: int) -> tuple[int, int, int]:
    """Upsert the rows: (created, updated, unchanged). Run inside a transaction.

    The engagement's first import of a kind is COPYed straight into the table (nothing to
    compare with, and the duplicate check has proved every key new). Later imports COPY the
    rows that differ from the stored ones into a temporary table and upsert from there.
    """
    kind = validated.kind
    table = kind.model._meta.db_table
    total = len(validated.frame)
    with connection.cursor() as cursor:
        first_import = is_first_import(kind, engagement_id, cursor)
        stored = {c.ref: stored_keys(c.ref, engagement_id, cursor) for c in kind.ref_columns}
        rows = stored_rows(validated, engagement_id, refs_as_ids(validated, stored))
        if not first_import:
            rows = rows.filter(pa_compute.invert(_unchanged(kind, rows, engagement_id, cursor)))
            if not rows.num_rows:
                return 0, 0, total
        payload = copy_data(rows)
        columns = ", ".join(rows.column_names)
        if first_import:
            # created_at and updated_at: the columns' default, now() of this transaction.
            # The error of a refused row as Django's (copy_expert is not wrapped as execute is).
            with connection.wrap_database_errors:
                db_roles.rows_copy(
                    cursor,
                    table,
                    rows.column_names,
                    io.BytesIO(payload),
                    engagement_ids=[engagement_id],
                    options="FORMAT csv",
                )
            return total, 0, 0
        staging = f"import_{kind.name}"
        cursor.execute(f"DROP TABLE IF EXISTS {staging}")
        cursor.execute(
            f"CREATE TEMP TABLE {staging} (engagement_id bigint, "  # noqa: S608
            + ", ".join(f"{c.name} {_SQL_TYPES[c.type]}" for c in kind.columns)
            + ") ON COMMIT DROP"
        )
        cursor.copy_expert(
            f"COPY {staging} ({columns}) FROM STDIN (FORMAT csv)", io.BytesIO(payload)
        )
        changing = [name for name in kind.column_names if name not in kind.key]
        # Identifiers only, all from the column table above.
        cursor.execute(
            f"WITH upserted AS (INSERT INTO {table} ({columns}, created_at, updated_at) "  # noqa: S608
            f"SELECT {columns}, now(), now() FROM {staging} "
            f"ON CONFLICT ({', '.join(('engagement_id', *kind.key))}) DO UPDATE SET "
            + ", ".join(f"{t} = EXCLUDED.{t}" for t in changing)
            + ", updated_at = EXCLUDED.updated_at"
            + f" WHERE ({', '.join(f'{table}.{t}' for t in changing)}) IS DISTINCT FROM "
            + f"({', '.join(f'EXCLUDED.{t}' for t in changing)})"
            + " RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FROM upserted"
        )
        created, written = cursor.fetchone()
        cursor.execute(f"DROP TABLE {staging}")
    return created, written - created, total - written
