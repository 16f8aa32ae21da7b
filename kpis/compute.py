"""KPI computation (data-contract.md sections 2 and 3), vectorised with pandas and numpy.

Pure: `metric_frames()` takes the recruiting tables of one or more engagements as DataFrames
(`Frames`; `kpis.reading.load_frames` reads them from PostgreSQL) and returns every defined
value (KPI x grain x period x dimension x segment). Each KPI is computed from its one
definition in `kpis.definitions`: the records it counts, selected from the tables
`kpis.records.prepare` makes, aggregated by its formula (`kpis.aggregate`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from kpis import definitions as d
from kpis.aggregate import Coded, Table, aggregate, concat, label_column, length, positions, rows_of
from kpis.definitions import DEFINITIONS, Definition
from kpis.records import Tables, period_bounds, period_codes, period_label, prepare
from kpis.registry import DEFINITION_VERSION, GRAINS, get_kpi
from recruiting import contract

REQUISITION_COLUMNS = [
    "id",
    "department",
    "location",
    "job_family",
    "priority",
    "opened_on",
    "on_hold_days",
    "filled_on",
    "cancelled_on",
]
APPLICATION_COLUMNS = contract.KINDS["applications"].kpi_columns
SURVEY_COLUMNS = ["id", "respondent", "requisition_id", "application_id", "responded_on", "score"]
QUALITY_COLUMNS = ["id", "application_id", "reviewed_on", "meets_expectations", "retained_90d"]
COST_COLUMNS = ["id", "month", "category", "amount"]
PLAN_COLUMNS = ["id", "month", "department", "location", "job_family", "planned_hires"]

DATE_COLUMNS = {
    "opened_on",
    "filled_on",
    "cancelled_on",
    "applied_on",
    "screened_on",
    "interviewed_on",
    "offered_on",
    "offer_decided_on",
    "started_on",
    "withdrawn_on",
    "responded_on",
    "reviewed_on",
    "month",
}
BOOL_COLUMNS = {"diverse", "meets_expectations", "retained_90d"}
TEXT_COLUMNS = {
    "department",
    "location",
    "job_family",
    "priority",
    "source",
    "offer_outcome",
    "respondent",
    "category",
}

OUTPUT_COLUMNS = [
    "kpi",
    "version",
    "grain",
    "period",
    "period_start",
    "period_end",
    "dimension",
    "segment",
    "value",
    "n",
    "numerator",
    "denominator",
    "suppressed",
]


@dataclass
class Frames:
    """The recruiting tables of one or more engagements (an `engagement_id` column each)."""

    requisitions: pd.DataFrame
    applications: pd.DataFrame
    surveys: pd.DataFrame
    quality: pd.DataFrame
    costs: pd.DataFrame
    plan: pd.DataFrame


# --- typed columns ---------------------------------------------------------------------------

TRUE_TEXT = ("t", "true", "yes", "1")


def _boolean(column: pd.Series) -> pd.Series:
    """True/False/NA from booleans or their text forms; blank is NA."""
    if isinstance(column.dtype, pd.BooleanDtype):
        return column
    text = column.astype("str").str.strip().str.lower()
    blank = column.isna() | (text == "")
    return pd.Series(
        pd.array(text.isin(TRUE_TEXT).to_numpy(), dtype="boolean"), index=column.index
    ).mask(blank.to_numpy())


def normalise(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Typed columns: dates as datetime64, booleans as True/False/NA, blank text as ""."""
    wanted = [c for c in frame.columns if c == "engagement_id"] + columns
    if list(frame.columns) != wanted:
        frame = frame.reindex(columns=wanted)
    for column in columns:
        if column in DATE_COLUMNS:
            if not pd.api.types.is_datetime64_any_dtype(frame[column]):
                frame[column] = pd.to_datetime(frame[column], errors="coerce")
        elif column in BOOL_COLUMNS:
            frame[column] = _boolean(frame[column])
        elif column in TEXT_COLUMNS:
            dtype = frame[column].dtype
            if (
                isinstance(dtype, pd.CategoricalDtype | pd.StringDtype)
                and not frame[column].hasnans
            ):
                continue
            text = frame[column].astype(object)
            frame[column] = text.where(text.notna(), "").astype("str")
    return frame


# --- the values of one definition ---------------------------------------------------------


def _finish(result: Table, key: str) -> Table:
    size = length(result)
    if not size:
        return {}
    result = dict(result)
    result["kpi"] = label_column(key, size)
    # A month's code has six digits (202603), a quarter's five (20261).
    result["grain"] = Coded((result["period"] < 100000).astype(np.int64), list(GRAINS))
    for column in ("numerator", "denominator"):
        if column not in result:
            result[column] = np.full(size, np.nan)
    if "suppressed" not in result:
        result["suppressed"] = np.zeros(size, dtype=bool)
    return {column: result[column] for column in RESULT_COLUMNS}


