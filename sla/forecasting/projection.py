"""Where a clause's open period is heading: its projected value at period end and how likely
a breach is (docs/data-contract.md, "SLA breach forecast").

Pure: given the recruiting records as known on `as_of` (`kpis.records.Tables`, so nothing
dated later is ever read) and the clause's terms, it simulates the rest of the period
SIMULATIONS times with a fixed seed and judges every simulated value as the evaluation would
(rounded as shown, n against min_n, suppression). The likelihood is the share of simulated
periods that end in a breach.

How the rest of the period is simulated depends on the KPI:
- time to fill: each open requisition of the clause's segment, `a` days old, fills before the
  period ends as requisitions that were still open at `a` days did in the last HISTORY_DAYS
  (one of them drawn at random: if it was filled by `a + remaining` days, this one fills
  after that many days);
- open requisition age: the same draw closes (fills or cancels) the open requisitions; those
  left are `remaining` days older at period end, and new ones open at the trailing pace;
- counts, rates, medians and means of events (hires, offers, reviews, surveys, ...): the
  records of the period so far, plus a Poisson number of new records at the pace of the last
  TRAILING_DAYS, each drawn from those days' records;
- cost per hire: the costs known, plus the trailing monthly cost for each month of the period
  not yet begun, over the hires so far plus the expected hires;
- plan attainment: the hires so far plus the expected hires over the period's planned hires
  (the plan is agreed ahead, so the whole period's plan is read).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from kpis import definitions as d
from kpis.definitions import DEFINITION_BY_KEY
from kpis.drilldown import Cell, behind, in_cell
from kpis.records import Tables, prepare
from kpis.registry import ALL, KPI_BY_KEY
from kpis.templatetags.kpis_tags import kpi_value, plain
from rpo_portal import formats

SIMULATIONS = 1000
LIKELY = 0.5  # a forecast warning from this likelihood of a breach up
TRAILING_DAYS = 90  # the pace of new events
HISTORY_DAYS = 365  # the requisitions whose fills teach the fill model
MIN_HISTORY = 20  # closed requisitions a segment needs for a fill model of its own


@dataclass(frozen=True)
class ClauseSpec:
    """What the projection needs of a clause (credit clauses only: bonuses never breach)."""

    key: str
    kpi: str
    dimension: str
    segment: str
    threshold: float
    min_n: int = 1

    @property
    def direction(self) -> str:
        return KPI_BY_KEY[self.kpi].direction

    @property
    def decimals(self) -> int:
        return KPI_BY_KEY[self.kpi].decimals


@dataclass(frozen=True)
class Projection:
    period: str
    period_end: date
    remaining_days: int
    current: float | None  # the value so far (as the KPI computes it as of as_of)
    current_n: int
    projected: float | None  # the median simulated value (None: no simulated value defined)
    low: float | None  # 10th percentile
    high: float | None  # 90th percentile
    likelihood: float  # share of simulations ending in a breach, 0..1
    expected_n: float  # mean n at period end
    reason: str

    @property
    def likely(self) -> bool:
        return self.likelihood >= LIKELY


@dataclass
class Simulated:
    """SIMULATIONS values and their n; NaN where the value is undefined or suppressed."""

    outcomes: np.ndarray
    n: np.ndarray
    words: str  # how the period gets there, for the reason


def seed_of(clause_key: str, period: str, as_of: date) -> int:
    """The same clause, period and day always simulate the same draws."""
    return zlib.crc32(f"{clause_key}|{period}|{as_of.isoformat()}".encode())


def shown(values: np.ndarray, decimals: int) -> np.ndarray:
    """Rounded half away from zero to the KPI's shown precision (as the evaluation compares)."""
    scale = 10.0**decimals
    return np.sign(values) * np.floor(np.abs(values) * scale + 0.5 + 1e-9) / scale


def breaches(sim: Simulated, spec: ClauseSpec) -> np.ndarray:
    """Which simulated periods end as a breach: a defined value, n >= min_n, worse than the
    threshold after rounding."""
    defined = ~np.isnan(sim.outcomes) & (sim.n >= spec.min_n)
    value = shown(np.nan_to_num(sim.outcomes), spec.decimals)
    worse = value > spec.threshold if spec.direction == "lower" else value < spec.threshold
    return defined & worse


