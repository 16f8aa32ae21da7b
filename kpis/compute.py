"""KPI computation (METRICS.md sections 2 and 3), vectorised with pandas.

`metric_frame()` is pure: it takes the recruiting tables of one engagement as DataFrames and
returns every defined value (KPI x grain x period x dimension x segment). `load_frames()` reads
those tables from PostgreSQL with one `COPY` per table and only the columns the KPIs need.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from django.db import connection

from kpis.registry import (
    ALL,
    DEFINITION_VERSION,
    DIMENSIONS,
    NONE_SEGMENT,
    SOURCE,
    SUPPRESSION_MIN_ROWS,
    get_kpi,
)
from recruiting.models import Application, Cost, HiringPlanLine, QualityReview, Requisition, Survey

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
APPLICATION_COLUMNS = [
    "id",
    "requisition_id",
    "source",
    "applied_on",
    "interviewed_on",
    "offered_on",
    "offer_outcome",
    "offer_decided_on",
    "started_on",
    "diverse",
]
SURVEY_COLUMNS = ["id", "respondent", "requisition_id", "application_id", "responded_on", "score"]
QUALITY_COLUMNS = ["id", "application_id", "reviewed_on", "meets_expectations", "retained_90d"]
COST_COLUMNS = ["id", "month", "amount"]
PLAN_COLUMNS = ["id", "month", "department", "location", "job_family", "planned_hires"]

DATE_COLUMNS = {
    "opened_on",
    "filled_on",
    "cancelled_on",
    "applied_on",
    "interviewed_on",
    "offered_on",
    "offer_decided_on",
    "started_on",
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
}
SEGMENT_DIMENSIONS = (*DIMENSIONS, SOURCE)

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
    requisitions: pd.DataFrame
    applications: pd.DataFrame
    surveys: pd.DataFrame
    quality: pd.DataFrame
    costs: pd.DataFrame
    plan: pd.DataFrame


# --- reading -----------------------------------------------------------------------------


def normalise(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Typed columns: dates as datetime64, booleans as True/False/NA, blank text as ""."""
    frame = frame.reindex(columns=columns)
    for column in columns:
        if column in DATE_COLUMNS:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
        elif column in BOOL_COLUMNS:
            mapped = frame[column].map(
                lambda v: (
                    None
                    if v is None or (isinstance(v, float) and np.isnan(v)) or v == ""
                    else str(v).strip().lower() in ("t", "true", "yes", "1")
                )
            )
            frame[column] = mapped.astype("boolean")
        elif column in TEXT_COLUMNS:
            text = frame[column].astype(object)
            frame[column] = text.where(text.notna(), "").astype(str)
    return frame


def _copy_frame(model, columns: list[str], engagement_id: int) -> pd.DataFrame:
    table = model._meta.db_table
    column_sql = ", ".join(f'"{c}"' for c in columns)
    sql = (
        f'COPY (SELECT {column_sql} FROM "{table}" WHERE engagement_id = {int(engagement_id)}) '  # noqa: S608 - identifiers from model metadata, id is an int
        "TO STDOUT WITH (FORMAT csv, HEADER true)"
    )
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, buffer)
    buffer.seek(0)
    frame = pd.read_csv(buffer, dtype=str, keep_default_na=False, na_values=[""])
    return normalise(frame, columns)


def load_frames(engagement_id: int) -> Frames:
    """One COPY per table, only the columns the KPIs read."""
    return Frames(
        requisitions=_copy_frame(Requisition, REQUISITION_COLUMNS, engagement_id),
        applications=_copy_frame(Application, APPLICATION_COLUMNS, engagement_id),
        surveys=_copy_frame(Survey, SURVEY_COLUMNS, engagement_id),
        quality=_copy_frame(QualityReview, QUALITY_COLUMNS, engagement_id),
        costs=_copy_frame(Cost, COST_COLUMNS, engagement_id),
        plan=_copy_frame(HiringPlanLine, PLAN_COLUMNS, engagement_id),
    )


# --- periods and segments ----------------------------------------------------------------


def period_labels(dates: pd.Series, grain: str) -> pd.Series:
    """`2026-03` or `2026-Q1` for each date, formatting each distinct period once."""
    if dates.empty:
        return pd.Series([], index=dates.index, dtype=object)
    year = dates.dt.year.to_numpy()
    if grain == "month":
        codes = year * 100 + dates.dt.month.to_numpy()
        labels = {code: f"{code // 100}-{code % 100:02d}" for code in np.unique(codes)}
    else:
        codes = year * 10 + dates.dt.quarter.to_numpy()
        labels = {code: f"{code // 10}-Q{code % 10}" for code in np.unique(codes)}
    unique = np.unique(codes)
    names = np.array([labels[code] for code in unique], dtype=object)
    return pd.Series(names[np.searchsorted(unique, codes)], index=dates.index)