# The columns of a KPI's table; version and the period's bounds are added at the end.
RESULT_COLUMNS = [
    "engagement_id",
    *(c for c in OUTPUT_COLUMNS if c not in ("version", "period_start", "period_end")),
]


# The period code of a window's values (kpis.baselines), and of the records outside it: no
# month (six digits) or quarter (five) has either.
WINDOW, OUTSIDE_WINDOW = 1, 0


def _periods(records: d.Records, frame: pd.DataFrame, tables: Tables | None = None) -> dict:
    """How `aggregate` finds each record's periods: its event date, or its own period. With a
    window on the tables, a record whose month is in it counts in the one period `WINDOW`."""
    window = getattr(tables, "window", None)
    if window is None:
        if records.per_period:
            return {"periods": frame["period"].to_numpy()}
        return {"event": records.event}
    if records.per_period:
        codes = frame["period"].to_numpy()
    else:
        codes = period_codes(frame[records.event], "month")
    inside = (codes >= max(window[0], 100000)) & (codes <= window[1])
    return {"periods": np.where(inside, WINDOW, OUTSIDE_WINDOW)}


def definition_values(definition: Definition, tables: Tables) -> Table:
    """Every value of one KPI, for every engagement, period and segment of the tables."""
    records = definition.records
    frame = tables.select(records)
    formula = definition.formula
    dimensions = definition.kpi.dimensions
    when = {**_periods(records, frame, tables), "cache": tables.groupings}
    if isinstance(formula, d.PerRecord):
        return _per_record(formula, tables, frame, when, definition)
    if isinstance(formula, d.ShareOfAll):
        return _share_of_all(aggregate(frame, dimensions, **when), definition.key)
    if isinstance(formula, d.PercentOfPlanned):
        return _percent_of_planned(formula, tables, frame, when, definition)
    if records.within is not None and isinstance(formula, d.Percent | d.Count | d.Median):
        return _within(definition, tables)
    if isinstance(formula, d.Count):
        agg = aggregate(frame, dimensions, **when)
        if agg:
            agg["value"] = agg["n"].astype(float)
        return _finish(agg, definition.key)
    values = formula.of.numbers(frame, tables)
    if isinstance(formula, d.Median):
        agg = aggregate(frame, dimensions, values, **when, value="median", n="size")
    elif isinstance(formula, d.Mean):
        agg = aggregate(frame, dimensions, values, **when, value="mean", numerator="sum", n="size")
        if agg:
            agg["denominator"] = agg["n"].astype(float)
    else:
        agg = _percent(
            formula, aggregate(frame, dimensions, values, **when, numerator="sum", n="size")
        )
    return _finish(agg, definition.key)


def _within(definition: Definition, tables: Tables) -> Table:
    """A Percent, Count or Median over records narrowed from `within`, aggregated over within's rows
    (and their grouping, shared by every KPI of that cohort): a row outside the records
    contributes nothing (NaN), `n` counts the rows inside, and a cell with none is dropped."""
    records, formula = definition.records, definition.formula
    frame = tables.select(records.within)
    when = {**_periods(records.within, frame, tables), "cache": tables.groupings}
    inside = records.inside(frame)
    if isinstance(formula, d.Count):
        numbers = np.ones(len(frame))
        aggregations = {"n": "count"}
    elif isinstance(formula, d.Median):
        # Only the rows inside: the formula's dates may be blank outside.
        numbers = np.full(len(frame), np.nan)
        numbers[inside] = formula.of.numbers(frame[inside], tables)
        aggregations = {"value": "median", "n": "count"}
    else:
        numbers = formula.of.numbers(frame, tables)
        aggregations = {"numerator": "sum", "n": "count"}
    values = np.where(inside, numbers, np.nan)
    agg = aggregate(frame, definition.kpi.dimensions, values, **when, **aggregations)
    if not agg:
        return {}
    agg = rows_of(agg, agg["n"] > 0)
    agg["n"] = agg["n"].astype(np.int64)
    if isinstance(formula, d.Count):
        agg["value"] = agg["n"].astype(float)
    elif isinstance(formula, d.Percent):
        agg = _percent(formula, agg)
    return _finish(agg, definition.key)


