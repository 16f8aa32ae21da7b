"""Reading the recruiting tables for the KPI computation: one `COPY ... TO STDOUT` per table.

The rows stream from PostgreSQL as CSV through a pipe to a thread that parses them with
Arrow, so parsing overlaps producing them. Only the columns the KPIs read are copied
(`kpis.compute.*_COLUMNS`); the frames come out typed as `kpis.compute.normalise` makes them.
"""

from __future__ import annotations

import os
import threading

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection

from kpis.compute import (
    APPLICATION_COLUMNS,
    BOOL_COLUMNS,
    COST_COLUMNS,
    DATE_COLUMNS,
    PLAN_COLUMNS,
    QUALITY_COLUMNS,
    REQUISITION_COLUMNS,
    SURVEY_COLUMNS,
    TEXT_COLUMNS,
    Frames,
    normalise,
)
from recruiting.models import Application, Cost, HiringPlanLine, QualityReview, Requisition, Survey


def _arrow_types(columns: list[str]) -> dict[str, pa.DataType]:
    types = {}
    for column in columns:
        if column in DATE_COLUMNS:
            types[column] = pa.timestamp("s")
        elif column in BOOL_COLUMNS:
            types[column] = pa.bool_()
        elif column in TEXT_COLUMNS:
            types[column] = pa.string()
    return types


def int_array(numbers) -> str:
    """A bigint[] literal for SQL (integers only, so nothing to quote)."""
    return "'{" + ",".join(str(int(n)) for n in numbers) + "}'::bigint[]"


def copy_select(select: str, column_types: dict[str, pa.DataType]) -> pa.Table:
    """The rows of a SELECT, read with `COPY ... TO STDOUT` and typed by Arrow."""
    options = pacsv.ConvertOptions(
        column_types=column_types,
        true_values=["t"],
        false_values=["f"],
        strings_can_be_null=False,
    )
    return _copy_parsed(f"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER true)", options)


def _copy_parsed(sql: str, options: pacsv.ConvertOptions) -> pa.Table:
    """Run `COPY ... TO STDOUT` and parse its CSV with Arrow while it arrives.

    The rows stream through a pipe to a thread that parses them (Arrow releases the GIL),
    so parsing overlaps PostgreSQL producing them instead of following it.
    """
    read_fd, write_fd = os.pipe()
    read_end, write_end = os.fdopen(read_fd, "rb"), os.fdopen(write_fd, "wb")
    parsed: dict = {}

    def parse():
        try:
            parsed["table"] = pacsv.read_csv(read_end, convert_options=options)
        except BaseException as error:  # re-raised below, in the caller's thread
            parsed["error"] = error
        finally:
            read_end.close()  # a writer still writing then gets BrokenPipeError, never hangs

    thread = threading.Thread(target=parse, name="kpis-copy-parse")
    thread.start()
    try:
        with connection.cursor() as cursor:
            cursor.copy_expert(sql, write_end)
    except BrokenPipeError:
        pass  # the parser stopped early: its error is the one to report
    finally:
        write_end.close()
        thread.join()
    if "error" in parsed:
        raise parsed["error"]
    return parsed["table"].combine_chunks()  # one chunk per column: pandas is faster on it


def _copy_frame(model, columns: list[str], engagement_ids: list[int]) -> pd.DataFrame:
    table = model._meta.db_table
    column_sql = ", ".join(f'"{c}"' for c in ["engagement_id", *columns])
    table_ = copy_select(
        f'SELECT {column_sql} FROM "{table}"'  # noqa: S608 - identifiers from model metadata
        f" WHERE engagement_id = ANY({int_array(engagement_ids)})",
        {"engagement_id": pa.int64(), **_arrow_types(columns)},
    )
    text = [name for name in table_.column_names if name in TEXT_COLUMNS]
    plain = table_.drop_columns(text).to_pandas(
        types_mapper={pa.bool_(): pd.BooleanDtype()}.get, split_blocks=True
    )
    data = {
        name: _categorical(table_[name]) if name in text else plain[name]
        for name in table_.column_names
    }
    # Labels as Python strings, not pandas' Arrow-backed `str`: that costs a conversion in
    # each of the many small operations on one engagement's rows.
    frame = pd.DataFrame(data, columns=pd.Index(list(data), dtype=object))
    return normalise(frame, columns)


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A text column (few distinct values) as a categorical of Python strings."""
    encoded = pc.dictionary_encode(column.combine_chunks())
    categories = pd.Index(encoded.dictionary.to_pylist(), dtype=object)
    return pd.Categorical.from_codes(encoded.indices.to_numpy(zero_copy_only=False), categories)


# Each table the KPIs read: its model and the columns they read.
TABLES = {
    "requisitions": (Requisition, REQUISITION_COLUMNS),
    "applications": (Application, APPLICATION_COLUMNS),
    "surveys": (Survey, SURVEY_COLUMNS),
    "quality": (QualityReview, QUALITY_COLUMNS),
    "costs": (Cost, COST_COLUMNS),
    "plan": (HiringPlanLine, PLAN_COLUMNS),
}


def load_frames(engagement_ids: int | list[int]) -> Frames:
    """One COPY per table for all the engagements, only the columns the KPIs read."""
    ids = [engagement_ids] if isinstance(engagement_ids, int) else list(engagement_ids)
    return Frames(**{name: _copy_frame(*TABLES[name], ids) for name in TABLES})


class FramesOnDemand:
    """The tables of `Frames` for some engagements, each read when first used (a drill-down
    reads only those its KPI counts)."""

    def __init__(self, engagement_ids: list[int]):
        self._ids = list(engagement_ids)

    def __getattr__(self, name: str) -> pd.DataFrame:
        if name not in TABLES:
            raise AttributeError(name)
        frame = _copy_frame(*TABLES[name], self._ids)
        setattr(self, name, frame)
        return frame