def project(
    tables: Tables,
    spec: ClauseSpec,
    *,
    engagement_id: int,
    period: str,
    period_start: date,
    period_end: date,
) -> Projection:
    """The clause's open period `period` projected to its end from what is known on
    `tables.as_of`."""
    as_of = tables.as_of.date()
    remaining = max(0, (period_end - as_of).days)
    cell = Cell(engagement_id, period, spec.dimension, spec.segment)
    definition = DEFINITION_BY_KEY[spec.kpi]
    now = behind(definition, tables, cell)
    rng = np.random.default_rng(seed_of(spec.key, period, as_of))
    context = _Context(tables, spec, cell, as_of, period_start, period_end, remaining, rng)
    if spec.kpi == "time_to_fill":
        sim = _time_to_fill(context, now)
    elif spec.kpi == "open_requisition_age":
        sim = _open_age(context)
    elif isinstance(definition.formula, d.PerRecord):
        sim = _per_hire(context, definition, now)
    elif isinstance(definition.formula, d.PercentOfPlanned):
        sim = _of_plan(context, definition, now)
    else:
        sim = _events(context, definition, now)
    judged = breaches(sim, spec)
    defined = sim.outcomes[~np.isnan(sim.outcomes)]
    projected = low = high = None
    if defined.size:
        projected, low, high = (float(x) for x in np.percentile(defined, [50, 10, 90]))
    likelihood = float(judged.mean())
    current = now.value if not now.suppressed else None
    reason = _reason(spec, sim.words, projected, likelihood, period_end)
    return Projection(
        period=period,
        period_end=period_end,
        remaining_days=remaining,
        current=current,
        current_n=now.n,
        projected=projected,
        low=low,
        high=high,
        likelihood=likelihood,
        expected_n=float(sim.n.mean()),
        reason=reason,
    )


@dataclass
class _Context:
    tables: Tables
    spec: ClauseSpec
    cell: Cell
    as_of: date
    period_start: date
    period_end: date
    remaining: int
    rng: np.random.Generator

    def in_segment(self, frame: pd.DataFrame) -> pd.DataFrame:
        keep = frame["engagement_id"].to_numpy() == self.cell.engagement_id
        if self.spec.dimension != ALL:
            keep &= (frame[self.spec.dimension] == self.spec.segment).to_numpy(
                dtype=bool, na_value=False
            )
        return frame[keep]

    def trailing(self, frame: pd.DataFrame, event: str) -> pd.DataFrame:
        """The rows whose event date is in the last TRAILING_DAYS (as_of included)."""
        since = pd.Timestamp(self.as_of - timedelta(days=TRAILING_DAYS - 1))
        return frame[frame[event] >= since]

    def arrivals(self, daily_rate: float) -> np.ndarray:
        return self.rng.poisson(daily_rate * self.remaining, size=SIMULATIONS)


def _value_words(spec: ClauseSpec, value) -> str:
    return kpi_value(value, spec.kpi) if value is not None else formats.MISSING


def _reason(spec: ClauseSpec, words: str, projected, likelihood: float, end: date) -> str:
    ending = (
        f"by {formats.day(end)} it ends near {_value_words(spec, projected)}"
        if projected is not None
        else f"by {formats.day(end)} it is most likely still without a value"
    )
    threshold = plain(spec.threshold)
    unit = {"days": " days", "percent": "%"}.get(KPI_BY_KEY[spec.kpi].unit, "")
    return (
        f"{words}; {ending}, breach threshold {threshold}{unit}; "
        f"{formats.percent(likelihood * 100, 0)} of {formats.number(SIMULATIONS)} simulated "
        f"periods end in a breach."
    )


# --- requisitions: time to fill and open requisition age --------------------------------------


def _closing_history(context: _Context) -> pd.DataFrame:
    """Requisitions closed (filled or cancelled) in the last HISTORY_DAYS: their days open
    and whether they were filled. The segment's own when it has MIN_HISTORY, else the
    engagement's."""
    requisitions = context.tables.requisitions
    ours = requisitions[requisitions["engagement_id"].to_numpy() == context.cell.engagement_id]
    closed_on = ours["filled_on"].fillna(ours["cancelled_on"])
    since = pd.Timestamp(context.as_of - timedelta(days=HISTORY_DAYS))
    closed = ours[closed_on.notna() & (closed_on > since)]
    history = pd.DataFrame(
        {
            "days": (closed_on[closed.index] - closed["opened_on"]).dt.days.to_numpy(),
            "filled": closed["filled_on"].notna().to_numpy(),
        }
    )
    if context.spec.dimension != ALL:
        mine = (closed[context.spec.dimension] == context.spec.segment).to_numpy(
            dtype=bool, na_value=False
        )
        if mine.sum() >= MIN_HISTORY:
            history = history[mine]
    return history