def _percent(formula: d.Percent, agg: Table) -> Table:
    if not agg:
        return agg
    agg["numerator"] = agg["numerator"].astype(float)
    agg["denominator"] = agg["n"].astype(float)
    agg["value"] = 100.0 * agg["numerator"] / agg["denominator"]
    if formula.suppress_below:
        suppressed = agg["n"] < formula.suppress_below
        agg["suppressed"] = suppressed
        agg["value"] = np.where(suppressed, np.nan, agg["value"])
        agg["numerator"] = np.where(suppressed, np.nan, agg["numerator"])
    return agg


def _share_of_all(agg: Table, key: str) -> Table:
    """Each segment's count over its engagement and period's count in segment `all`."""
    if not agg:
        return {}
    period_key = agg["engagement_id"].astype(np.int64) * 10_000_000 + agg["period"]
    is_all = agg["dimension"].codes == 0  # `aggregate` puts segment `all` first
    whole = pd.Index(period_key[is_all]).get_indexer(period_key)
    agg["numerator"] = agg["n"].astype(float)
    agg["denominator"] = agg["n"][is_all][whole].astype(float)
    agg["n"] = agg["n"][is_all][whole]
    agg["value"] = 100.0 * agg["numerator"] / agg["denominator"]
    return _finish(agg, key)


def _per_record(formula: d.PerRecord, tables: Tables, frame, when, definition) -> Table:
    """The amounts of the period over its records (cost per hire), per segment of the KPI's
    dimensions (none for cost per hire: segment `all` only)."""
    key, dimensions = definition.key, definition.kpi.dimensions
    spent_records = tables.select(formula.spent)
    # Whole cents (amounts have two decimals): their float sum is exact in any row order, so
    # an engagement's cost per hire is the same to the last bit however its rows are read.
    cents = np.round(spent_records[formula.amount].to_numpy(dtype=float) * 100)
    spent = aggregate(
        spent_records,
        dimensions,
        cents,
        **_periods(formula.spent, spent_records, tables),
        cache=tables.groupings,
        numerator="sum",
    )
    counted = aggregate(frame, dimensions, **when)
    if not spent or not counted:
        return {}
    position = positions(spent, counted)
    both = rows_of(spent, position >= 0)
    both["n"] = counted["n"][position[position >= 0]]
    both["numerator"] = both["numerator"] / 100
    both["denominator"] = both["n"].astype(float)
    both["value"] = both["numerator"] / both["denominator"]
    return _finish(both, key)


def _percent_of_planned(formula: d.PercentOfPlanned, tables: Tables, frame, when, definition):
    """Plan rows are slices of demand: a blank dimension never makes a (none) segment."""
    dimensions = definition.kpi.dimensions
    plan = tables.select(formula.plan)
    planned = aggregate(
        plan,
        dimensions,
        plan[formula.planned].to_numpy(dtype=float),
        **_periods(formula.plan, plan, tables),
        denominator="sum",
    )
    if not planned:
        return {}
    both = rows_of(planned, planned["denominator"] > 0)
    counted = aggregate(frame, dimensions, **when)
    numerator = np.zeros(length(both))
    if counted:
        position = positions(both, counted)
        numerator[position >= 0] = counted["n"][position[position >= 0]]
    both["numerator"] = numerator
    both["n"] = both["denominator"].astype(np.int64)
    both["value"] = 100.0 * both["numerator"] / both["denominator"]
    return _finish(both, definition.key)


# --- every KPI ----------------------------------------------------------------------------


def _with_engagement(frames: Frames) -> Frames:
    """Frames of a single engagement built without `engagement_id` (tests) get id 0."""
    if "engagement_id" in frames.requisitions:
        return frames
    parts = {}
    for name in ("requisitions", "applications", "surveys", "quality", "costs", "plan"):
        frame = getattr(frames, name)
        parts[name] = frame.assign(engagement_id=np.zeros(len(frame), dtype=np.int64))
    return Frames(**parts)


def metric_frame(frames: Frames, *, as_of: date, exclude_on_hold: bool = False) -> pd.DataFrame:
    """Every defined KPI value of one engagement as of `as_of` (data-contract.md sections 2-3)."""
    values = metric_frames(frames, as_of=as_of, exclude_on_hold=exclude_on_hold)
    return values.drop(columns=["engagement_id"])


