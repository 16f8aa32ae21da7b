"""Reads of recruiter capacity, always given the engagement: the agreed capacity, the
proposals, and the capacity view (loads, demand, the what-if), which writes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.db.models import QuerySet

from engagements import agreement
from engagements.models import Engagement
from forecasts import capacity as cap
from forecasts.hiring import add_months, forecast_hires, horizon_months, month_start
from forecasts.models import CapacityTerms
from recruiting.models import Requisition

LOAD_MONTHS = 3  # the current month and the two before it
REQUISITION_FIELDS = [
    "department",
    "recruiter",
    "openings",
    "opened_on",
    "filled_on",
    "cancelled_on",
]


def capacity_in_force(*, engagement: Engagement) -> CapacityTerms | None:
    """The latest agreed capacity (None: none agreed yet)."""
    return (
        CapacityTerms.objects.filter(engagement=engagement, state=agreement.AgreementState.AGREED)
        .order_by("-responded_at", "-id")
        .first()
    )


def capacity_proposals(*, engagement: Engagement) -> QuerySet[CapacityTerms]:
    return (
        CapacityTerms.objects.filter(engagement=engagement)
        .select_related("proposed_by", "responded_by")
        .prefetch_related("steps__actor")
    )


def capacity_open_proposal(*, engagement: Engagement) -> CapacityTerms | None:
    return (
        capacity_proposals(engagement=engagement)
        .filter(state=agreement.AgreementState.PROPOSED)
        .first()
    )


@dataclass(frozen=True)
class WhatIf:
    """Scale the plan of one department in one quarter by `percent` (100: unchanged)."""

    department: str
    quarter: str  # 2027-Q3
    percent: float

    @property
    def plan_scale(self) -> dict:
        return {
            "dimension": "department",
            "segment": self.department,
            "quarter": self.quarter,
            "factor": self.percent / 100,
        }


@dataclass
class CapacityView:
    as_of: date
    capacity: int | None
    load_months: list[date]
    loads: list[cap.RecruiterLoad]
    months: list[date]
    demand: list[cap.DemandMonth]  # departments in name order, then the total
    hires: dict[tuple[str, date], float] = field(default_factory=dict)  # (department, month)
    what_if: WhatIf | None = None
    baseline: CapacityView | None = None  # without the what-if

    @property
    def over_capacity(self) -> list[cap.RecruiterLoad]:
        current = self.load_months[-1]
        return [load for load in self.loads if load.month == current and load.over]

    @property
    def recruiters(self) -> list[str]:
        return list(dict.fromkeys(load.recruiter for load in self.loads))

    @property
    def load_table(self) -> list[tuple[str, list[tuple[date, cap.RecruiterLoad | None]]]]:
        """Each recruiter and their load in each of `load_months` (None: nothing open)."""
        by_key = {(load.recruiter, load.month): load for load in self.loads}
        return [
            (recruiter, [(m, by_key.get((recruiter, m))) for m in self.load_months])
            for recruiter in self.recruiters
        ]

    @property
    def departments(self) -> list[str]:
        return list(dict.fromkeys(row.department for row in self.demand))

    def demand_of(self, department: str) -> list[cap.DemandMonth]:
        return [row for row in self.demand if row.department == department]

    def quarters(self) -> list[str]:
        return list(dict.fromkeys(f"{m.year}-Q{(m.month - 1) // 3 + 1}" for m in self.months))


def requisitions_frame(*, engagement: Engagement, as_of: date) -> pd.DataFrame:
    rows = Requisition.objects.filter(engagement=engagement, opened_on__lte=as_of).values_list(
        *REQUISITION_FIELDS
    )
    return pd.DataFrame(list(rows), columns=REQUISITION_FIELDS)


def capacity_view(
    *, engagement: Engagement, as_of: date, what_if: WhatIf | None = None
) -> CapacityView:
    """Loads, demand and recruiters needed as of `as_of`; with a what-if, the same with the
    plan scaled, and the baseline beside it. Reads only; nothing is saved."""
    terms = capacity_in_force(engagement=engagement)
    capacity = terms.requisitions_per_recruiter if terms else None
    frame = cap.known(requisitions_frame(engagement=engagement, as_of=as_of), as_of)
    current = month_start(as_of)
    load_months = [add_months(current, -i) for i in range(LOAD_MONTHS - 1, -1, -1)]
    loads = cap.recruiter_loads(frame, as_of=as_of, months=load_months, capacity=capacity)
    months = horizon_months(as_of)
    months = [m for m in months if m >= current]

    def view(plan_scale) -> CapacityView:
        rows = forecast_hires(
            engagement, as_of=as_of, months=months, segment_by="department", plan_scale=plan_scale
        )
        return CapacityView(
            as_of=as_of,
            capacity=capacity,
            load_months=load_months,
            loads=loads,
            months=months,
            demand=_demand(frame, rows, as_of=as_of, months=months, capacity=capacity),
            hires={
                (r.segment if r.dimension != "all" else cap.ALL, r.month): r.expected for r in rows
            },
        )

    base = view(None)
    if what_if is None:
        return base
    scaled = view(what_if.plan_scale)
    scaled.what_if = what_if
    scaled.baseline = base
    return scaled


def _demand(frame, rows, *, as_of: date, months: list[date], capacity) -> list[cap.DemandMonth]:
    book = cap.open_at(frame, as_of)
    openings: dict[str, dict[date, float]] = {}
    for row in rows:
        if row.dimension == "department":
            openings.setdefault(row.segment, {})[row.month] = row.openings
    departments = sorted(set(openings) | set(book["department"]), key=str.lower)
    out = []
    totals: dict[date, list[float]] = {}
    for department in departments:
        mine = book[book["department"] == department]
        holders = mine.loc[mine["recruiter"] != cap.UNASSIGNED, "recruiter"].nunique()
        department_rows = cap.department_demand(
            department=department,
            months=months,
            open_now=len(mine),
            new_openings=openings.get(department, {}),
            rates=cap.rates(frame, as_of=as_of, department=department),
            recruiters=int(holders),
            capacity=capacity,
        )
        out.extend(department_rows)
        for row in department_rows:
            total = totals.setdefault(row.month, [0.0, 0.0, 0.0, 0.0])
            total[0] += row.carried
            total[1] += row.new
            total[2] += row.openings
            total[3] += row.closing
    holders = book.loc[book["recruiter"] != cap.UNASSIGNED, "recruiter"].nunique()
    for month in months:
        carried, new, opened, closing = totals.get(month, [0.0, 0.0, 0.0, 0.0])
        out.append(
            cap.DemandMonth(cap.ALL, month, carried, new, opened, closing, int(holders), capacity)
        )
    return out