def period_bounds(label: str) -> tuple[date, date]:
    """(first day, last day) of `2026-03` or `2026-Q1`."""
    if "-Q" in label:
        year, quarter = label.split("-Q")
        start = pd.Timestamp(int(year), 3 * int(quarter) - 2, 1)
        end = start + pd.offsets.QuarterEnd(0)
    else:
        start = pd.Timestamp(label + "-01")
        end = start + pd.offsets.MonthEnd(0)
    return start.date(), end.date()


def period_of(day: date, grain: str) -> str:
    if grain == "month":
        return f"{day:%Y-%m}"
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _segment_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Requisition dimensions as segments: blank is (none), blank priority is normal."""
    out = pd.DataFrame({"requisition_id": frame["id"]})
    for dimension in ("department", "location", "job_family"):
        out[dimension] = frame[dimension].replace("", NONE_SEGMENT)
    out["priority"] = frame["priority"].replace("", "normal")
    return out


def _long(events: pd.DataFrame, dimensions: tuple[str, ...]) -> pd.DataFrame:
    """One row per event and segment it counts in: `all`, then each dimension it has a value for."""
    parts = [events.assign(dimension=ALL, segment=ALL)]
    for dimension in dimensions:
        known = events[events[dimension].notna()]
        parts.append(known.assign(dimension=dimension, segment=known[dimension]))
    return pd.concat(parts, ignore_index=True)


def _grouped(events: pd.DataFrame, date_column: str, dimensions, grain: str, column=None):
    """Events grouped by (period, dimension, segment); only the columns the KPI reads."""
    keep = list(dimensions) + ([column] if column else [])
    events = events[keep].assign(period=period_labels(events[date_column], grain))
    grouped = _long(events, dimensions).groupby(["period", "dimension", "segment"], sort=True)
    return grouped[column] if column else grouped


def _finish(result: pd.DataFrame, key: str, grain: str) -> pd.DataFrame:
    result = result.reset_index()
    result["kpi"] = key
    result["grain"] = grain
    for column in ("numerator", "denominator"):
        if column not in result:
            result[column] = np.nan
    if "suppressed" not in result:
        result["suppressed"] = False
    return result


def _median(events, date_column, value_column, key, grain):
    kpi = get_kpi(key)
    agg = _grouped(events, date_column, kpi.dimensions, grain, value_column).agg(
        value="median", n="size"
    )
    return _finish(agg, key, grain)


def _ratio(events, date_column, flag_column, key, grain, scale=100.0):
    kpi = get_kpi(key)
    agg = _grouped(events, date_column, kpi.dimensions, grain, flag_column).agg(
        numerator="sum", n="size"
    )
    agg["numerator"] = agg["numerator"].astype(float)
    agg["denominator"] = agg["n"].astype(float)
    agg["value"] = scale * agg["numerator"] / agg["denominator"]
    return _finish(agg, key, grain)


def _count(events, date_column, key, grain):
    kpi = get_kpi(key)
    agg = _grouped(events, date_column, kpi.dimensions, grain).size().to_frame("n")
    agg["value"] = agg["n"].astype(float)
    return _finish(agg, key, grain)


# --- the KPIs ----------------------------------------------------------------------------


def _known(frame: pd.DataFrame, as_of: pd.Timestamp, event: str, later: tuple[str, ...] = ()):
    """Rows whose `event` date is on or before as_of; later dates after as_of become unknown."""
    frame = frame[frame[event].notna() & (frame[event] <= as_of)].copy()
    for column in later:
        frame.loc[frame[column] > as_of, column] = pd.NaT
    return frame


def metric_frame(frames: Frames, *, as_of: date, exclude_on_hold: bool = False) -> pd.DataFrame:
    """Every defined KPI value of one engagement as of `as_of` (METRICS.md sections 2-3)."""
    as_of_ts = pd.Timestamp(as_of)
    segments = _segment_values(frames.requisitions)

    requisitions = _known(
        frames.requisitions, as_of_ts, "opened_on", ("filled_on", "cancelled_on")
    ).merge(segments, left_on="id", right_on="requisition_id", suffixes=("_raw", ""))

    # Applications carry their requisition's segments and their own source. The lookup uses
    # every application, so a survey or review keeps its link whatever the as_of.
    app_segments = frames.applications[["id", "requisition_id", "source"]].merge(
        segments, on="requisition_id", how="left"
    )
    applications = _known(
        frames.applications,
        as_of_ts,
        "applied_on",
        ("interviewed_on", "offered_on", "offer_decided_on", "started_on"),
    )
    applications.loc[applications["offer_decided_on"].isna(), "offer_outcome"] = ""
    applications = applications.drop(columns=["requisition_id", "source"]).merge(
        app_segments, on="id"
    )
    applications = applications[applications["department"].notna()]  # requisition known

    hires = applications[applications["started_on"].notna()]
    decided = applications[applications["offer_outcome"].isin(["accepted", "declined"])].copy()
    decided["accepted"] = decided["offer_outcome"] == "accepted"
    accepted = decided[decided["accepted"]].copy()
    accepted["days"] = (accepted["offer_decided_on"] - accepted["applied_on"]).dt.days
    interviewed = applications[applications["interviewed_on"].notna()].copy()
    interviewed["offered"] = interviewed["offered_on"].notna()
    diversity = hires[hires["diverse"].notna()].copy()
    diversity["diverse"] = diversity["diverse"].astype(bool)

    filled = requisitions[requisitions["filled_on"].notna()].copy()
    filled["days"] = (filled["filled_on"] - filled["opened_on"]).dt.days
    if exclude_on_hold:
        filled["days"] -= filled["on_hold_days"].astype(float)

    surveys = _survey_segments(
        _known(frames.surveys, as_of_ts, "responded_on"), segments, app_segments
    )
    surveys["score"] = surveys["score"].astype(float)
    candidates = surveys[surveys["respondent"] == "candidate"].copy()
    candidates["nps"] = np.select(
        [candidates["score"] >= 9, candidates["score"] <= 6], [1, -1], default=0
    )
    managers = surveys[surveys["respondent"] == "hiring_manager"]

    reviews = _known(frames.quality, as_of_ts, "reviewed_on").merge(
        app_segments.drop(columns=["requisition_id"]).rename(columns={"id": "application_id"}),
        on="application_id",
        how="left",
    )
    reviews["meets_expectations"] = reviews["meets_expectations"].astype(bool)
    retention = reviews[reviews["retained_90d"].notna()].copy()
    retention["retained_90d"] = retention["retained_90d"].astype(bool)

    costs = _known(frames.costs, as_of_ts, "month")
    costs["amount"] = costs["amount"].astype(float)
    plan = _known(frames.plan, as_of_ts, "month")
    plan["planned_hires"] = plan["planned_hires"].astype(float)

    results = []
    for grain in ("month", "quarter"):
        results += [
            _median(filled, "filled_on", "days", "time_to_fill", grain),
            _median(accepted, "offer_decided_on", "days", "time_to_hire", grain),
            _ratio(decided, "offer_decided_on", "accepted", "offer_acceptance_rate", grain),
            _cost_per_hire(costs, hires, grain),
            _ratio(reviews, "reviewed_on", "meets_expectations", "quality_of_hire", grain),
            _ratio(retention, "reviewed_on", "retained_90d", "retention_90d", grain),
            _ratio(candidates, "responded_on", "nps", "candidate_nps", grain),
            _mean(managers, "responded_on", "score", "hiring_manager_satisfaction", grain),
            _diversity(diversity, grain),
            _ratio(interviewed, "interviewed_on", "offered", "interview_to_offer_rate", grain),
            _count(hires, "started_on", "hires", grain),
            _count(filled, "filled_on", "requisitions_filled", grain),
            _open_requisition_age(requisitions, as_of_ts, grain),
            _plan_attainment(plan, hires, grain),
        ]
    results = [r for r in results if len(r)]
    if not results:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    out = pd.concat(results, ignore_index=True)
    bounds = {label: period_bounds(label) for label in out["period"].unique()}
    out["period_start"] = out["period"].map(lambda p: bounds[p][0])
    out["period_end"] = out["period"].map(lambda p: bounds[p][1])
    out["version"] = DEFINITION_VERSION
    out["n"] = out["n"].astype(int)
    out["suppressed"] = out["suppressed"].astype(bool)
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def _survey_segments(surveys, segments, app_segments) -> pd.DataFrame:
    """The application link wins over the requisition link; no link counts in `all` only."""
    by_application = surveys.drop(columns=["requisition_id"]).merge(
        app_segments.rename(columns={"id": "application_id"}), on="application_id", how="left"
    )
    only_requisition = surveys["application_id"].isna() & surveys["requisition_id"].notna()
    linked = (
        surveys[only_requisition]
        .drop(columns=["application_id"])
        .merge(segments, on="requisition_id", how="left")
    )
    linked["source"] = np.nan
    by_application = by_application[~only_requisition.to_numpy()]
    return pd.concat([by_application, linked], ignore_index=True)


def _mean(events, date_column, value_column, key, grain):
    kpi = get_kpi(key)
    agg = _grouped(events, date_column, kpi.dimensions, grain, value_column).agg(
        value="mean", numerator="sum", n="size"
    )
    agg["denominator"] = agg["n"].astype(float)
    return _finish(agg, key, grain)


def _diversity(events, grain):
    result = _ratio(events, "started_on", "diverse", "diversity_hire_rate", grain)
    suppressed = result["n"] < SUPPRESSION_MIN_ROWS
    result["suppressed"] = suppressed
    result.loc[suppressed, ["value", "numerator"]] = np.nan
    return result


def _cost_per_hire(costs, hires, grain):
    spent = costs.groupby(period_labels(costs["month"], grain))["amount"].sum()
    hired = hires.groupby(period_labels(hires["started_on"], grain)).size()
    both = pd.concat([spent.rename("numerator"), hired.rename("n")], axis=1, join="inner")
    both = both[both["n"] > 0]
    both["denominator"] = both["n"].astype(float)
    both["value"] = both["numerator"] / both["denominator"]
    both.index.name = "period"
    both["dimension"] = ALL
    both["segment"] = ALL
    return _finish(both.set_index(["dimension", "segment"], append=True), "cost_per_hire", grain)


def _plan_attainment(plan, hires, grain):
    """Plan rows are slices of demand: a blank dimension never makes a (none) segment."""
    dimensions = get_kpi("plan_attainment").dimensions
    slices = plan.copy()
    for dimension in dimensions:
        slices[dimension] = slices[dimension].replace("", np.nan)
    long = _long(slices, dimensions)
    long["period"] = period_labels(long["month"], grain)
    planned = long.groupby(["period", "dimension", "segment"])["planned_hires"].sum()
    hired = _grouped(hires, "started_on", dimensions, grain).size()
    both = planned.rename("denominator").to_frame().join(hired.rename("numerator"), how="left")
    both["numerator"] = both["numerator"].fillna(0).astype(float)
    both = both[both["denominator"] > 0]
    both["n"] = both["denominator"].astype(int)
    both["value"] = 100.0 * both["numerator"] / both["denominator"]
    return _finish(both, "plan_attainment", grain)


def _open_requisition_age(requisitions, as_of: pd.Timestamp, grain: str) -> pd.DataFrame:
    """Median age of the requisitions open at `at` (period end, or as_of for its period).

    Each requisition is open from opened_on until the first of filled_on/cancelled_on; it is
    expanded into the periods whose `at` falls in that interval, without a loop over periods.
    """
    if requisitions.empty:
        return pd.DataFrame()
    first = requisitions["opened_on"].min()
    freq = "MS" if grain == "month" else "QS"
    starts = pd.date_range(
        first.to_period("M" if grain == "month" else "Q").start_time, as_of, freq=freq
    )
    ends = starts + (pd.offsets.MonthEnd(0) if grain == "month" else pd.offsets.QuarterEnd(0))
    at = np.minimum(ends.to_numpy(dtype="datetime64[ns]"), as_of.to_datetime64())
    closed = requisitions[["filled_on", "cancelled_on"]].min(axis=1)
    opened = requisitions["opened_on"].to_numpy(dtype="datetime64[ns]")
    open_from = np.searchsorted(at, opened, side="left")
    # NaT (never closed) sorts after every date: open until the last period.
    open_until = np.searchsorted(at, closed.to_numpy(dtype="datetime64[ns]"), side="left")
    spans = np.maximum(open_until - open_from, 0)
    rows = np.repeat(np.arange(len(requisitions)), spans)
    offsets = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    period_index = np.repeat(open_from, spans) + offsets
    expanded = requisitions[[*DIMENSIONS, "opened_on"]].iloc[rows].reset_index(drop=True)
    expanded["at"] = at[period_index]
    expanded["age"] = (expanded["at"] - expanded["opened_on"]).dt.days
    labels = period_labels(pd.Series(starts), grain).to_numpy()
    expanded["period"] = labels[period_index]
    long = _long(expanded, DIMENSIONS)
    agg = long.groupby(["period", "dimension", "segment"])["age"].agg(value="median", n="size")
    return _finish(agg, "open_requisition_age", grain)


# --- status against agreed targets (METRICS.md section 4) ---------------------------------

TARGET_COLUMNS = [
    "target_id",
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


def with_status(values: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """`status` and `target_id` of every value from the agreed target in effect at period end.

    A target for the value's own segment wins over one without a segment; among those, the
    latest effective_from, then the latest agreement. No target: no status, except that a
    suppressed value says so.
    """
    values = values.copy()
    values["status"] = np.where(values["suppressed"], "suppressed", "")
    values["target_id"] = pd.array([pd.NA] * len(values), dtype="Int64")
    if values.empty or targets.empty:
        return values
    targets = targets.copy()
    targets["specific"] = targets["dimension"] != ""
    pairs = (
        values.drop(columns=["status", "target_id"])
        .reset_index()
        .merge(targets, on=["kpi", "grain"], suffixes=("", "_target"))
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