def metric_frames(
    frames: Frames, *, as_of: date, exclude_on_hold: bool | dict[int, bool] = False
) -> pd.DataFrame:
    """Every defined KPI value of each engagement in `frames` as of `as_of`.

    The engagements are computed together, `engagement_id` being the first key of every
    grouping; nothing joins rows across engagements (ids are unique across the tables), so
    each engagement's values are exactly those it would get alone. `exclude_on_hold` is the
    metric policy: one for all, or per engagement id.
    """
    tables = prepare(_with_engagement(frames), as_of=as_of, exclude_on_hold=exclude_on_hold)
    # Every KPI in both grains at once (see kpis.aggregate).
    out = concat([definition_values(definition, tables) for definition in DEFINITIONS])
    if not out:
        return pd.DataFrame(columns=["engagement_id", *OUTPUT_COLUMNS])
    unique, position = np.unique(out["period"], return_inverse=True)
    labels = [period_label(int(code)) for code in unique]
    bounds = [period_bounds(label) for label in labels]
    columns = {"engagement_id": out["engagement_id"].astype(np.int64)}
    for name in ("kpi", "grain"):
        columns[name] = pd.Categorical.from_codes(out[name].codes, out[name].categories)
    columns["version"] = np.full(len(position), DEFINITION_VERSION, dtype=np.int64)
    columns["period"] = pd.Categorical.from_codes(position, categories=labels)
    for name, side in (("period_start", 0), ("period_end", 1)):
        # A month and its quarter can share a bound: categories are the distinct dates.
        codes, dates = pd.factorize(np.array([b[side] for b in bounds], dtype=object))
        columns[name] = pd.Categorical.from_codes(codes[position], categories=dates)
    for name in ("dimension", "segment"):
        columns[name] = pd.Categorical.from_codes(out[name].codes, out[name].categories)
    columns["value"] = out["value"].astype(float)
    columns["n"] = out["n"].astype(np.int64)
    columns["numerator"] = out["numerator"].astype(float)
    columns["denominator"] = out["denominator"].astype(float)
    columns["suppressed"] = out["suppressed"].astype(bool)
    return pd.DataFrame(columns)[["engagement_id", *OUTPUT_COLUMNS]]


# --- status against agreed targets (data-contract.md section 4) -----------------------------

TARGET_COLUMNS = [
    "target_id",
    "engagement_id",
    "kpi",
    "grain",
    "dimension",
    "segment",
    "effective_from",
    "effective_to",
    "target_value",
    "breach_threshold",
    "min_sample_size",
    "agreed_at",
]
KEY_COLUMNS = ["kpi", "version", "grain", "period", "dimension", "segment"]


# No status, suppressed (codes 0 and 1), then the statuses an agreed target gives.
STATUSES = ["", "suppressed", "on_track", "at_risk", "off_track", "insufficient_data"]


def with_status(values: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """`status` and `target_id` of every value from the agreed target in effect at period end.

    A target for the value's own segment wins over one without a segment; among those, the
    latest effective_from, then the latest agreement. No target: no status, except that a
    suppressed value says so.
    """
    values = values.copy()
    values["status"] = pd.Categorical.from_codes(
        values["suppressed"].to_numpy().astype(np.int8), categories=STATUSES
    )
    values["target_id"] = pd.arrays.IntegerArray(
        np.zeros(len(values), dtype=np.int64), np.ones(len(values), dtype=bool)
    )
    if values.empty or targets.empty:
        return values
    targets = targets.copy()
    targets["specific"] = targets["dimension"] != ""
    on = ["engagement_id", "kpi", "grain"] if "engagement_id" in values else ["kpi", "grain"]
    pairs = (
        values.drop(columns=["status", "target_id"])
        .reset_index()
        .merge(targets, on=on, suffixes=("", "_target"))
    )
    period_end = pd.to_datetime(pairs["period_end"])
    applies = (
        (pd.to_datetime(pairs["effective_from"]) <= period_end)
        & (pairs["effective_to"].isna() | (pd.to_datetime(pairs["effective_to"]) >= period_end))
        & (
            ~pairs["specific"]
            | (
                (pairs["dimension_target"] == pairs["dimension"])
                & (pairs["segment_target"] == pairs["segment"])
            )
        )
    )
    pairs = pairs[applies].sort_values(
        ["index", "specific", "effective_from", "agreed_at"], ascending=[True, False, False, False]
    )
    chosen = pairs.drop_duplicates("index").set_index("index")
    if chosen.empty:
        return values
    value = chosen["value"]
    target = chosen["target_value"].astype(float)
    breach = chosen["breach_threshold"].astype(float)
    lower = chosen["kpi"].map(lambda k: get_kpi(k).direction == "lower")
    meets = np.where(lower, value <= target, value >= target)
    past_breach = np.where(lower, value > breach, value < breach)
    status = np.select(
        [
            chosen["suppressed"] | (chosen["n"] < chosen["min_sample_size"]),
            meets,
            past_breach,
        ],
        ["insufficient_data", "on_track", "off_track"],
        default="at_risk",
    )
    values.loc[chosen.index, "status"] = status
    values.loc[chosen.index, "target_id"] = chosen["target_id"].astype("Int64")
    return values
