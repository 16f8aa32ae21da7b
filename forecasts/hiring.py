"""The hiring forecast (docs/data-contract.md, "Hiring forecast"): expected hires per month and
segment, with a 10th-90th percentile range, from the open pipeline and the openings it does not
cover yet.

The public entry point is `forecast_hires(engagement, *, as_of, ...)`; the nightly run and the
backtest call `forecast_frames` on frames of many engagements at once (`forecasts.reading`).
Both are **as-of pure**: a record or a date after `as_of` is treated as not yet known (the
hiring plan, a statement about the future, is the one input read for months after `as_of`).

Everything works on integer day numbers (days since 1970-01-01) in numpy, one pass per
segment dimension over all engagements, so a nightly run costs a few array operations per
table rather than a loop per engagement.

The method, in short (the contract has it in full):

(a) pipeline: every application still open on `as_of` sits at its furthest stage `s`, reached
    on day `d`, `e = as_of - d` days ago. Its cohort is the applications that reached `s` in the
    trailing 365 days and have an outcome (a start, or a rejection, withdrawal, declined offer
    or closed requisition) on or before `as_of`. Of that cohort, the start lags `L` (start - d)
    and the close lags `C`. The chance the application starts within days [x, y] after `d`,
    given it is still open after `e` days, is #(x <= L <= y) / (#(L > e) + #(C > e)), and the
    chance it ever starts #(L > e) / (#(L > e) + #(C > e)): the stage's observed conversion and
    lag, conditioned on what is known of the application.
(b) openings: an open requisition's openings not covered by its accepted offers and the
    expected starts of its pipeline start with the observed fill rate (accepted offers per
    opening) at the observed opening-to-start lag, given the requisition's age; new openings
    arrive from the hiring plan (the plan of the month one lead later, divided by the fill
    rate) or, without a plan, at the trailing year's rate, and start the same way.

Each application and uncovered opening is a Bernoulli trial and new openings a Poisson count,
so a month's hires have mean sum(p) and variance sum(p(1 - p)) + new; the range is the normal
approximation's 10th and 90th percentiles, never below the hires already started.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecasts.inputs import (  # noqa: F401 - part of the engine's interface
    APPLICATION_COLUMNS,
    MAX_LAG,
    PLAN_COLUMNS,
    REQUISITION_COLUMNS,
    WINDOW_DAYS,
    Frames,
)
from forecasts.reading import load_frames

# --- the method's constants (docs/data-contract.md, "Hiring forecast") ----------------------
MIN_STAGE_RECORDS = 30  # a segment's own stage statistics need this many cohort records
MIN_OPENING_RECORDS = 20  # a segment's own fill rate and opening-to-start lag: starts
Z90 = 1.2815515655446004  # the standard normal's 90th percentile
HORIZON_QUARTERS = 3  # the open quarter and the next two

STAGES = ("applied", "screened", "interviewed", "offered", "accepted")
ACCEPTED = len(STAGES) - 1
DIMENSIONS = ("department", "location", "job_family")
ALL = "all"
NONE_SEGMENT = "(none)"
NEVER = np.int64(2**40)  # a date that is not (yet) known
EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class MonthForecast:
    """One month's forecast of one segment (`dimension` "all" has the segment "all").

    `expected` = `hired` (started on or before as_of) + `from_pipeline` + `from_openings`;
    `p10`/`p90` the range; `plan` the planned hires (None: no plan row for it); `openings` the
    expected new openings (requisition slots opened after as_of) in the month.
    """

    month: date
    dimension: str
    segment: str
    expected: float
    p10: float
    p90: float
    plan: float | None
    openings: float
    from_pipeline: float
    from_openings: float
    hired: int

    @property
    def attainment(self) -> float | None:
        """Forecast plan attainment in % (None when nothing is planned)."""
        if not self.plan:
            return None
        return 100 * self.expected / self.plan

    @property
    def gap(self) -> float | None:
        """Expected hires minus planned (negative: short of the plan)."""
        return None if self.plan is None else self.expected - self.plan

    def as_dict(self) -> dict:
        row = asdict(self)
        row["month"] = self.month.isoformat()
        return row

    @classmethod
    def from_dict(cls, row: dict) -> MonthForecast:
        return cls(**{**row, "month": date.fromisoformat(row["month"])})


# --- months -----------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def horizon_months(as_of: date) -> list[date]:
    """The open quarter's months and the next two quarters': nine months."""
    first = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    return [add_months(first, i) for i in range(3 * HORIZON_QUARTERS)]


def _day(value: date) -> int:
    return int((np.datetime64(value, "D") - EPOCH).astype(np.int64))


def _days(column: pd.Series, as_of: int) -> np.ndarray:
    """Day numbers of a date column; blank or after as_of: NEVER (not known)."""
    values = pd.to_datetime(column).to_numpy(dtype="datetime64[D]")
    days = values.astype(np.int64)
    days[np.isnat(values) | (days > as_of)] = NEVER
    return days


def _text(column: pd.Series) -> np.ndarray:
    return np.asarray(column.astype(object).fillna(""), dtype=object)


# --- segment groups ---------------------------------------------------------------------------


class Groups:
    """Every (engagement, dimension, segment) forecast, numbered; group `parent[g]` is the
    engagement's `all` group, whose statistics a segment falls back to."""

    def __init__(self, engagement_ids: np.ndarray, dimensions: tuple[str, ...]):
        self.engagements = list(dict.fromkeys(int(e) for e in engagement_ids))
        self.dimensions = dimensions
        self.keys: list[tuple[int, str, str]] = [(e, ALL, ALL) for e in self.engagements]
        self.index = {key: i for i, key in enumerate(self.keys)}

    def of(self, engagement: int, dimension: str, segment: str) -> int:
        key = (engagement, dimension, segment)
        if key not in self.index:
            self.index[key] = len(self.keys)
            self.keys.append(key)
        return self.index[key]

    def codes(self, engagements: np.ndarray, dimension: str, values: np.ndarray) -> np.ndarray:
        """The group of each (engagement, value) pair, made on first sight."""
        # The `all` groups are numbered first, in the order of `engagements`.
        engagement_codes = pd.Index(self.engagements).get_indexer(np.asarray(engagements))
        if dimension == ALL:
            return engagement_codes.astype(np.int64)
        if not len(engagement_codes):
            return np.zeros(0, dtype=np.int64)
        value_codes, values_seen = pd.factorize(np.asarray(values, dtype=object))
        pairs, inverse = np.unique(
            engagement_codes.astype(np.int64) * len(values_seen) + value_codes, return_inverse=True
        )
        groups = np.array(
            [
                self.of(
                    self.engagements[pair // len(values_seen)],
                    dimension,
                    str(values_seen[pair % len(values_seen)]),
                )
                for pair in pairs
            ],
            dtype=np.int64,
        )
        return groups[inverse.reshape(-1)]

    @property
    def parent(self) -> np.ndarray:
        return np.array([self.index[(e, ALL, ALL)] for e, _, _ in self.keys], dtype=np.int64)


# --- statistics -------------------------------------------------------------------------------


def _histogram(groups: np.ndarray, lags: np.ndarray, size: int) -> np.ndarray:
    """Counts per group and lag day (0..MAX_LAG; later lags as MAX_LAG)."""
    lags = np.clip(lags, 0, MAX_LAG)
    flat = np.bincount(groups * (MAX_LAG + 1) + lags, minlength=size * (MAX_LAG + 1))
    return flat.reshape(size, MAX_LAG + 1).astype(np.float64)


def _cumulative(histogram: np.ndarray) -> np.ndarray:
    """cum[..., k] = number of lags < k (k = 0..MAX_LAG + 1)."""
    shape = (*histogram.shape[:-1], 1)
    return np.concatenate([np.zeros(shape), np.cumsum(histogram, axis=-1)], axis=-1)


def _between(cum: np.ndarray, rows: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Number of lags in [low, high] (days) in each row's cumulative histogram."""
    low = np.clip(low, 0, MAX_LAG + 1)
    high = np.clip(high + 1, 0, MAX_LAG + 1)
    return np.where(high > low, cum[rows, high] - cum[rows, low], 0.0)


def _above(cum: np.ndarray, rows: np.ndarray, elapsed: np.ndarray) -> np.ndarray:
    """Number of lags > elapsed; 0 once elapsed reaches MAX_LAG (nothing observed later)."""
    last = cum[rows, MAX_LAG + 1]
    return np.where(elapsed >= MAX_LAG, 0.0, last - cum[rows, np.clip(elapsed + 1, 0, MAX_LAG)])


def _with_fallback(counts: np.ndarray, parent: np.ndarray, minimum: int) -> np.ndarray:
    """The group whose statistics each group uses: its own with enough records, else its
    engagement's."""
    return np.where(counts >= minimum, np.arange(len(counts)), parent)


# --- the engine -------------------------------------------------------------------------------


@dataclass
class _Prepared:
    t: int
    req: dict
    app: dict
    plan: pd.DataFrame


def _prepare(frames: Frames, as_of: date) -> _Prepared:
    t = _day(as_of)
    r = frames.requisitions
    r = r[_days(r["opened_on"], t) != NEVER]
    req = {
        "engagement": r["engagement_id"].to_numpy(dtype=np.int64),
        "id": r["id"].to_numpy(dtype=np.int64),
        "openings": r["openings"].fillna(1).to_numpy(dtype=np.float64),
        "opened": _days(r["opened_on"], t),
        "filled": _days(r["filled_on"], t),
        "closed": np.minimum(_days(r["filled_on"], t), _days(r["cancelled_on"], t)),
        **{dimension: _text(r[dimension]) for dimension in DIMENSIONS},
    }
    a = frames.applications
    applied = _days(a["applied_on"], t)
    requisition = pd.Index(req["id"]).get_indexer(a["requisition_id"].to_numpy())
    known = (applied != NEVER) & (requisition >= 0)
    a = a[known]
    requisition = requisition[known]
    outcome = _text(a["offer_outcome"])
    decided = _days(a["offer_decided_on"], t)
    stages = np.stack(
        [
            applied[known],
            _days(a["screened_on"], t),
            _days(a["interviewed_on"], t),
            _days(a["offered_on"], t),
            np.where(outcome == "accepted", decided, NEVER),
        ],
        axis=1,
    )
    # A stage not given but passed (a later one is) counts as reached on the next one's day.
    for s in range(ACCEPTED - 1, -1, -1):
        stages[:, s] = np.minimum(stages[:, s], stages[:, s + 1])
    furthest = (stages != NEVER).sum(axis=1) - 1
    accepted = stages[:, ACCEPTED] != NEVER
    started = _days(a["started_on"], t)
    closed = np.minimum.reduce(
        [
            _days(a["rejected_on"], t),
            _days(a["withdrawn_on"], t),
            np.where(outcome == "declined", decided, NEVER),
            # A requisition filled or cancelled closes every application without an accepted
            # offer (their rejections often follow days later).
            np.where(accepted, NEVER, req["closed"][requisition]),
        ]
    )
    closed = np.where(started != NEVER, NEVER, closed)
    app = {
        "requisition": requisition,
        "stages": stages,
        "furthest": furthest,
        "accepted": accepted,
        "started": started,
        "closed": closed,
    }
    plan = frames.plan.copy()
    plan["month"] = pd.to_datetime(plan["month"]).dt.date
    return _Prepared(t=t, req=req, app=app, plan=plan)


def _stage_statistics(p: _Prepared, app_groups: list[np.ndarray], size: int):
    """Per (group, stage), of the stage's cohort (reached it within the window, outcome known):
    the start lags of its starts (day reached -> start), and how long its starts and all its
    members stayed at the stage (until the next stage, or the outcome). `app_groups`: each
    application's group in each dimension (the cohorts are found once for all of them)."""
    t, app = p.t, p.app
    outcome = np.minimum(app["started"], app["closed"])
    resolved = outcome != NEVER
    lags = np.zeros((size, len(STAGES), MAX_LAG + 1))
    stay_started = np.zeros_like(lags)
    stay_all = np.zeros_like(lags)
    for s in range(len(STAGES)):
        day = app["stages"][:, s]
        cohort = np.flatnonzero(resolved & (day != NEVER) & (day > t - WINDOW_DAYS))
        left = app["stages"][cohort, s + 1] if s < ACCEPTED else np.full(len(cohort), NEVER)
        stay = np.clip(np.minimum(left, outcome[cohort]) - day[cohort], 0, MAX_LAG)
        starts = app["started"][cohort] != NEVER
        start_lag = np.clip(app["started"][cohort][starts] - day[cohort][starts], 0, MAX_LAG)
        for groups in app_groups:
            g = groups[cohort]
            lags[:, s] += _histogram(g[starts], start_lag, size)
            stay_started[:, s] += _histogram(g[starts], stay[starts], size)
            stay_all[:, s] += _histogram(g, stay, size)
    return lags, stay_started, stay_all


def _opening_statistics(p: _Prepared, req_groups: np.ndarray, size: int):
    """Per group, of the requisitions opened in the window and filled or cancelled since, by
    their openings: the days from opening to filled, and to cancelled."""
    t, req = p.t, p.req
    recent = (req["opened"] > t - WINDOW_DAYS) & (req["closed"] != NEVER)
    filled = recent & (req["filled"] != NEVER)
    cancelled = recent & ~filled
    weights = req["openings"]

    def histogram(rows):
        lags = np.clip(req["closed"][rows] - req["opened"][rows], 0, MAX_LAG)
        flat = np.bincount(
            req_groups[rows] * (MAX_LAG + 1) + lags,
            weights=weights[rows],
            minlength=size * (MAX_LAG + 1),
        )
        return flat.reshape(size, MAX_LAG + 1)

    return histogram(filled), histogram(cancelled)


@dataclass
class _Sums:
    """Per group and month: the parts of the mean and the variance."""

    hired: np.ndarray
    pipeline: np.ndarray
    openings: np.ndarray
    variance: np.ndarray
    new_openings: np.ndarray


def _month_days(months: list[date]) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([_day(m) for m in months], dtype=np.int64),
        np.array([_day(month_end(m)) for m in months], dtype=np.int64),
    )


def _open_chances(p, app_groups, stats, use):
    """The open applications: (mask, group, histogram row, reached day, weight of the start
    lags, chance of ever starting).

    An application `e` days at its stage starts with the share of the stage's cohort still at
    the stage after `e` days that started; when, by the start lags longer than `e`. Its chance
    is scaled down so that a requisition's open applications never expect more starts than it
    has openings left (one opening hires one candidate, however many are in play)."""
    app, t, req = p.app, p.t, p.req
    lags, stay_started, stay_all = stats
    open_ = (app["started"] == NEVER) & (app["closed"] == NEVER)
    stage = app["furthest"][open_]
    reached = app["stages"][open_, stage]
    elapsed = t - reached
    groups = app_groups[open_]
    rows = use[groups, stage] * len(STAGES) + stage  # the (group, stage) row used
    staying = _above(stay_all, rows, elapsed)
    ever = np.divide(
        _above(stay_started, rows, elapsed), staying, out=np.zeros(len(rows)), where=staying > 0
    )
    requisition = app["requisition"][open_]
    accepted = app["accepted"][open_]
    expected = np.bincount(
        requisition[~accepted], weights=ever[~accepted], minlength=len(req["id"])
    )
    left = np.maximum(req["openings"] - _accepted_per_requisition(p), 0.0)
    scale = np.divide(left, expected, out=np.ones(len(left)), where=expected > left)
    ever = ever * np.where(accepted, 1.0, scale[requisition])
    later = _above(lags, rows, elapsed)
    weight = np.divide(ever, later, out=np.zeros(len(rows)), where=later > 0)
    return open_, groups, rows, reached, weight, np.where(later > 0, ever, 0.0)


def _accepted_per_requisition(p) -> np.ndarray:
    return np.bincount(p.app["requisition"], weights=p.app["accepted"], minlength=len(p.req["id"]))


def _pipeline_part(p, app_groups, stats, use, months, sums):
    """(a) Each open application's chance of starting in each month."""
    t = p.t
    _, groups, rows, reached, weight, _ = _open_chances(p, app_groups, stats, use)
    s_cum = stats[0]
    first, last = _month_days(months)
    size = len(sums.hired)
    for m in range(len(months)):
        low = np.maximum(first[m], t + 1) - reached
        chance = _between(s_cum, rows, low, last[m] - reached) * weight
        sums.pipeline[:, m] += np.bincount(groups, weights=chance, minlength=size)
        sums.variance[:, m] += np.bincount(groups, weights=chance * (1 - chance), minlength=size)


def _eventual_starts(p, app_groups, stats, use) -> np.ndarray:
    """Per requisition: the expected starts of its open applications not yet accepted."""
    open_, _, _, _, _, ever = _open_chances(p, app_groups, stats, use)
    not_accepted = ~p.app["accepted"][open_]
    return np.bincount(
        p.app["requisition"][open_][not_accepted],
        weights=ever[not_accepted],
        minlength=len(p.req["id"]),
    )


def _start_chances(fill_cum, cancel_cum, accept_cum, through, rows, age, low, high):
    """Chance that an opening `age` days old, not filled yet, starts a hire within days
    [low, high] after its opening: filled after `f > age` days with the share of the cohort's
    openings still open at `age` that were filled at `f`, but no sooner than a new candidate
    gets from applying to an accepted offer (`through` days from now), then started at the
    accepted stage's observed lag. One row of (opening, fill day) pairs per opening."""
    fill_pmf = np.diff(fill_cum[rows], axis=1)  # (openings, MAX_LAG + 1)
    days = np.arange(MAX_LAG + 1)
    later = days[None, :] > age[:, None]
    still_open = _above(fill_cum, rows, age) + _above(cancel_cum, rows, age)
    weight = np.where(later, fill_pmf, 0.0) / np.where(still_open > 0, still_open, 1.0)[:, None]
    filled = np.maximum(days[None, :], (age + through[rows])[:, None])
    lo = np.clip(low[:, None] - filled, 0, MAX_LAG + 1)
    hi = np.clip(high[:, None] - filled + 1, 0, MAX_LAG + 1)
    accept = accept_cum[rows]
    started = np.where(
        hi > lo,
        np.take_along_axis(accept, hi, axis=1) - np.take_along_axis(accept, lo, axis=1),
        0.0,
    )
    total = accept[:, -1]
    chance = (weight * started).sum(axis=1)
    return np.divide(chance, total, out=np.zeros(len(rows)), where=total > 0)


def _days_through(p: _Prepared, engagement_groups: np.ndarray, size: int) -> np.ndarray:
    """Per engagement group: the median days from applying to an accepted offer of the offers
    accepted in the window (how soon a candidate not yet in the pipeline can fill)."""
    app, t = p.app, p.t
    accepted = app["stages"][:, ACCEPTED]
    recent = (accepted != NEVER) & (accepted > t - WINDOW_DAYS)
    days = np.clip(accepted[recent] - app["stages"][recent, 0], 0, MAX_LAG)
    histogram = _histogram(engagement_groups[app["requisition"][recent]], days, size)
    counts = histogram.sum(axis=1)
    cumulative = np.cumsum(histogram, axis=1)
    median = (cumulative < (counts / 2)[:, None]).sum(axis=1)
    return np.where(counts > 0, median, 0)


def _uncovered_part(p, req_groups, uncovered, opening_stats, months, sums):
    """(b) Open requisitions' openings that no accepted offer or pipeline covers yet, with the
    engagement's fill and start statistics (worked out once, added to each dimension's
    segments)."""
    req, t = p.req, p.t
    fill_cum, cancel_cum, accept_cum, through, use = opening_stats
    open_ = uncovered > 0
    rows = use[req_groups[ALL][open_]]
    opened = req["opened"][open_]
    count = uncovered[open_]
    first, last = _month_days(months)
    size = len(sums.hired)
    for m in range(len(months)):
        chance = _start_chances(
            fill_cum,
            cancel_cum,
            accept_cum,
            through,
            rows,
            t - opened,
            np.maximum(first[m], t + 1) - opened,
            last[m] - opened,
        )
        for codes in req_groups.values():
            groups = codes[open_]
            sums.openings[:, m] += np.bincount(groups, weights=count * chance, minlength=size)
            sums.variance[:, m] += np.bincount(
                groups, weights=count * chance * (1 - chance), minlength=size
            )


def _new_openings_part(p, groups, opening_rate, opening_stats, months, sums):
    """(b) Openings not opened yet: a daily rate per group and month (`opening_rate`), each
    opening starting a hire as an opening of age 0 does. A Poisson count."""
    t = p.t
    fill_cum, cancel_cum, accept_cum, through, use = opening_stats
    first, last = _month_days(months)
    horizon = int(last.max())
    if horizon <= t:
        return
    days = np.arange(t + 1, horizon + 1)
    month_of_day = np.minimum(np.searchsorted(last, days), len(months) - 1)
    in_months = days >= first[month_of_day]
    length = (last - first + 1).astype(np.float64)
    rate = np.where(in_months, opening_rate[:, month_of_day] / length[month_of_day], 0.0)
    for m in range(len(months)):
        sums.new_openings[:, m] += rate[:, month_of_day == m].sum(axis=1)
    wanted = np.flatnonzero(rate.any(axis=1))
    if not len(wanted):
        return
    # Per statistics row used: the chance that a new opening starts a hire `d` days after it
    # opened (filled after f days, then started at the accepted stage's lag: a convolution).
    fill_pmf = np.diff(fill_cum, axis=1)
    cancel_total = cancel_cum[:, -1]
    accept_pmf = np.diff(accept_cum, axis=1)
    start_pmf = {}
    for row in np.unique(use[wanted]):
        closed = fill_pmf[row].sum() + cancel_total[row]
        accepted = accept_pmf[row].sum()
        if closed and accepted:
            # Filled no sooner than a new candidate can get through the stages.
            soonest = min(int(through[row]), MAX_LAG)
            fill = fill_pmf[row].copy()
            fill[soonest] += fill[:soonest].sum()
            fill[:soonest] = 0
            start_pmf[row] = np.convolve(fill / closed, accept_pmf[row] / accepted)
    for g in wanted:
        pmf = start_pmf.get(use[g])
        if pmf is None:
            continue
        hires = np.convolve(rate[g], pmf)[: len(days)]
        per_month = np.bincount(
            month_of_day[in_months], weights=hires[in_months], minlength=len(months)
        )
        sums.openings[g] += per_month
        sums.variance[g] += per_month


def _scaled_plan(plan: pd.DataFrame, plan_scale) -> pd.DataFrame:
    """The plan with each `plan_scale` applied: {"dimension": "department", "segment": "Sales",
    "quarter": "2027-Q3" (or "months": [date, ...]), "factor": 2.0}, or a list of them."""
    if not plan_scale:
        return plan
    plan = plan.copy()
    plan["planned_hires"] = plan["planned_hires"].astype(float)
    for scale in [plan_scale] if isinstance(plan_scale, dict) else plan_scale:
        rows = np.ones(len(plan), dtype=bool)
        dimension = scale.get("dimension", "department")
        if dimension != ALL and scale.get("segment") not in (None, ALL):
            rows &= _text(plan[dimension]) == scale["segment"]
        months = scale.get("months")
        if scale.get("quarter"):
            year, quarter = str(scale["quarter"]).split("-Q")
            start = date(int(year), 3 * int(quarter) - 2, 1)
            months = [add_months(start, i) for i in range(3)]
        if months is not None:
            rows &= plan["month"].isin(list(months)).to_numpy()
        plan.loc[rows, "planned_hires"] = plan.loc[rows, "planned_hires"] * float(scale["factor"])
    return plan


def _plan_by_group(p: _Prepared, groups: Groups, months: list[date]) -> np.ndarray:
    """Planned hires per group and month (NaN: no plan row for it). Plan rows are slices: a
    segment's plan is the sum of the rows naming it; `all` the sum of every row."""
    plan = p.plan
    if plan.empty:
        return np.full((len(groups.keys), len(months)), np.nan)
    month_index = {m: i for i, m in enumerate(months)}
    column = plan["month"].map(month_index)
    plan = plan[column.notna()]
    column = column[column.notna()].astype(int).to_numpy()
    engagements = plan["engagement_id"].to_numpy(dtype=np.int64)
    planned = plan["planned_hires"].to_numpy(dtype=np.float64)
    # Each dimension's rows and groups first: a segment only the plan names is a new group.
    slices = []
    for dimension in (ALL, *groups.dimensions):
        if dimension == ALL:
            rows = np.ones(len(plan), dtype=bool)
            codes = groups.codes(engagements, ALL, np.array([]))
        else:
            values = _text(plan[dimension])
            rows = values != ""  # a blank dimension is in no segment of it
            codes = groups.codes(engagements[rows], dimension, values[rows])
        slices.append((rows, codes))
    size = len(groups.keys) * len(months)
    result = np.full(size, np.nan)
    for rows, codes in slices:
        flat = codes * len(months) + column[rows]
        sums = np.bincount(flat, weights=planned[rows], minlength=size)
        seen = np.bincount(flat, minlength=size) > 0
        result = np.where(seen, sums, result)
    return result.reshape(len(groups.keys), len(months))


def forecast_frames(
    frames: Frames,
    *,
    as_of: date,
    months: list[date] | None = None,
    dimensions: tuple[str, ...] = DIMENSIONS,
    plan_scale: dict | list | None = None,
) -> dict[int, list[MonthForecast]]:
    """The forecast of every engagement in `frames`, for `months` (default: the open quarter
    and the next two), for segment `all` and each segment of `dimensions`."""
    months = sorted(month_start(m) for m in (months or horizon_months(as_of)))
    p = _prepare(frames, as_of)
    p.plan = _scaled_plan(p.plan, plan_scale)
    req, app = p.req, p.app
    engagement_ids = np.concatenate(
        [
            frames.requisitions["engagement_id"].to_numpy(dtype=np.int64),
            frames.plan["engagement_id"].to_numpy(dtype=np.int64),
        ]
    )
    groups = Groups(np.unique(engagement_ids), dimensions)
    req_groups = {ALL: groups.codes(req["engagement"], ALL, np.array([]))}
    for dimension in dimensions:
        values = np.where(req[dimension] == "", NONE_SEGMENT, req[dimension])
        req_groups[dimension] = groups.codes(req["engagement"], dimension, values)
    plan = _plan_by_group(p, groups, months)  # may add groups known only from the plan
    size = len(groups.keys)
    parent = groups.parent
    sums = _Sums(*(np.zeros((size, len(months))) for _ in range(5)))

    # Hires already started in each month, on or before as_of.
    first, last = _month_days(months)
    started = app["started"] != NEVER
    for m in range(len(months)):
        in_month = started & (app["started"] >= first[m]) & (app["started"] <= last[m])
        for codes in req_groups.values():
            sums.hired[:, m] += np.bincount(codes[app["requisition"][in_month]], minlength=size)

    # Statistics, per dimension's groups (each application is in one group per dimension).
    fill_hist = np.zeros((size, MAX_LAG + 1))
    cancel_hist = np.zeros((size, MAX_LAG + 1))
    stage_hists = list(
        _stage_statistics(p, [codes[app["requisition"]] for codes in req_groups.values()], size)
    )
    for codes in req_groups.values():
        filled, cancelled = _opening_statistics(p, codes, size)
        fill_hist += filled
        cancel_hist += cancelled
    stage_counts = stage_hists[2].sum(axis=2)  # cohort records per (group, stage)
    use_stage = np.stack(
        [_with_fallback(stage_counts[:, s], parent, MIN_STAGE_RECORDS) for s in range(len(STAGES))],
        axis=1,
    )
    use_opening = _with_fallback(
        fill_hist.sum(axis=1) + cancel_hist.sum(axis=1), parent, MIN_OPENING_RECORDS
    )
    # Cumulative, one row per (group, stage).
    stats = tuple(_cumulative(h).reshape(-1, MAX_LAG + 2) for h in stage_hists)
    # The accepted stage's start lags: the engagement's (every group falls back to it).
    accept_hist = stage_hists[0][parent, ACCEPTED]
    opening_stats = (
        _cumulative(fill_hist),
        _cumulative(cancel_hist),
        _cumulative(accept_hist),
        _days_through(p, req_groups[ALL], size)[parent],
        use_opening,
    )

    # (b) Open requisitions' uncovered openings, with the engagement's stage statistics.
    all_codes = req_groups[ALL]
    eventual = _eventual_starts(p, all_codes[app["requisition"]], stats, use_stage)
    accepted = _accepted_per_requisition(p)
    still_open = req["closed"] == NEVER
    uncovered = np.where(still_open, np.maximum(req["openings"] - accepted - eventual, 0.0), 0.0)

    for codes in req_groups.values():
        _pipeline_part(p, codes[app["requisition"]], stats, use_stage, months, sums)
    _uncovered_part(p, req_groups, uncovered, opening_stats, months, sums)

    opening_rate = _opening_rates(p, groups, req_groups, fill_hist, cancel_hist, months)
    _new_openings_part(p, groups, opening_rate, opening_stats, months, sums)
    return _assemble(groups, months, sums, plan)


def _opening_rates(p, groups, req_groups, fill_hist, cancel_hist, months) -> np.ndarray:
    """Expected openings opened in each month, per group: where the group has a plan for the
    month one lead later (the engagement's median days from opening to filled, plus a month
    for the start, in whole months), that plan divided by the fill rate (the share of closed
    openings filled); else the trailing year's openings per month, scaled by the ratio of the
    engagement's plan to its trailing year's plan where it has both."""
    req, t = p.req, p.t
    size = len(groups.keys)
    parent = groups.parent
    recent = req["opened"] > t - WINDOW_DAYS
    baseline = np.zeros(size)
    for codes in req_groups.values():
        baseline += np.bincount(codes[recent], weights=req["openings"][recent], minlength=size)
    baseline /= 12
    filled, cancelled = fill_hist.sum(axis=1), cancel_hist.sum(axis=1)
    fill = np.divide(filled, filled + cancelled, out=np.zeros(size), where=filled > 0)
    fill = np.where(filled + cancelled >= MIN_OPENING_RECORDS, fill, fill[parent])
    median = np.array(
        [
            np.searchsorted(np.cumsum(fill_hist[g]), fill_hist[g].sum() / 2)
            if fill_hist[g].sum()
            else 0
            for g in range(size)
        ]
    )
    lead = np.rint(median[parent] / 30.44).astype(int) + 1
    far = [add_months(months[0], i) for i in range(len(months) + int(lead.max(initial=0)) + 1)]
    far_plan = _plan_by_group(p, groups, far)
    rate = np.zeros((size, len(months)))
    for m, month in enumerate(months):
        target = (month.year - far[0].year) * 12 + month.month - far[0].month + lead
        planned = far_plan[np.arange(size), target]
        engagement_planned = far_plan[parent, target[parent]]
        share = np.divide(
            baseline, baseline[parent], out=np.zeros(size), where=baseline[parent] > 0
        )
        from_plan = np.divide(planned, fill, out=np.full(size, np.nan), where=fill > 0)
        from_share = np.divide(
            share * engagement_planned, fill, out=np.full(size, np.nan), where=fill > 0
        )
        rate[:, m] = np.where(
            ~np.isnan(from_plan), from_plan, np.where(~np.isnan(from_share), from_share, baseline)
        )
    return rate


def _assemble(groups, months, sums, plan) -> dict[int, list[MonthForecast]]:
    mean = sums.hired + sums.pipeline + sums.openings
    spread = Z90 * np.sqrt(sums.variance)
    low = np.maximum(mean - spread, sums.hired)
    high = mean + spread
    result: dict[int, list[MonthForecast]] = {e: [] for e in groups.engagements}
    order = sorted(
        range(len(groups.keys)),
        key=lambda g: (groups.keys[g][1] != ALL, groups.keys[g][1], groups.keys[g][2]),
    )
    for g in order:
        engagement, dimension, segment = groups.keys[g]
        for m, month in enumerate(months):
            planned = plan[g, m]
            result[engagement].append(
                MonthForecast(
                    month=month,
                    dimension=dimension,
                    segment=segment,
                    expected=float(mean[g, m]),
                    p10=float(low[g, m]),
                    p90=float(high[g, m]),
                    plan=None if np.isnan(planned) else float(planned),
                    openings=float(sums.new_openings[g, m]),
                    from_pipeline=float(sums.pipeline[g, m]),
                    from_openings=float(sums.openings[g, m]),
                    hired=int(sums.hired[g, m]),
                )
            )
    for rows in result.values():
        rows.sort(key=lambda r: (r.dimension != ALL, r.dimension, r.segment, r.month))
    return result


def forecast_hires(
    engagement,
    *,
    as_of: date,
    months: list[date] | None = None,
    segment_by: str | None = None,
    plan_scale: dict | list | None = None,
) -> list[MonthForecast]:
    """The hiring forecast of one engagement as of `as_of` (the stable entry point).

    `months`: first days of the months to forecast (default: the open quarter and the next
    two); `segment_by`: None for the engagement's total (segment "all"), or "department",
    "location" or "job_family" for one row per segment of it (the total first); `plan_scale`:
    a what-if on the plan (see `_scaled_plan`), nothing is saved. Reads only records known on
    `as_of`. Rows are ordered by dimension, segment, month.
    """
    if segment_by not in (None, *DIMENSIONS):
        raise ValueError(f"segment_by must be one of {DIMENSIONS} or None")
    frames = load_frames([engagement.pk], as_of=as_of)
    dimensions = (segment_by,) if segment_by else ()
    rows = forecast_frames(
        frames, as_of=as_of, months=months, dimensions=dimensions, plan_scale=plan_scale
    )
    return rows.get(engagement.pk, []) or empty_forecast(months or horizon_months(as_of))


def empty_forecast(months: Iterable[date]) -> list[MonthForecast]:
    """An engagement with no records and no plan: nothing expected."""
    return [
        MonthForecast(month_start(m), ALL, ALL, 0.0, 0.0, 0.0, None, 0.0, 0.0, 0.0, 0)
        for m in sorted(months)
    ]
