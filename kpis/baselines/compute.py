"""A KPI over a baseline window: the engine's own definitions (kpis.compute) over the union
of the records of whole months, as one period (not an average of monthly values).

The engine counts each record in the month and quarter of its event date; here
(`Tables.window`) a record whose month is in the window counts in the one period `WINDOW`
instead, and every formula (median, mean, percent, per record, percent of planned) runs on
those records exactly as on a month's. A snapshot KPI (open requisition age) counts each
month-end snapshot of the window.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from kpis.aggregate import concat, length, rows_of
from kpis.compute import WINDOW, Frames, _with_engagement, definition_values
from kpis.definitions import DEFINITIONS
from kpis.records import prepare

COLUMNS = [
    "engagement_id",
    "kpi",
    "dimension",
    "segment",
    "value",
    "n",
    "numerator",
    "denominator",
    "suppressed",
]


def month_code(day: date) -> int:
    return day.year * 100 + day.month


def window_frame(
    frames: Frames,
    *,
    window_from: date,
    window_to: date,
    as_of: date,
    exclude_on_hold: bool | dict[int, bool] = False,
) -> pd.DataFrame:
    """Every KPI value of each engagement in `frames` over the months from `window_from` to
    `window_to` (both included), as known on `as_of`: one row per KPI, dimension and segment,
    with the engine's value, n, numerator, denominator and suppression."""
    tables = prepare(_with_engagement(frames), as_of=as_of, exclude_on_hold=exclude_on_hold)
    tables.window = (month_code(window_from), month_code(window_to))
    out = concat([definition_values(definition, tables) for definition in DEFINITIONS])
    if not length(out):
        return pd.DataFrame(columns=COLUMNS)
    out = rows_of(out, out["period"] == WINDOW)
    columns = {"engagement_id": out["engagement_id"]}
    for name in ("kpi", "dimension", "segment"):
        column = out[name]
        columns[name] = [column.categories[code] for code in column.codes]
    for name in ("value", "numerator", "denominator"):
        columns[name] = out[name].astype(float)
    columns["n"] = out["n"].astype("int64")
    columns["suppressed"] = out["suppressed"].astype(bool)
    return pd.DataFrame(columns, columns=COLUMNS)
