"""Reading the forecast's input for some engagements: one `COPY ... TO STDOUT` per table, of
the records known on `as_of` only (the engine masks later dates too)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pyarrow as pa

from forecasts.inputs import (
    APPLICATION_COLUMNS,
    MAX_LAG,
    PLAN_COLUMNS,
    REQUISITION_COLUMNS,
    WINDOW_DAYS,
    Frames,
)
from kpis.compute import DATE_COLUMNS
from kpis.reading import copy_select, int_array
from recruiting.models import Application, HiringPlanLine, Requisition

# The KPI engine's date columns, and the rejection date that only the forecast reads.
DATES = DATE_COLUMNS | {"rejected_on"}
TEXT = {"department", "location", "job_family", "offer_outcome"}


def _types(columns: list[str]) -> dict:
    types = {}
    for column in columns:
        if column in DATES:
            types[column] = pa.date32()
        elif column in TEXT:
            types[column] = pa.string()
        else:
            types[column] = pa.int64()
    return types


def _frame(model, columns: list[str], where: str) -> pd.DataFrame:
    column_sql = ", ".join(f'"{c}"' for c in columns)
    table = copy_select(
        f'SELECT {column_sql} FROM "{model._meta.db_table}" WHERE {where}',  # noqa: S608
        _types(columns),
    )
    return table.to_pandas(date_as_object=False)


def load_frames(engagement_ids: list[int], *, as_of: date, since: date | None = None) -> Frames:
    """The requisitions opened and applications made on or before `as_of` that can still
    matter (an application made more than two windows before `since`, default `as_of`,
    cannot), and the plan."""
    ids = int_array(engagement_ids)
    day = as_of.isoformat()
    oldest = ((since or as_of) - timedelta(days=WINDOW_DAYS + MAX_LAG)).isoformat()
    requisitions = _frame(
        Requisition,
        REQUISITION_COLUMNS,
        f"engagement_id = ANY({ids}) AND opened_on <= '{day}'::date",
    )
    applications = _frame(
        Application,
        APPLICATION_COLUMNS,
        f"engagement_id = ANY({ids}) AND applied_on <= '{day}'::date"
        f" AND applied_on > '{oldest}'::date",
    )
    plan = _frame(HiringPlanLine, PLAN_COLUMNS, f"engagement_id = ANY({ids})")
    return Frames(requisitions=requisitions, applications=applications, plan=plan)
