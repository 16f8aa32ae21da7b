"""Each KPI of data-contract.md section 3 defined once: the records it counts and its formula.

A `Definition` names its `Records` (a prepared table of `kpis.records`, the event date that puts
a record in a period, and the conditions a record meets) and a formula over them. Both uses
are built from these objects, so they cannot drift apart:

- `kpis.compute` aggregates every definition over every period and segment at once (numpy);
- `kpis.drilldown` selects the same records for one stored value, lists them and recomputes
  the value from them.

The registry (`kpis.registry`) holds what a reader sees (name, unit, direction, the formula in
words); a test checks that every registered KPI has exactly one definition here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from kpis.records import open_requisitions
from kpis.registry import (
    CONVERSIONS,
    COST_ATTRIBUTION,
    STAGE_TIMES,
    STAGES,
    SUPPRESSION_MIN_ROWS,
    WITHDRAWAL_STAGES,
    Kpi,
    get_kpi,
)

# --- conditions a record meets, and the number it contributes --------------------------------


@dataclass(frozen=True)
class Given:
    """The column has a value: a date on or before the as-of date, or an answer."""

    column: str

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.column].notna().to_numpy()

    def numbers(self, frame: pd.DataFrame, tables) -> np.ndarray:
        return self.mask(frame).astype(float)


@dataclass(frozen=True)
class OneOf:
    """The column holds one of the values."""

    column: str
    values: tuple[str, ...]

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        return frame[self.column].isin(self.values).to_numpy()

    def numbers(self, frame: pd.DataFrame, tables) -> np.ndarray:
        return self.mask(frame).astype(float)


@dataclass(frozen=True)
class Answer:
    """A true/false column as 1/0."""

    column: str

    def numbers(self, frame: pd.DataFrame, tables) -> np.ndarray:
        return frame[self.column].astype(bool).to_numpy(dtype=float)


@dataclass(frozen=True)
class Number:
    column: str

    def numbers(self, frame: pd.DataFrame, tables) -> np.ndarray:
        return frame[self.column].to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class NetPromoter:
    """A 0-10 score as +1 (promoter, 9-10), -1 (detractor, 0-6) or 0."""

    column: str

    def numbers(self, frame: pd.DataFrame, tables) -> np.ndarray:
        score = frame[self.column]
        return np.select([score >= 9, score <= 6], [1.0, -1.0], default=0.0)


@dataclass(frozen=True)
class Days:
    """Calendar days from `start` to `end`; with `minus_on_hold`, less the on-hold days where
    the engagement's metric policy excludes them. `label` heads the drill-down's column."""

    start: str
    end: str
    label: str = "days"
    minus_on_hold: bool = False

    def numbers(self, frame: pd.DataFrame, tables) -> np.ndarray:
        days = (frame[self.end] - frame[self.start]).dt.days.to_numpy(dtype=float)
        if self.minus_on_hold:
            on_hold = frame["on_hold_days"].to_numpy(dtype=float)
            days = days - np.where(tables.on_hold_excluded(frame), on_hold, 0.0)
        return days


# --- the records a KPI counts ----------------------------------------------------------------


@dataclass(frozen=True)
class Records:
    """The rows of one prepared table whose `event` date falls in the period and that meet
    every condition of `where`. `title` is what the drill-down calls them; records not
    `listed` are only counted there (to protect individuals)."""

    title: str
    table: str  # requisitions, applications, surveys, reviews, costs or plan
    event: str
    where: tuple = ()
    listed: bool = True
    # Records narrowed from `within` (same event date) that `kpis.compute` aggregates over
    # within's rows, the others counting nothing: KPIs of one cohort share one grouping.
    within: Records | None = None

    # Each record falls in the period of its event date (not one row per period).
    per_period = False

    def narrowed(self, title: str, *where, listed: bool = True) -> Records:
        """These records that also meet `where`."""
        return replace(self, title=title, where=(*self.where, *where), listed=listed)

    def inside(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of `within`'s selection are these records."""
        extra = self.where[len(self.within.where) :]
        return np.logical_and.reduce([condition.mask(frame) for condition in extra])

    def select(self, tables) -> pd.DataFrame:
        frame = getattr(tables, self.table)
        if not self.where:
            return frame
        keep = np.logical_and.reduce([condition.mask(frame) for condition in self.where])
        return frame[keep]


@dataclass(frozen=True)
class OpenRequisitions(Records):
    """Requisitions open at `at`: one row per requisition and period, with `at` and `period`."""

    per_period = True

    def select(self, tables) -> pd.DataFrame:
        return open_requisitions(tables)


# --- formulas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Median:
    of: Days


@dataclass(frozen=True)
class Mean:
    of: Number


@dataclass(frozen=True)
class Percent:
    """100 x the sum of `of` (1/0 per record, or +1/0/-1) / the records; blank and
    `suppressed` when fewer than `suppress_below` records."""

    of: Given | OneOf | Answer | NetPromoter
    suppress_below: int = 0


