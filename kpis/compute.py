"""KPI computation (data-contract.md sections 2 and 3), vectorised with pandas.

`metric_frame()` is pure: it takes the recruiting tables of one engagement as DataFrames and
returns every defined value (KPI x grain x period x dimension x segment). `load_frames()` reads
those tables from PostgreSQL with one `COPY` per table and only the columns the KPIs need.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from django.db import connection

from kpis.registry import (
    ALL,
    DEFINITION_VERSION,
    DIMENSIONS,
    GRAINS,
    NONE_SEGMENT,
    SUPPRESSION_MIN_ROWS,
    get_kpi,
)
from recruiting import contract
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
APPLICATION_COLUMNS = contract.KINDS["applications"].kpi_columns
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


# --- reading -----------------------------------------------------------------------------

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


def load_frames(engagement_ids: int | list[int]) -> Frames:
    """One COPY per table for all the engagements, only the columns the KPIs read."""
    ids = [engagement_ids] if isinstance(engagement_ids, int) else list(engagement_ids)
    return Frames(
        requisitions=_copy_frame(Requisition, REQUISITION_COLUMNS, ids),
        applications=_copy_frame(Application, APPLICATION_COLUMNS, ids),
        surveys=_copy_frame(Survey, SURVEY_COLUMNS, ids),
        quality=_copy_frame(QualityReview, QUALITY_COLUMNS, ids),
        costs=_copy_frame(Cost, COST_COLUMNS, ids),
        plan=_copy_frame(HiringPlanLine, PLAN_COLUMNS, ids),
    )


# --- periods and segments ----------------------------------------------------------------
# A period is handled as an integer code until the values are assembled: 202603 is the
# month 2026-03, 20261 the quarter 2026-Q1 (the two never collide).


def period_codes(dates: pd.Series, grain: str) -> np.ndarray:
    months = dates.to_numpy(dtype="datetime64[M]").astype(np.int64)  # months since 1970-01
    year = months // 12 + 1970
    month = months % 12 + 1
    if grain == "month":
        return year * 100 + month
    return year * 10 + (month - 1) // 3 + 1


def _code_label(code: int) -> str:
    if code >= 100000:
        return f"{code // 100}-{code % 100:02d}"
    return f"{code // 10}-Q{code % 10}"


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


def _category(column: pd.Series, blank: str | None) -> pd.Series:
    """The column as a categorical whose blank value reads `blank` (None: missing)."""
    column = column.astype("category")
    categories = list(column.cat.categories)
    if "" not in categories:
        return column
    codes = column.cat.codes.to_numpy().copy()
    empty = categories.index("")
    if blank is None:
        codes[codes == empty] = -1  # the "" category stays, unused
    elif blank in categories:
        codes[codes == empty] = categories.index(blank)
    else:
        categories[empty] = blank
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object)),
        index=column.index,
        name=column.name,
    )


def _segment_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Requisition dimensions as segments: blank is (none), blank priority is normal."""
    out = pd.DataFrame({"requisition_id": frame["id"]})
    for dimension in ("department", "location", "job_family"):
        out[dimension] = _category(frame[dimension], NONE_SEGMENT)
    out["priority"] = _category(frame["priority"], "normal")
    return out


@dataclass
class _Coded:
    """A label column as integer codes into `categories`, made a categorical at the end."""

    codes: np.ndarray
    categories: list

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, positions: np.ndarray) -> _Coded:
        return _Coded(self.codes[positions], self.categories)


def _label(value: str, length: int) -> _Coded:
    """A column holding one label, without building `length` strings."""
    return _Coded(np.zeros(length, dtype=np.int64), [value])


# A table of values in the making: column name -> numpy array or _Coded, all of one length.
Table = dict


def _length(table: Table) -> int:
    return len(next(iter(table.values()))) if table else 0


def _rows(table: Table, keep: np.ndarray) -> Table:
    return {
        name: column.take(np.flatnonzero(keep)) if isinstance(column, _Coded) else column[keep]
        for name, column in table.items()
    }