def _open_now(context: _Context) -> pd.DataFrame:
    requisitions = context.in_segment(context.tables.requisitions)
    still_open = requisitions["filled_on"].isna() & requisitions["cancelled_on"].isna()
    return requisitions[still_open]


def _closing_draws(context: _Context, ages: np.ndarray, history: pd.DataFrame):
    """For each simulation and open requisition (age `a`): the days it is open when it closes
    (NaN: still open at period end) and whether it closes by filling. One requisition of the
    history still open at `a` days is drawn for each; none such: it stays open."""
    shape = (SIMULATIONS, len(ages))
    days = np.full(shape, np.nan)
    filled = np.zeros(shape, dtype=bool)
    past = history["days"].to_numpy(dtype=float)
    was_filled = history["filled"].to_numpy(dtype=bool)
    for column, age in enumerate(ages):
        candidates = np.flatnonzero(past > age)
        if not candidates.size:
            continue
        drawn = candidates[context.rng.integers(candidates.size, size=SIMULATIONS)]
        closes = past[drawn] <= age + context.remaining
        days[closes, column] = past[drawn][closes]
        filled[:, column] = closes & was_filled[drawn]
    return days, filled


def _time_to_fill(context: _Context, now) -> Simulated:
    open_now = _open_now(context)
    ages = (pd.Timestamp(context.as_of) - open_now["opened_on"]).dt.days.to_numpy(dtype=float)
    history = _closing_history(context)
    days, filled = _closing_draws(context, ages, history)
    on_hold = open_now["on_hold_days"].to_numpy(dtype=float)
    on_hold = np.where(context.tables.on_hold_excluded(open_now), on_hold, 0.0)
    new = np.where(filled, days - on_hold, np.nan)
    so_far = np.broadcast_to(np.asarray(now.numbers, dtype=float), (SIMULATIONS, len(now.numbers)))
    together = np.concatenate([so_far, new], axis=1)
    n = (~np.isnan(together)).sum(axis=1)
    values = np.full(SIMULATIONS, np.nan)
    some = n > 0
    if some.any():
        values[some] = np.nanmedian(together[some], axis=1)
    threshold = context.spec.threshold
    older = int((ages > threshold).sum())
    so_far_words = (
        f"{formats.counted(now.n, 'requisition')} filled so far in "
        f"{formats.period(context.cell.period)}"
        + (f" (median {kpi_value(now.value, 'time_to_fill')})" if now.n else "")
    )
    fill_rate = float(history["filled"].mean()) if len(history) else 0.0
    closed = formats.counted(len(history), "requisition")
    more = formats.number(float(filled.sum(axis=1).mean()), 1)
    words = (
        f"{formats.counted(len(ages), 'requisition')} open, {formats.number(older)} of them "
        f"older than {plain(threshold)} days; {so_far_words}; at the observed fill rate "
        f"({formats.percent(fill_rate * 100, 0)} of {closed} closed in the last year were "
        f"filled) about {more} more fill"
    )
    return Simulated(values, n, words)


def _open_age(context: _Context) -> Simulated:
    open_now = _open_now(context)
    ages = (pd.Timestamp(context.as_of) - open_now["opened_on"]).dt.days.to_numpy(dtype=float)
    days, _ = _closing_draws(context, ages, _closing_history(context))
    at_end = np.where(np.isnan(days), ages + context.remaining, np.nan)
    opened = context.in_segment(context.tables.requisitions)
    pace = len(context.trailing(opened, "opened_on")) / TRAILING_DAYS
    arrivals = context.arrivals(pace)
    values = np.full(SIMULATIONS, np.nan)
    n = np.zeros(SIMULATIONS, dtype=np.int64)
    for i in range(SIMULATIONS):
        new = context.rng.integers(0, max(context.remaining, 1), size=arrivals[i])
        ages_i = np.concatenate([at_end[i][~np.isnan(at_end[i])], new.astype(float)])
        n[i] = ages_i.size
        if ages_i.size:
            values[i] = float(np.median(ages_i))
    words = (
        f"{formats.counted(len(ages), 'requisition')} open, "
        f"{formats.number(int((ages > context.spec.threshold).sum()))} of them older than "
        f"{plain(context.spec.threshold)} days; about "
        f"{formats.number(float(np.isnan(at_end).sum(axis=1).mean()), 1)} close and "
        f"{formats.number(pace * context.remaining, 1)} open before the period ends"
    )
    return Simulated(values, n, words)


# --- events: counts, rates, medians and means -------------------------------------------------