@dataclass(frozen=True)
class Count:
    """The number of records."""


@dataclass(frozen=True)
class PerRecord:
    """The sum of `amount` over the `spent` records / the records (cost per hire)."""

    spent: Records
    amount: str


@dataclass(frozen=True)
class PercentOfPlanned:
    """100 x the records / the sum of `planned` over the `plan` records of the segment;
    undefined when that is 0."""

    plan: Records
    planned: str


@dataclass(frozen=True)
class ShareOfAll:
    """100 x the records of the segment / the records of segment `all` in the period."""


Formula = Median | Mean | Percent | Count | PerRecord | PercentOfPlanned | ShareOfAll


@dataclass(frozen=True)
class Definition:
    key: str
    records: Records
    formula: Formula

    @property
    def kpi(self) -> Kpi:
        return get_kpi(self.key)


# --- definition version 1 -----------------------------------------------------------------------

FILLED = Records(
    "Requisitions filled in the period", "requisitions", "filled_on", (Given("filled_on"),)
)
DECIDED = Records(
    "Offers decided in the period",
    "applications",
    "offer_decided_on",
    (Given("offer_decided_on"), OneOf("offer_outcome", ("accepted", "declined"))),
)
ACCEPTED = DECIDED.narrowed("Offers accepted in the period", OneOf("offer_outcome", ("accepted",)))
HIRES = Records(
    "Hires (started) in the period", "applications", "started_on", (Given("started_on"),)
)
ANSWERED = HIRES.narrowed(
    "Hires who answered the diversity question",
    Given("diverse"),
    listed=False,  # self-identified answers are only ever shown aggregated
)
REVIEWS = Records("Quality-of-hire reviews in the period", "reviews", "reviewed_on")
RETENTION_REVIEWS = REVIEWS.narrowed(
    "Quality-of-hire reviews in the period with retention given", Given("retained_90d")
)
CANDIDATE_RESPONSES = Records(
    "Candidate survey responses in the period",
    "surveys",
    "responded_on",
    (OneOf("respondent", ("candidate",)),),
)
MANAGER_RESPONSES = Records(
    "Hiring-manager survey responses in the period",
    "surveys",
    "responded_on",
    (OneOf("respondent", ("hiring_manager",)),),
)
INTERVIEWED = Records(
    "Applications interviewed in the period (offered on, if by the as-of date)",
    "applications",
    "interviewed_on",
    (Given("interviewed_on"),),
)
OPEN = OpenRequisitions(
    "Requisitions open at the period's end (or the as-of date)", "requisitions", "at"
)
COSTS = Records("Costs of the period", "costs", "month")
PLAN = Records("Hiring plan lines of the period", "plan", "month")

DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "time_to_fill",
        FILLED,
        Median(Days("opened_on", "filled_on", "days to fill", minus_on_hold=True)),
    ),
    Definition("time_to_hire", ACCEPTED, Median(Days("applied_on", "offer_decided_on"))),
    Definition("offer_acceptance_rate", DECIDED, Percent(OneOf("offer_outcome", ("accepted",)))),
    Definition("cost_per_hire", HIRES, PerRecord(COSTS, "amount")),
    Definition("quality_of_hire", REVIEWS, Percent(Answer("meets_expectations"))),
    Definition("retention_90d", RETENTION_REVIEWS, Percent(Answer("retained_90d"))),
    Definition("candidate_nps", CANDIDATE_RESPONSES, Percent(NetPromoter("score"))),
    Definition("hiring_manager_satisfaction", MANAGER_RESPONSES, Mean(Number("score"))),
    Definition("diversity_hire_rate", ANSWERED, Percent(Answer("diverse"), SUPPRESSION_MIN_ROWS)),
    Definition("interview_to_offer_rate", INTERVIEWED, Percent(Given("offered_on"))),
    Definition("hires", HIRES, Count()),
    Definition("requisitions_filled", FILLED, Count()),
    Definition("open_requisition_age", OPEN, Median(Days("opened_on", "at", "age (days)"))),
    Definition("plan_attainment", HIRES, PercentOfPlanned(PLAN, "planned_hires")),
)

DEFINITION_BY_KEY = {definition.key: definition for definition in DEFINITIONS}


# --- the process KPIs (data-contract.md section 8) ----------------------------------------------
# New keys, definition version 1; no definition above changes.


@dataclass(frozen=True)
class Reached:
    """The application has reached the stage as of the as-of date: it has that stage's date or
    a later stage's (a skipped stage counts as passed). `accepted` is an accepted offer with
    its decision date; `decided` any offer with its decision date."""

    stage: str

    COLUMNS = {
        "applied": ("applied_on",),
        "screened": ("screened_on", "interviewed_on", "offered_on"),
        "interviewed": ("interviewed_on", "offered_on"),
        "offered": ("offered_on",),
        "decided": ("offer_decided_on",),
        "started": ("started_on",),
    }

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        if self.stage == "accepted":
            decided = frame["offer_decided_on"].notna().to_numpy()
            return decided & (frame["offer_outcome"] == "accepted").to_numpy()
        columns = self.COLUMNS[self.stage]
        return np.logical_or.reduce([frame[column].notna().to_numpy() for column in columns])

    def numbers(self, frame: pd.DataFrame, tables) -> np.ndarray:
        return self.mask(frame).astype(float)