def _reduce(codes: np.ndarray, groups: int, values: np.ndarray | None, how: str) -> np.ndarray:
    """One aggregate per group code, with pandas' meaning (NaN skipped, size counts all)."""
    if how == "size":
        return np.bincount(codes, minlength=groups)
    known = ~np.isnan(values)
    if how == "sum":
        return np.bincount(codes, weights=np.where(known, values, 0.0), minlength=groups)
    if how == "mean":
        total = np.bincount(codes, weights=np.where(known, values, 0.0), minlength=groups)
        count = np.bincount(codes, weights=known, minlength=groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / np.maximum(count, 1), np.nan)
    if how == "median":
        codes, values = codes[known], values[known]
        if not len(values):
            return np.full(groups, np.nan)
        ordered = _sorted_by_group(codes, values)
        count = np.bincount(codes, minlength=groups)
        start = np.cumsum(count) - count
        last = len(ordered) - 1
        low = np.minimum(start + (count - 1) // 2, last)
        high = np.minimum(start + count // 2, last)
        return np.where(count > 0, (ordered[low] + ordered[high]) / 2, np.nan)
    raise ValueError(f"unknown aggregate {how}")


def _sorted_by_group(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The values ordered by group code, then value.

    Whole numbers (days, scores: every median here) are sorted as one integer key,
    several times faster than a two-key lexsort.
    """
    low, high = values.min(), values.max()
    span = int(high - low) + 1
    if np.array_equal(values, np.floor(values)) and span * (int(codes.max()) + 1) < 2**62:
        key = np.sort(codes.astype(np.int64) * span + (values - low).astype(np.int64))
        return (key % span + low).astype(float)
    return values[np.lexsort((values, codes))]


def _group(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """(group code of each row, key of each group) for integer keys in [0, space)."""
    if space <= 4 * len(key) + 1024:  # a dense count is cheaper than hashing
        present = np.bincount(key, minlength=space) > 0
        uniques = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        return lookup[key], uniques
    codes, uniques = pd.factorize(key)
    return codes, uniques


def _aggregate(
    events, date_column, dimensions, column=None, *, grain=None, periods=None, **aggregations
) -> Table:
    """Aggregates of the events per (engagement, period, dimension, segment).

    Each event counts in segment `all` and in the segment of each dimension it has a value
    for. With no `column`, the aggregate is the count `n`. Aggregations are `name="sum"`,
    `"size"`, `"mean"` or `"median"`, computed with numpy over one integer group key: every
    (dimension, segment) pair is one label, and the rows of all dimensions are grouped at once.
    With no `grain`, each event counts in its month and in its quarter (their period codes
    never collide); `periods` gives each event's period code instead of a date column.
    """
    aggregations = aggregations if column else {"n": "size"}
    if events.empty:
        return {}
    engagement_index, engagements = pd.factorize(events["engagement_id"].to_numpy(np.int64))
    if periods is not None:
        event_periods, repeat = periods, 1
    else:
        grains = GRAINS if grain is None else (grain,)
        dates = events[date_column]
        event_periods = np.concatenate([period_codes(dates, g) for g in grains])
        repeat = len(grains)
    engagement_index = np.tile(engagement_index.astype(np.int64), repeat)
    period_index, periods = pd.factorize(event_periods)
    base = engagement_index * len(periods) + period_index
    count = len(events)
    label_dimensions, label_segments = [0], [ALL]  # label 0: segment `all`
    label_codes, rows = [np.zeros(count * repeat, dtype=np.int64)], [np.arange(count * repeat)]
    for number, dimension in enumerate(dimensions, start=1):
        segment = events[dimension]
        if not isinstance(segment.dtype, pd.CategoricalDtype):
            segment = segment.astype("category")
        codes = np.tile(segment.cat.codes.to_numpy().astype(np.int64), repeat)
        keep = np.flatnonzero(codes >= 0)  # no value for this dimension: not in its segments
        label_codes.append(codes[keep] + len(label_segments))
        rows.append(keep)
        categories = segment.cat.categories.to_numpy(dtype=object).tolist()
        label_dimensions += [number] * len(categories)
        label_segments += categories
    width = len(label_segments)
    rows = np.concatenate(rows)
    key = base[rows] * width + np.concatenate(label_codes)
    codes, uniques = _group(key, len(engagements) * len(periods) * width)
    label = uniques % width
    table = {
        "engagement_id": engagements[uniques // width // len(periods)],
        "period": periods[uniques // width % len(periods)],
        "dimension": _Coded(np.asarray(label_dimensions)[label], [ALL, *dimensions]),
        "segment": _Coded(label, label_segments),
    }
    values = None
    if column:
        values = np.tile(events[column].to_numpy(dtype=float, na_value=np.nan), repeat)[rows]
    for name, how in aggregations.items():
        table[name] = _reduce(codes, len(uniques), values, how)
    return table


def _concat(parts: list[Table]) -> Table:
    """One table from several; label columns keep codes into one merged list of labels."""
    parts = [part for part in parts if _length(part)]
    if not parts:
        return {}
    table = {}
    for name in parts[0]:
        pieces = [part[name] for part in parts]
        if isinstance(pieces[0], _Coded):
            merged: dict = {}
            codes = []
            for piece in pieces:
                mapping = np.array(
                    [merged.setdefault(label, len(merged)) for label in piece.categories],
                    dtype=np.int64,
                )
                codes.append(mapping[piece.codes] if len(mapping) else piece.codes)
            table[name] = _Coded(np.concatenate(codes), list(merged))
        else:
            table[name] = np.concatenate(pieces)
    return table


def _finish(result: Table, key: str) -> Table:
    length = _length(result)
    if not length:
        return {}
    result = dict(result)
    result["kpi"] = _label(key, length)
    # A month's code has six digits (202603), a quarter's five (20261).
    result["grain"] = _Coded((result["period"] < 100000).astype(np.int64), list(GRAINS))
    for column in ("numerator", "denominator"):
        if column not in result:
            result[column] = np.full(length, np.nan)
    if "suppressed" not in result:
        result["suppressed"] = np.zeros(length, dtype=bool)
    return {column: result[column] for column in RESULT_COLUMNS}


# The columns of a KPI's table; version and the period's bounds are added at the end.
RESULT_COLUMNS = [
    "engagement_id",
    *(c for c in OUTPUT_COLUMNS if c not in ("version", "period_start", "period_end")),
]


def _median(events, date_column, value_column, key):
    kpi = get_kpi(key)
    agg = _aggregate(events, date_column, kpi.dimensions, value_column, value="median", n="size")
    return _finish(agg, key)


def _ratio(events, date_column, flag_column, key, scale=100.0):
    kpi = get_kpi(key)
    agg = _aggregate(events, date_column, kpi.dimensions, flag_column, numerator="sum", n="size")
    if agg:
        agg["numerator"] = agg["numerator"].astype(float)
        agg["denominator"] = agg["n"].astype(float)
        agg["value"] = scale * agg["numerator"] / agg["denominator"]
    return _finish(agg, key)


def _count(events, date_column, key):
    kpi = get_kpi(key)
    agg = _aggregate(events, date_column, kpi.dimensions)
    if agg:
        agg["value"] = agg["n"].astype(float)
    return _finish(agg, key)


# --- the KPIs ----------------------------------------------------------------------------


def _known(frame: pd.DataFrame, as_of: pd.Timestamp, event: str, later: tuple[str, ...] = ()):
    """Rows whose `event` date is on or before as_of; later dates after as_of become unknown.

    Selections are new frames (pandas copy-on-write), so they are changed without a copy.
    """
    frame = frame[frame[event].notna() & (frame[event] <= as_of)]
    for column in later:
        frame[column] = frame[column].mask(frame[column] > as_of)
    return frame


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
    frames = _with_engagement(frames)
    as_of_ts = pd.Timestamp(as_of)
    segments = _segment_values(frames.requisitions)
    segment_columns = list(segments.columns.drop("requisition_id"))

    # Requisition rows and their segments are aligned row by row.
    requisitions = frames.requisitions.drop(columns=segment_columns).join(segments[segment_columns])
    requisitions = _known(requisitions, as_of_ts, "opened_on", ("filled_on", "cancelled_on"))

    # Applications carry their requisition's segments and their own source. The lookup uses
    # every application, so a survey or review keeps its link whatever the as_of.
    app_segments = _lookup(frames.applications["requisition_id"], segments, "requisition_id")
    app_segments.insert(0, "id", frames.applications["id"])
    app_segments.insert(1, "requisition_id", frames.applications["requisition_id"])
    app_segments["source"] = frames.applications["source"].astype("category")
    applications = _known(
        frames.applications.drop(columns=["requisition_id", "source"]),
        as_of_ts,
        "applied_on",
        ("interviewed_on", "offered_on", "offer_decided_on", "started_on"),
    )
    applications = applications.join(app_segments.drop(columns=["id"]))
    applications = applications[applications["department"].notna()]  # requisition known
    # An offer decided after as_of is not decided yet.
    decision_known = applications["offer_decided_on"].notna()
    accepted_offer = decision_known & (applications["offer_outcome"] == "accepted")
    declined_offer = decision_known & (applications["offer_outcome"] == "declined")

    hires = applications[applications["started_on"].notna()]
    decided = applications[accepted_offer | declined_offer]
    decided["accepted"] = accepted_offer[decided.index]
    accepted = decided[decided["accepted"]]
    accepted["days"] = (accepted["offer_decided_on"] - accepted["applied_on"]).dt.days
    interviewed = applications[applications["interviewed_on"].notna()]
    interviewed["offered"] = interviewed["offered_on"].notna()
    diversity = hires[hires["diverse"].notna()]
    diversity["diverse"] = diversity["diverse"].astype(bool)

    filled = requisitions[requisitions["filled_on"].notna()]
    filled["days"] = (filled["filled_on"] - filled["opened_on"]).dt.days.astype(float)
    if isinstance(exclude_on_hold, dict):
        excluding = filled["engagement_id"].map(exclude_on_hold).fillna(False).astype(bool)
    else:
        excluding = pd.Series(bool(exclude_on_hold), index=filled.index)
    on_hold = filled["on_hold_days"].astype(float)
    filled["days"] -= on_hold.where(excluding, 0.0)

    surveys = _survey_segments(
        _known(frames.surveys, as_of_ts, "responded_on"), segments, app_segments
    )
    surveys["score"] = surveys["score"].astype(float)
    candidates = surveys[surveys["respondent"] == "candidate"]
    candidates["nps"] = np.select(
        [candidates["score"] >= 9, candidates["score"] <= 6], [1, -1], default=0
    )
    managers = surveys[surveys["respondent"] == "hiring_manager"]

    reviews = _known(frames.quality, as_of_ts, "reviewed_on")
    reviews = reviews.join(
        _lookup(reviews["application_id"], app_segments.drop(columns=["requisition_id"]), "id")
    )
    reviews["meets_expectations"] = reviews["meets_expectations"].astype(bool)
    retention = reviews[reviews["retained_90d"].notna()]
    retention["retained_90d"] = retention["retained_90d"].astype(bool)

    costs = _known(frames.costs, as_of_ts, "month")
    # Whole cents (amounts have two decimals): their float sum is exact in any row order, so
    # an engagement's cost per hire is the same to the last bit however its rows are read.
    costs["cents"] = np.round(costs["amount"].astype(float) * 100)
    plan = _known(frames.plan, as_of_ts, "month")
    plan["planned_hires"] = plan["planned_hires"].astype(float)

    # Every KPI in both grains at once (see _aggregate).
    results = [
        _median(filled, "filled_on", "days", "time_to_fill"),
        _median(accepted, "offer_decided_on", "days", "time_to_hire"),
        _ratio(decided, "offer_decided_on", "accepted", "offer_acceptance_rate"),
        _cost_per_hire(costs, hires),
        _ratio(reviews, "reviewed_on", "meets_expectations", "quality_of_hire"),
        _ratio(retention, "reviewed_on", "retained_90d", "retention_90d"),
        _ratio(candidates, "responded_on", "nps", "candidate_nps"),
        _mean(managers, "responded_on", "score", "hiring_manager_satisfaction"),
        _diversity(diversity),
        _ratio(interviewed, "interviewed_on", "offered", "interview_to_offer_rate"),
        _count(hires, "started_on", "hires"),
        _count(filled, "filled_on", "requisitions_filled"),
        _open_requisition_age(requisitions, as_of_ts),
        _plan_attainment(plan, hires),
    ]
    out = _concat(results)
    if not out:
        return pd.DataFrame(columns=["engagement_id", *OUTPUT_COLUMNS])
    unique, position = np.unique(out["period"], return_inverse=True)
    labels = [_code_label(int(code)) for code in unique]
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


def _lookup(keys: pd.Series, table: pd.DataFrame, key: str) -> pd.DataFrame:
    """The rows of `table` whose `key` equals each of `keys` (unique), all-NaN where none does.

    Aligned with `keys`' index: a left join on a unique key without a merge's sort.
    """
    positions = pd.Index(table[key]).get_indexer(keys)
    columns = {}
    for column in table.columns.drop(key):
        values = table[column].array
        columns[column] = values.take(positions, allow_fill=True)
    return pd.DataFrame(columns, index=keys.index)


def _survey_segments(surveys, segments, app_segments) -> pd.DataFrame:
    """The application link wins over the requisition link; no link counts in `all` only."""
    application = pd.Index(app_segments["id"]).get_indexer(surveys["application_id"])
    requisition_of_application = pd.Index(segments["requisition_id"]).get_indexer(
        app_segments["requisition_id"]
    )
    only_requisition = surveys["application_id"].isna() & surveys["requisition_id"].notna()
    linked_application = application >= 0
    requisition_of_survey = np.full(len(application), -1, dtype=np.int64)
    requisition_of_survey[linked_application] = requisition_of_application[
        application[linked_application]
    ]
    requisition = np.where(
        linked_application,
        requisition_of_survey,
        np.where(
            only_requisition.to_numpy(),
            pd.Index(segments["requisition_id"]).get_indexer(surveys["requisition_id"]),
            -1,
        ),
    )
    linked = {
        column: segments[column].array.take(requisition, allow_fill=True)
        for column in segments.columns.drop("requisition_id")
    }
    linked["source"] = app_segments["source"].array.take(application, allow_fill=True)
    surveys = surveys.drop(columns=["requisition_id", "application_id"])
    for column, values in linked.items():
        surveys[column] = values
    return surveys


def _mean(events, date_column, value_column, key):
    kpi = get_kpi(key)
    agg = _aggregate(
        events,
        date_column,
        kpi.dimensions,
        value_column,
        value="mean",
        numerator="sum",
        n="size",
    )
    if agg:
        agg["denominator"] = agg["n"].astype(float)
    return _finish(agg, key)


def _diversity(events):
    result = _ratio(events, "started_on", "diverse", "diversity_hire_rate")
    if result:
        suppressed = result["n"] < SUPPRESSION_MIN_ROWS
        result["suppressed"] = suppressed
        result["value"] = np.where(suppressed, np.nan, result["value"])
        result["numerator"] = np.where(suppressed, np.nan, result["numerator"])
    return result


def _positions(table: Table, other: Table) -> np.ndarray:
    """For each row of `table`, the row of `other` with the same engagement, period,
    dimension and segment, or -1.

    `other`'s keys are unique (one row per group, as `_aggregate` makes them).
    """
    labels: dict = {}
    engagements, periods = (
        pd.Index(np.unique(np.concatenate([table[c], other[c]])))
        for c in ("engagement_id", "period")
    )

    def keys(t: Table) -> pd.Index:
        key = engagements.get_indexer(t["engagement_id"]) * len(periods)
        key = key + periods.get_indexer(t["period"])
        for name in ("dimension", "segment"):
            mapping = np.array(
                [labels.setdefault((name, c), len(labels)) for c in t[name].categories],
                dtype=np.int64,
            )
            key = key * 1_000_003 + mapping[t[name].codes]  # far more labels than ever exist
        return pd.Index(key)

    return keys(other).get_indexer(keys(table))


def _cost_per_hire(costs, hires):
    spent = _aggregate(costs, "month", (), "cents", numerator="sum")
    hired = _aggregate(hires, "started_on", ())
    if not spent or not hired:
        return {}
    position = _positions(spent, hired)
    both = _rows(spent, position >= 0)
    both["n"] = hired["n"][position[position >= 0]]
    both["numerator"] = both["numerator"] / 100
    both["denominator"] = both["n"].astype(float)
    both["value"] = both["numerator"] / both["denominator"]
    return _finish(both, "cost_per_hire")


def _plan_attainment(plan, hires):
    """Plan rows are slices of demand: a blank dimension never makes a (none) segment."""
    dimensions = get_kpi("plan_attainment").dimensions
    slices = plan.copy()
    for dimension in dimensions:
        slices[dimension] = _category(slices[dimension], None)  # blank: in no segment
    planned = _aggregate(slices, "month", dimensions, "planned_hires", denominator="sum")
    if not planned:
        return {}
    both = _rows(planned, planned["denominator"] > 0)
    hired = _aggregate(hires, "started_on", dimensions)
    numerator = np.zeros(_length(both))
    if hired:
        position = _positions(both, hired)
        numerator[position >= 0] = hired["n"][position[position >= 0]]
    both["numerator"] = numerator
    both["n"] = both["denominator"].astype(np.int64)
    both["value"] = 100.0 * both["numerator"] / both["denominator"]
    return _finish(both, "plan_attainment")


def _open_requisition_age(requisitions, as_of: pd.Timestamp) -> Table:
    """Median age of the requisitions open at `at` (period end, or as_of for its period).

    Each requisition is open from opened_on until the first of filled_on/cancelled_on; it is
    expanded into the periods whose `at` falls in that interval, without a loop over periods.
    """
    if requisitions.empty:
        return {}
    opened = requisitions["opened_on"].to_numpy(dtype="datetime64[ns]")
    # NaT (never closed) sorts after every date: open until the last period.
    closed = np.fmin(
        requisitions["filled_on"].to_numpy(dtype="datetime64[ns]"),
        requisitions["cancelled_on"].to_numpy(dtype="datetime64[ns]"),
    )
    parts = [_open_periods(opened, closed, as_of, grain) for grain in GRAINS]
    rows = np.concatenate([part[0] for part in parts])
    expanded = requisitions[["engagement_id", *DIMENSIONS]].iloc[rows].reset_index(drop=True)
    ages = np.concatenate([part[1] for part in parts]) - opened[rows]
    expanded["age"] = ages.astype("timedelta64[D]").astype(np.int64)
    agg = _aggregate(
        expanded,
        None,
        DIMENSIONS,
        column="age",
        periods=np.concatenate([part[2] for part in parts]),
        value="median",
        n="size",
    )
    return _finish(agg, "open_requisition_age")


def _open_periods(opened: np.ndarray, closed: np.ndarray, as_of: pd.Timestamp, grain: str):
    """(requisition row, `at`, period code) of each period a requisition is open at the `at` of."""
    first = pd.Timestamp(opened.min())
    freq = "MS" if grain == "month" else "QS"
    starts = pd.date_range(
        first.to_period("M" if grain == "month" else "Q").start_time, as_of, freq=freq
    )
    ends = starts + (pd.offsets.MonthEnd(0) if grain == "month" else pd.offsets.QuarterEnd(0))
    at = np.minimum(ends.to_numpy(dtype="datetime64[ns]"), as_of.to_datetime64())
    open_from = np.searchsorted(at, opened, side="left")
    open_until = np.searchsorted(at, closed, side="left")
    spans = np.maximum(open_until - open_from, 0)
    rows = np.repeat(np.arange(len(opened)), spans)
    offsets = np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    period_index = np.repeat(open_from, spans) + offsets
    codes = period_codes(pd.Series(starts), grain)
    return rows, at[period_index], codes[period_index]


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
