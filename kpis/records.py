"""The records the KPIs count, prepared once from the recruiting tables (data-contract.md 2).

`prepare()` applies the rules every KPI shares: the as-of cut-off (records and dates after it
are not yet known), the segments each record carries (its requisition's dimensions, blank as
`(none)` and blank priority as `normal`; an application's source; a survey's link) and the
periods. `kpis.definitions` then names, per KPI, which of these records it counts.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from kpis.registry import COST_ATTRIBUTION, DIMENSIONS, GRAINS, NONE_SEGMENT

# --- periods --------------------------------------------------------------------------------
# A period is handled as an integer code until the values are assembled: 202603 is the
# month 2026-03, 20261 the quarter 2026-Q1 (the two never collide).


def period_codes(dates: pd.Series, grain: str) -> np.ndarray:
    months = dates.to_numpy(dtype="datetime64[M]").astype(np.int64)  # months since 1970-01
    year = months // 12 + 1970
    month = months % 12 + 1
    if grain == "month":
        return year * 100 + month
    return year * 10 + (month - 1) // 3 + 1


def period_label(code: int) -> str:
    if code >= 100000:
        return f"{code // 100}-{code % 100:02d}"
    return f"{code // 10}-Q{code % 10}"


def period_code(label: str) -> int:
    """The code of `2026-03` (202603) or `2026-Q1` (20261)."""
    year, part = label.split("-")
    return int(year) * 10 + int(part[1:]) if part.startswith("Q") else int(year) * 100 + int(part)


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


# --- segments -------------------------------------------------------------------------------


def category(column: pd.Series, blank: str | None) -> pd.Series:
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
        out[dimension] = category(frame[dimension], NONE_SEGMENT)
    out["priority"] = category(frame["priority"], "normal")
    return out


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


# --- the prepared tables --------------------------------------------------------------------


def _known(frame: pd.DataFrame, as_of: pd.Timestamp, event: str, later: tuple[str, ...] = ()):
    """Rows whose `event` date is on or before as_of; later dates after as_of become unknown.

    Selections are new frames (pandas copy-on-write), so they are changed without a copy.
    """
    frame = frame[frame[event].notna() & (frame[event] <= as_of)]
    for column in later:
        frame[column] = frame[column].mask(frame[column] > as_of)
    return frame


class Tables:
    """The recruiting records known on `as_of`, each row carrying its segments.

    Each table is prepared when first used (the drill-down of one KPI needs few of them);
    `select(records)` gives the rows a `kpis.definitions.Records` names, selected once however
    many KPIs count them. `frames` is a `kpis.compute.Frames` or any object with its tables.
    """

    def __init__(self, frames, *, as_of: date, exclude_on_hold: bool | dict[int, bool] = False):
        self.frames = frames
        self.as_of = pd.Timestamp(as_of)
        self.exclude_on_hold = exclude_on_hold
        # (first, last) month codes: every KPI over the window's records as one period
        # (kpis.baselines.compute), instead of by month and quarter.
        self.window: tuple[int, int] | None = None
        self._selected: dict = {}
        self.groupings: dict = {}  # kpis.aggregate's groupings of the selected records

    def select(self, records) -> pd.DataFrame:
        if records not in self._selected:
            self._selected[records] = records.select(self)
        return self._selected[records]

    def on_hold_excluded(self, frame: pd.DataFrame) -> np.ndarray:
        """Whether the metric policy of each row's engagement excludes on-hold days."""
        if isinstance(self.exclude_on_hold, dict):
            policy = frame["engagement_id"].map(self.exclude_on_hold)
            return policy.fillna(False).astype(bool).to_numpy()
        return np.full(len(frame), bool(self.exclude_on_hold))

    @cached_property
    def _segments(self) -> pd.DataFrame:
        return _segment_values(self.frames.requisitions)

    @cached_property
    def _application_segments(self) -> pd.DataFrame:
        """Every application's requisition segments and its own source. The lookup uses every
        application, so a survey or review keeps its link whatever the as_of."""
        applications = self.frames.applications
        segments = _lookup(applications["requisition_id"], self._segments, "requisition_id")
        segments.insert(0, "id", applications["id"])
        segments.insert(1, "requisition_id", applications["requisition_id"])
        segments["source"] = applications["source"].astype("category")
        return segments

    @cached_property
    def requisitions(self) -> pd.DataFrame:
        # Requisition rows and their segments are aligned row by row.
        columns = list(self._segments.columns.drop("requisition_id"))
        requisitions = self.frames.requisitions.drop(columns=columns).join(self._segments[columns])
        return _known(requisitions, self.as_of, "opened_on", ("filled_on", "cancelled_on"))

    @cached_property
    def applications(self) -> pd.DataFrame:
        applications = _known(
            self.frames.applications.drop(columns=["requisition_id", "source"]),
            self.as_of,
            "applied_on",
            (
                "screened_on",
                "interviewed_on",
                "offered_on",
                "offer_decided_on",
                "started_on",
                "withdrawn_on",
            ),
        )
        applications = applications.join(self._application_segments.drop(columns=["id"]))
        return applications[applications["department"].notna()]  # requisition known

    @cached_property
    def surveys(self) -> pd.DataFrame:
        surveys = _survey_segments(
            _known(self.frames.surveys, self.as_of, "responded_on"),
            self._segments,
            self._application_segments,
        )
        surveys["score"] = surveys["score"].astype(float)
        return surveys

    @cached_property
    def reviews(self) -> pd.DataFrame:
        reviews = _known(self.frames.quality, self.as_of, "reviewed_on")
        segments = self._application_segments.drop(columns=["requisition_id"])
        return reviews.join(_lookup(reviews["application_id"], segments, "id"))

    @cached_property
    def costs(self) -> pd.DataFrame:
        costs = _known(self.frames.costs, self.as_of, "month")
        # The source a cost's category is attributed to (data-contract.md section 8), if any.
        costs["source"] = pd.Categorical(
            costs["category"].astype(object).map(COST_ATTRIBUTION),
            categories=sorted(set(COST_ATTRIBUTION.values())),
        )
        return costs

    @cached_property
    def plan(self) -> pd.DataFrame:
        plan = _known(self.frames.plan, self.as_of, "month")
        plan["planned_hires"] = plan["planned_hires"].astype(float)
        for dimension in ("department", "location", "job_family"):
            # Plan rows are slices of demand: a blank dimension is in no segment, never (none).
            plan[dimension] = category(plan[dimension], None)
        return plan