@dataclass(frozen=True)
class WithdrewAt:
    """The application has a withdrawn_on, reached the stage and not the one after it (for
    `offered`: no decision)."""

    stage: str

    def mask(self, frame: pd.DataFrame) -> np.ndarray:
        after = "decided" if self.stage == "offered" else STAGES[STAGES.index(self.stage) + 1]
        return (
            frame["withdrawn_on"].notna().to_numpy()
            & Reached(self.stage).mask(frame)
            & ~Reached(after).mask(frame)
        )

    def numbers(self, frame: pd.DataFrame, tables) -> np.ndarray:
        return self.mask(frame).astype(float)


@dataclass(frozen=True)
class FirstScreens(Records):
    """Each requisition whose applications have a screened_on, once, with `first_screened_on`
    (the earliest) as its event."""

    def select(self, tables) -> pd.DataFrame:
        applications = tables.applications
        screened = applications["screened_on"].notna().to_numpy()
        requisition = applications["requisition_id"].to_numpy()[screened]
        day = applications["screened_on"].to_numpy(dtype="datetime64[ns]")[screened]
        code = pd.factorize(requisition)[0]
        order = np.lexsort((day, code))  # by requisition, earliest first
        requisition, day, code = requisition[order], day[order], code[order]
        # The first row of each requisition (none when nothing is screened yet).
        first = np.flatnonzero(np.r_[True, code[1:] != code[:-1]][: len(day)])
        requisitions = tables.requisitions
        at = pd.Index(requisition[first]).get_indexer(requisitions["id"].to_numpy())
        frame = requisitions[at >= 0].copy()
        frame["first_screened_on"] = day[first][at[at >= 0]]
        return frame


@dataclass(frozen=True)
class ClosedRequisitions(Records):
    """Requisitions filled or cancelled by the as-of date, with `closed_on` (the first of the
    two) as their event."""

    def select(self, tables) -> pd.DataFrame:
        requisitions = tables.requisitions
        closed = requisitions["filled_on"].fillna(requisitions["cancelled_on"])
        frame = requisitions[closed.notna().to_numpy()].copy()
        frame["closed_on"] = closed[closed.notna()]
        return frame


APPLIED = Records("Applications of the period (by applied_on)", "applications", "applied_on")


def reached(stage: str) -> Records:
    if stage == "applied":
        return APPLIED
    narrowed = APPLIED.narrowed(f"Applications of the period that reached {stage}", Reached(stage))
    return replace(narrowed, within=APPLIED)


ATTRIBUTABLE_HIRES = HIRES.narrowed(
    "Hires (started) in the period from a source costs are attributed to",
    OneOf("source", tuple(sorted(set(COST_ATTRIBUTION.values())))),
)
ATTRIBUTED_COSTS = COSTS.narrowed(
    "Costs of the period attributed to a source", OneOf("category", tuple(COST_ATTRIBUTION))
)
FIRST_SCREENS = FirstScreens(
    "Requisitions first screened in the period", "requisitions", "first_screened_on"
)
CLOSED = ClosedRequisitions(
    "Requisitions closed (filled or cancelled) in the period", "requisitions", "closed_on"
)


def _stage_time(key: str, start: str, end: str, since: str, until: str) -> Definition:
    """Over the applications of the period (the cohort, like the conversions) with both dates."""
    records = replace(
        APPLIED.narrowed(
            f"Applications of the period with {since} and {until}", Given(since), Given(until)
        ),
        within=APPLIED,
    )
    return Definition(key, records, Median(Days(since, until, f"days {start} to {end}")))


PROCESS_DEFINITIONS: tuple[Definition, ...] = (
    *(Definition(key, reached(start), Percent(Reached(end))) for key, start, end in CONVERSIONS),
    *(_stage_time(*stage) for stage in STAGE_TIMES),
    Definition(
        "time_to_first_screen",
        FIRST_SCREENS,
        Median(Days("opened_on", "first_screened_on", "days to first screen")),
    ),
    Definition("applications", APPLIED, Count()),
    Definition("hire_share", HIRES, ShareOfAll()),
    Definition("source_cost_per_hire", ATTRIBUTABLE_HIRES, PerRecord(ATTRIBUTED_COSTS, "amount")),
    *(
        Definition(f"withdrawal_rate_{stage}", reached(stage), Percent(WithdrewAt(stage)))
        for stage in WITHDRAWAL_STAGES
    ),
    Definition("requisition_fill_rate", CLOSED, Percent(Given("filled_on"))),
)

DEFINITIONS = (*DEFINITIONS, *PROCESS_DEFINITIONS)
DEFINITION_BY_KEY = {definition.key: definition for definition in DEFINITIONS}
