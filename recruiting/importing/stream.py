"""An engagement's first import of a kind: validated while it is written.

A thread validates and serialises chunk after chunk of the file while the database COPYs the
chunks before; the rows are written exactly when `validate.table_validate` and
`reference.references_check` would find nothing.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator

import pandas as pd
from django.db import connection

from recruiting.contract import KINDS
from recruiting.importing import write
from recruiting.importing.cells import Cell
from recruiting.importing.errors import Errors
from recruiting.importing.read import Table
from recruiting.importing.reference import references_check, refs_as_ids, stored_keys
from recruiting.importing.validate import (
    Validated,
    columns_check,
    duplicates,
    record_rows,
    rows_validate,
)
from rpo_portal import db_roles


class Rejected(Exception):
    """A row of a streamed import is invalid: `table_validate` must report every error."""


class _ChunkReader:
    """The file COPY reads: bytes that a producer thread puts on a queue, chunk after chunk.

    It raises what the producer raised (psycopg2 then aborts the COPY with an error of its
    own, so the reason is kept in `failure`) and reports each chunk taken to `on_chunk`.
    """

    def __init__(self, items: queue.Queue, on_chunk: Callable[[], None]):
        self.items = items
        self.on_chunk = on_chunk
        self.buffer = b""
        self.offset = 0
        self.done = False
        self.failure: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        while self.offset >= len(self.buffer) and not self.done:
            item = self.items.get()
            if isinstance(item, BaseException):
                self.failure = item
                raise item
            if item is None:
                self.done = True
            else:
                self.buffer, self.offset = item, 0
                self.on_chunk()
        size = len(self.buffer) if size is None or size < 0 else size
        data = self.buffer[self.offset : self.offset + size]
        self.offset += len(data)
        return data


def _produce(chunks: Iterator[bytes], items: queue.Queue, stop: threading.Event) -> None:
    """Put each chunk on the queue (then None), or the exception that ended them."""

    def put(item) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    try:
        for chunk in chunks:
            if not put(chunk):
                return
        put(None)
    except BaseException as exc:  # noqa: BLE001 - handed to the reader, which raises it
        put(exc)


def table_stream_write(
    kind_name: str,
    table: Table,
    engagement_id: int,
    progress: Callable[[float], None] = lambda done: None,
) -> tuple[Validated, tuple[int, int, int]] | None:
    """Validate a file and COPY it into an engagement's empty table at once, all or nothing.

    Run inside a transaction that holds the engagement's import lock. After the header's
    checks, a thread validates and serialises chunk after chunk while the database inserts
    the previous ones (PostgreSQL's work for the COPY is the larger share, and runs on the
    other core). Each chunk gets the rules one row decides alone (`rows_validate`) and its
    references (against the engagement's records, read before the COPY); duplicate ids, the
    one check that needs every row, runs after the last chunk, before the COPY may end. So a
    file is written exactly when `table_validate` and `references_check` find nothing.

    Returns the validated keys (a `Validated` whose frame holds only the key columns) with
    the counts, or None when the engagement has rows of the kind already (the upsert path is
    for those). Raises `Rejected` at the first error: the caller rolls back and runs the
    whole-file validation, which reports every error as it always does.
    """
    kind = KINDS[kind_name]
    errors = Errors(limit=1)
    with connection.cursor() as cursor:
        if not write.is_first_import(kind, engagement_id, cursor):
            return None
        if not columns_check(kind, table, errors):
            raise Rejected
        # The connection is the COPY's from here on: the chunks' thread needs these read now.
        stored = {c.ref: stored_keys(c.ref, engagement_id, cursor) for c in kind.ref_columns}
        columns = ["engagement_id", *kind.column_names]
        binary = write.copy_binary_supported(kind, columns)
        keys: list[pd.DataFrame] = []
        checked: dict[str, dict[str, Cell]] = {c.name: {} for c in kind.columns}
        # The share of the rows sent once the database has taken each chunk.
        done = [0.0]

        def chunks() -> Iterator[bytes]:
            if binary:
                yield write.COPY_BINARY_HEADER
            rows_read = 0
            for cells in table.chunks():
                if cells is None:
                    raise Rejected
                rows_read += len(cells)
                frame = record_rows(cells, table.from_file)
                if frame.empty:
                    continue
                validated = rows_validate(kind, frame, errors, table, checked)
                references_check(validated, errors, engagement_id, {}, stored)
                if errors:
                    raise Rejected
                keys.append(validated.frame[list(kind.key)])
                rows = write.stored_rows(validated, engagement_id, refs_as_ids(validated, stored))
                done.append(rows_read / max(table.rows_estimate, 1))
                yield write.copy_binary(kind, rows) if binary else write.copy_data(rows)
            if not keys:
                raise Rejected  # a header and no rows
            duplicates(Validated(kind, pd.concat(keys), {}, {}, table.from_file), errors)
            if errors:
                raise Rejected
            if binary:
                yield write.COPY_BINARY_TRAILER

        taken = [0]

        def on_chunk() -> None:
            progress(min(done[min(taken[0], len(done) - 1)], 1.0))
            taken[0] += 1

        items: queue.Queue = queue.Queue(maxsize=2)
        stop = threading.Event()
        producer = threading.Thread(
            target=_produce, args=(chunks(), items, stop), name="import-chunks", daemon=True
        )
        reader = _ChunkReader(items, on_chunk)
        producer.start()
        try:
            with connection.wrap_database_errors:
                db_roles.rows_copy(
                    cursor,
                    kind.model._meta.db_table,
                    columns,
                    reader,
                    engagement_ids=[engagement_id],
                    options=f"FORMAT {'binary' if binary else 'csv'}",
                    size=1 << 20,  # bytes per read
                )
        except Exception:
            if reader.failure is not None:
                raise reader.failure from None
            raise
        finally:
            stop.set()
            producer.join()
    keys_frame = pd.concat(keys)
    return Validated(kind, keys_frame, {}, {}, table.from_file), (len(keys_frame), 0, 0)