def prepare(frames, *, as_of: date, exclude_on_hold: bool | dict[int, bool] = False) -> Tables:
    """The tables of `frames` as known on `as_of`, with segments (prepared when first used)."""
    return Tables(frames, as_of=as_of, exclude_on_hold=exclude_on_hold)


def open_requisitions(tables: Tables) -> pd.DataFrame:
    """Each requisition once per period it is open at the `at` of (the period's last day, or
    as_of for the current period), with that `at` and the period's code.

    A requisition is open from opened_on until the first of filled_on/cancelled_on; it is
    expanded into the periods whose `at` falls in that interval, without a loop over periods.
    """
    requisitions = tables.requisitions
    columns = ["engagement_id", "id", *DIMENSIONS, "opened_on"]
    if requisitions.empty:
        return requisitions[columns].assign(at=requisitions["opened_on"], period=0)
    opened = requisitions["opened_on"].to_numpy(dtype="datetime64[ns]")
    # NaT (never closed) sorts after every date: open until the last period.
    closed = np.fmin(
        requisitions["filled_on"].to_numpy(dtype="datetime64[ns]"),
        requisitions["cancelled_on"].to_numpy(dtype="datetime64[ns]"),
    )
    parts = [_open_periods(opened, closed, tables.as_of, grain) for grain in GRAINS]
    rows = np.concatenate([part[0] for part in parts])
    expanded = requisitions[columns].iloc[rows].reset_index(drop=True)
    expanded["at"] = np.concatenate([part[1] for part in parts])
    expanded["period"] = np.concatenate([part[2] for part in parts])
    return expanded


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
