"""Recruiter capacity (docs/data-contract.md, "Recruiter capacity"): pure arithmetic over the
requisitions known on `as_of` and the hiring forecast's new openings.

- **Load** of a recruiter in a month: the requisitions assigned to them open at the month's
  `at` (its last day, or `as_of` for the current month), and their openings. Over capacity:
  more requisitions than the agreed capacity (requisitions at once per recruiter).
- **Demand** per department and month, from the current month: the requisitions carried in
  (the book: open on `as_of` for the current month) plus the requisitions the forecast's new
  openings make (openings / openings per requisition); a share of them closes within the month
  (CLOSE_RATE: a month over the mean days a requisition of the last year stayed open, at most
  all), the rest is carried into the next month. Recruiters needed: the demand over the agreed
  capacity, rounded up; the gap: needed minus the recruiters now holding the department's open
  requisitions (positive: recruiters to add).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

AVERAGE_MONTH_DAYS = 365.25 / 12
HISTORY_DAYS = 365  # the requisitions whose days open and openings teach the rates
MIN_HISTORY = 20  # closed requisitions a department needs for rates of its own
UNASSIGNED = ""  # a requisition without a recruiter
ALL = "all"


@dataclass(frozen=True)
class RecruiterLoad:
    recruiter: str  # "" for requisitions without a recruiter
    month: date
    requisitions: int
    openings: int
    capacity: int | None

    @property
    def over(self) -> bool:
        return (
            self.capacity is not None and bool(self.recruiter) and self.requisitions > self.capacity
        )

    @property
    def spare(self) -> int | None:
        return None if self.capacity is None else self.capacity - self.requisitions


@dataclass(frozen=True)
class DemandMonth:
    department: str  # "all" for the engagement's total
    month: date
    carried: float  # requisitions carried in from the month before (the book)
    new: float  # requisitions the month's new openings make
    openings: float  # the forecast's new openings
    closing: float  # expected to close within the month
    recruiters: int  # recruiters now holding the department's open requisitions
    capacity: int | None

    @property
    def load(self) -> float:
        return self.carried + self.new

    @property
    def needed(self) -> int | None:
        if not self.capacity:
            return None
        return math.ceil(round(self.load / self.capacity, 9))

    @property
    def gap(self) -> int | None:
        return None if self.needed is None else self.needed - self.recruiters

    @property
    def spare(self) -> int:
        """Recruiters beyond the need (0 when short or without a capacity)."""
        return max(0, -(self.gap or 0))


def month_end(month: date) -> date:
    return (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()


def known(requisitions: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The requisitions opened on or before `as_of`; fills and cancellations after it unknown.
    Columns: department, recruiter, openings, opened_on, filled_on, cancelled_on (dates)."""
    frame = requisitions.copy()
    for column in ("opened_on", "filled_on", "cancelled_on"):
        frame[column] = pd.to_datetime(frame[column])
    day = pd.Timestamp(as_of)
    frame = frame[frame["opened_on"] <= day]
    for column in ("filled_on", "cancelled_on"):
        frame[column] = frame[column].mask(frame[column] > day)
    frame["recruiter"] = frame["recruiter"].fillna("").astype(str).str.strip()
    frame["department"] = frame["department"].fillna("").astype(str).replace("", "(none)")
    frame["openings"] = frame["openings"].fillna(1).astype(int)
    return frame


def open_at(frame: pd.DataFrame, at: date) -> pd.DataFrame:
    day = pd.Timestamp(at)
    closed = frame["filled_on"].fillna(frame["cancelled_on"])
    return frame[(frame["opened_on"] <= day) & (closed.isna() | (closed > day))]


def recruiter_loads(
    frame: pd.DataFrame, *, as_of: date, months: list[date], capacity: int | None
) -> list[RecruiterLoad]:
    """Each recruiter's load in each month (months up to the one containing `as_of`), the
    recruiters in name order and requisitions without one last."""
    rows = []
    for month in months:
        at = min(month_end(month), as_of)
        book = open_at(frame, at)
        grouped = book.groupby("recruiter")["openings"].agg(["size", "sum"])
        for recruiter, (size, openings) in grouped.iterrows():
            rows.append(RecruiterLoad(recruiter, month, int(size), int(openings), capacity))
    return sorted(rows, key=lambda r: (r.recruiter == UNASSIGNED, r.recruiter.lower(), r.month))


@dataclass(frozen=True)
class Rates:
    close_rate: float  # share of a month's requisitions that close within it
    openings_per_requisition: float


def rates(frame: pd.DataFrame, *, as_of: date, department: str = ALL) -> Rates:
    """From the requisitions of the last HISTORY_DAYS: the department's own with MIN_HISTORY
    closed, else the engagement's; none closed: nothing closes; none opened: one opening each."""
    since = pd.Timestamp(as_of - timedelta(days=HISTORY_DAYS))
    closed_on = frame["filled_on"].fillna(frame["cancelled_on"])
    closed = frame[closed_on.notna() & (closed_on > since)]
    opened = frame[frame["opened_on"] > since]
    if department != ALL:
        own = closed[closed["department"] == department]
        if len(own) >= MIN_HISTORY:
            closed = own
            opened = opened[opened["department"] == department]
    days = (closed_on[closed.index] - closed["opened_on"]).dt.days
    mean_days = float(days.mean()) if len(days) else None
    close_rate = min(1.0, AVERAGE_MONTH_DAYS / max(mean_days, 1.0)) if mean_days else 0.0
    per = float(opened["openings"].mean()) if len(opened) else 1.0
    return Rates(close_rate=close_rate, openings_per_requisition=max(per, 1.0))


def department_demand(
    *,
    department: str,
    months: list[date],
    open_now: int,
    new_openings: dict[date, float],
    rates: Rates,
    recruiters: int,
    capacity: int | None,
) -> list[DemandMonth]:
    """The month-by-month book of one department (or the total, `all`)."""
    rows = []
    book = float(open_now)
    for month in months:
        openings = float(new_openings.get(month, 0.0))
        new = openings / rates.openings_per_requisition
        load = book + new
        closing = load * rates.close_rate
        rows.append(
            DemandMonth(department, month, book, new, openings, closing, recruiters, capacity)
        )
        book = load - closing
    return rows