def _trailing_numbers(context: _Context, definition) -> tuple[np.ndarray, int]:
    """What each record of the last TRAILING_DAYS contributes, and how many there were."""
    records = definition.records
    frame = context.trailing(context.in_segment(context.tables.select(records)), records.event)
    if isinstance(definition.formula, d.Count | d.PerRecord | d.PercentOfPlanned):
        return np.zeros(0), len(frame)
    return np.asarray(definition.formula.of.numbers(frame, context.tables), dtype=float), len(frame)


def _title(definition) -> str:
    return definition.records.title.replace(" in the period", "")


def _events(context: _Context, definition, now) -> Simulated:
    formula = definition.formula
    trailing, count = _trailing_numbers(context, definition)
    pace = count / TRAILING_DAYS
    arrivals = context.arrivals(pace)
    so_far = np.asarray(now.numbers, dtype=float)
    values = np.full(SIMULATIONS, np.nan)
    n = now.n + arrivals
    for i in range(SIMULATIONS):
        if isinstance(formula, d.Count):
            values[i] = float(n[i])
            continue
        numbers = so_far
        if trailing.size and arrivals[i]:
            new = trailing[context.rng.integers(trailing.size, size=arrivals[i])]
            numbers = np.concatenate([so_far, new])
        if not numbers.size:
            continue
        if isinstance(formula, d.Median):
            values[i] = float(np.median(numbers))
        elif isinstance(formula, d.Mean):
            values[i] = float(numbers.mean())
        elif numbers.size >= formula.suppress_below:
            values[i] = 100.0 * float(numbers.sum()) / numbers.size
    if not trailing.size and not isinstance(formula, d.Count):
        n = np.full(SIMULATIONS, now.n)  # nothing to draw new records from
    value_words = (
        f", giving {_value_words(context.spec, now.value)}" if now.n and not now.suppressed else ""
    )
    words = (
        f"{_title(definition)} so far in {formats.period(context.cell.period)}: "
        f"{formats.number(now.n)}{value_words}; at the pace of the last {TRAILING_DAYS} days "
        f"({formats.number(count)}) about {formats.number(pace * context.remaining, 1)} more come"
    )
    return Simulated(values, n, words)


def _per_hire(context: _Context, definition, now) -> Simulated:
    """Cost per hire: costs known plus the trailing monthly cost for months not yet begun."""
    costs = context.in_segment(context.tables.costs)
    months = costs.groupby("month")["amount"].sum()
    before = months[months.index < pd.Timestamp(context.period_start)]
    monthly = float(before.tail(3).mean()) if len(before) else 0.0
    later = pd.date_range(context.as_of + timedelta(days=1), context.period_end, freq="MS")
    spent = float(now.numerator or 0.0) + monthly * len(later)
    _, count = _trailing_numbers(context, definition)
    pace = count / TRAILING_DAYS
    hires = now.n + context.arrivals(pace)
    values = np.where(hires > 0, spent / np.maximum(hires, 1), np.nan)
    words = (
        f"{formats.counted(now.n, 'hire')} so far in {formats.period(context.cell.period)}; "
        f"costs of {formats.number(spent, 2)} expected ({formats.counted(len(later), 'month')} "
        f"not yet begun at the last three months' mean); about "
        f"{formats.number(pace * context.remaining, 1)} more hires at the pace of the last "
        f"{TRAILING_DAYS} days"
    )
    return Simulated(values.astype(float), hires, words)


def _of_plan(context: _Context, definition, now) -> Simulated:
    """Plan attainment: the period's planned hires are read whole (the plan is agreed ahead);
    hires only as known on as_of, plus the expected ones."""
    formula = definition.formula
    whole = prepare(context.tables.frames, as_of=context.period_end)
    plan = in_cell(formula.plan, whole.select(formula.plan), context.cell)
    planned = float(plan[formula.planned].sum())
    _, count = _trailing_numbers(context, definition)
    pace = count / TRAILING_DAYS
    hired = len(now.records)  # n of plan attainment is the planned hires
    hires = hired + context.arrivals(pace)
    values = np.where(planned > 0, 100.0 * hires / max(planned, 1.0), np.nan).astype(float)
    n = np.full(SIMULATIONS, int(planned))
    words = (
        f"{formats.counted(hired, 'hire')} so far in {formats.period(context.cell.period)} "
        f"against {formats.counted(int(planned), 'planned hire')}; about "
        f"{formats.number(pace * context.remaining, 1)} more at the pace of the last "
        f"{TRAILING_DAYS} days"
    )
    return Simulated(values, n, words)
