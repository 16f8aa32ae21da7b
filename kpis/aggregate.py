"""Grouped aggregates with numpy: the engine under `kpis.compute`.

A table of values in the making is a dict of equal-length columns (numpy arrays, or `Coded`
label columns). `aggregate()` groups events per (engagement, period, dimension, segment) over
one integer key and reduces each group with pandas' meaning of sum, size, mean and median.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpis.records import period_codes
from kpis.registry import ALL, GRAINS


@dataclass
class Coded:
    """A label column as integer codes into `categories`, made a categorical at the end."""

    codes: np.ndarray
    categories: list

    def __len__(self) -> int:
        return len(self.codes)

    def take(self, positions: np.ndarray) -> Coded:
        return Coded(self.codes[positions], self.categories)


def label_column(value: str, length: int) -> Coded:
    """A column holding one label, without building `length` strings."""
    return Coded(np.zeros(length, dtype=np.int64), [value])


# A table of values in the making: column name -> numpy array or Coded, all of one length.
Table = dict


def length(table: Table) -> int:
    return len(next(iter(table.values()))) if table else 0


def rows_of(table: Table, keep: np.ndarray) -> Table:
    return {
        name: column.take(np.flatnonzero(keep)) if isinstance(column, Coded) else column[keep]
        for name, column in table.items()
    }


def reduce(codes: np.ndarray, groups: int, values: np.ndarray | None, how: str) -> np.ndarray:
    """One aggregate per group code, with pandas' meaning (NaN skipped, size counts all)."""
    if how == "size":
        return np.bincount(codes, minlength=groups)
    known = ~np.isnan(values)
    if how == "count":  # the known values
        return np.bincount(codes, weights=known, minlength=groups)
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
        ordered = sorted_by_group(codes, values)
        count = np.bincount(codes, minlength=groups)
        start = np.cumsum(count) - count
        last = len(ordered) - 1
        low = np.minimum(start + (count - 1) // 2, last)
        high = np.minimum(start + count // 2, last)
        return np.where(count > 0, (ordered[low] + ordered[high]) / 2, np.nan)
    raise ValueError(f"unknown aggregate {how}")


def sorted_by_group(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
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


def group(key: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """(group code of each row, key of each group) for integer keys in [0, space)."""
    if space <= 4 * len(key) + 1024:  # a dense count is cheaper than hashing
        present = np.bincount(key, minlength=space) > 0
        uniques = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        return lookup[key], uniques
    codes, uniques = pd.factorize(key)
    return codes, uniques


@dataclass
class Grouping:
    """The groups of one set of events: each row's group code, and each group's labels.

    Several KPIs count the same records (a `kpis.records.Tables` selects them once); grouping
    them is most of an aggregate's work, so it is done once per records and dimensions
    (`cache`) and each KPI only reduces its own numbers over it.
    """

    codes: np.ndarray
    size: int
    labels: Table
    rows: np.ndarray
    repeat: int


def grouping(events: pd.DataFrame, dimensions, *, event=None, periods=None) -> Grouping:
    engagement_index, engagements = pd.factorize(events["engagement_id"].to_numpy(np.int64))
    if periods is not None:
        event_periods, repeat = periods, 1
    else:
        dates = events[event]
        event_periods = np.concatenate([period_codes(dates, grain) for grain in GRAINS])
        repeat = len(GRAINS)
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
    codes, uniques = group(key, len(engagements) * len(periods) * width)
    label = uniques % width
    labels = {
        "engagement_id": engagements[uniques // width // len(periods)],
        "period": periods[uniques // width % len(periods)],
        "dimension": Coded(np.asarray(label_dimensions)[label], [ALL, *dimensions]),
        "segment": Coded(label, label_segments),
    }
    return Grouping(codes, len(uniques), labels, rows, repeat)


def aggregate(
    events: pd.DataFrame,
    dimensions,
    values: np.ndarray | None = None,
    *,
    event: str | None = None,
    periods: np.ndarray | None = None,
    cache: dict | None = None,
    **aggregations,
) -> Table:
    """Aggregates of the events per (engagement, period, dimension, segment).

    Each event counts in segment `all` and in the segment of each dimension it has a value
    for. With no `values` (one number per event), the aggregate is the count `n`.
    Aggregations are `name="sum"`, `"size"`, `"mean"` or `"median"`, computed with numpy over
    one integer group key: every (dimension, segment) pair is one label, and the rows of all
    dimensions are grouped at once. Each event counts in the month and in the quarter of its
    `event` date (their period codes never collide); `periods` gives each event's period
    code instead. `cache` keeps the grouping of these events (the same frame object) for the
    next aggregate over them.
    """
    aggregations = aggregations if values is not None else {"n": "size"}
    if events.empty:
        return {}
    if cache is None:
        groups = grouping(events, dimensions, event=event, periods=periods)
    else:
        # The frame itself is kept with its grouping, so its id is never reused meanwhile.
        key = (id(events), tuple(dimensions), event, periods is None)
        if key not in cache:
            cache[key] = (events, grouping(events, dimensions, event=event, periods=periods))
        groups = cache[key][1]
    table = dict(groups.labels)
    if values is not None:
        values = np.tile(np.asarray(values, dtype=float), groups.repeat)[groups.rows]
    for name, how in aggregations.items():
        table[name] = reduce(groups.codes, groups.size, values, how)
    return table


def concat(parts: list[Table]) -> Table:
    """One table from several; label columns keep codes into one merged list of labels."""
    parts = [part for part in parts if length(part)]
    if not parts:
        return {}
    table = {}
    for name in parts[0]:
        pieces = [part[name] for part in parts]
        if isinstance(pieces[0], Coded):
            merged: dict = {}
            codes = []
            for piece in pieces:
                mapping = np.array(
                    [merged.setdefault(label, len(merged)) for label in piece.categories],
                    dtype=np.int64,
                )
                codes.append(mapping[piece.codes] if len(mapping) else piece.codes)
            table[name] = Coded(np.concatenate(codes), list(merged))
        else:
            table[name] = np.concatenate(pieces)
    return table


def positions(table: Table, other: Table) -> np.ndarray:
    """For each row of `table`, the row of `other` with the same engagement, period,
    dimension and segment, or -1.

    `other`'s keys are unique (one row per group, as `aggregate` makes them).
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
