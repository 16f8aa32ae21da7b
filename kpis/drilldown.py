"""The records behind one KPI value, so either party can check the number.

Built from the KPI's one definition (`kpis.definitions`): the records are selected by the
code that computes every value (`kpis.records`), narrowed to the value's engagement, period
and segment, listed, and the value recomputed from them in plain Python (`behind`). So the
drill-down counts exactly what the computation counted. Suppressed values reveal no records.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from kpis import definitions as d
from kpis.definitions import DEFINITION_BY_KEY, Definition
from kpis.models import MetricRun, MetricValue
from kpis.reading import FramesOnDemand
from kpis.records import Tables, period_code, period_codes, prepare
from kpis.registry import ALL, STAGES
from recruiting.models import Application, Cost, HiringPlanLine, QualityReview, Requisition, Survey

ROW_LIMIT = 2000


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[tuple] = field(default_factory=list)
    total: int = 0

    @property
    def truncated(self) -> bool:
        return self.total > len(self.rows)


@dataclass
class Drilldown:
    as_of: date | None
    sections: list[Section] = field(default_factory=list)
    median_inputs: list[float] = field(default_factory=list)
    suppressed: bool = False


# --- the records behind a value ----------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """Where a value sits: engagement, period (`2025-07`, `2025-Q3`), dimension, segment."""

    engagement_id: int
    period: str
    dimension: str = ALL
    segment: str = ALL

    @classmethod
    def of(cls, value: MetricValue) -> Cell:
        return cls(value.engagement_id, value.period, value.dimension, value.segment)


@dataclass
class Behind:
    """The records of a definition in one cell and the value they give."""

    records: pd.DataFrame
    numbers: list[float]  # what each record contributes (a count has none)
    n: int
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    suppressed: bool = False
    others: pd.DataFrame | None = None  # the costs, or the plan lines, of the cell


def in_cell(records: d.Records, frame: pd.DataFrame, cell: Cell) -> pd.DataFrame:
    """The rows of `frame` (selected by `records`) that count in the cell."""
    code = period_code(cell.period)
    if records.per_period:
        keep = frame["period"].to_numpy() == code
    else:
        keep = period_codes(frame[records.event], "month" if code >= 100000 else "quarter") == code
    keep &= frame["engagement_id"].to_numpy() == cell.engagement_id
    if cell.dimension != ALL:
        keep &= (frame[cell.dimension] == cell.segment).to_numpy(dtype=bool, na_value=False)
    return frame[keep]


def behind(definition: Definition, tables: Tables, cell: Cell) -> Behind:
    """The records a definition counts in the cell, and the value recomputed from them."""
    frame = in_cell(definition.records, tables.select(definition.records), cell)
    formula, n = definition.formula, len(frame)
    if isinstance(formula, d.Count):
        return Behind(frame, [], n, float(n))
    if isinstance(formula, d.PerRecord):
        spent = in_cell(formula.spent, tables.select(formula.spent), cell)
        cents = sum(round(float(amount) * 100) for amount in spent[formula.amount])
        total = cents / 100
        value = total / n if n and len(spent) else None
        return Behind(frame, [], n, value, total, float(n), others=spent)
    if isinstance(formula, d.ShareOfAll):
        whole = in_cell(
            definition.records,
            tables.select(definition.records),
            Cell(cell.engagement_id, cell.period),
        )
        total = len(whole)
        return Behind(frame, [], total, 100.0 * n / total if n else None, float(n), float(total))
    if isinstance(formula, d.PercentOfPlanned):
        plan = in_cell(formula.plan, tables.select(formula.plan), cell)
        planned = float(plan[formula.planned].sum())
        value = 100.0 * n / planned if planned else None
        return Behind(frame, [], int(planned), value, float(n), planned, others=plan)
    numbers = [float(x) for x in formula.of.numbers(frame, tables)]
    if not n:
        return Behind(frame, numbers, 0, None)
    if isinstance(formula, d.Median):
        return Behind(frame, numbers, n, statistics.median(numbers))
    total = float(sum(numbers))
    if isinstance(formula, d.Mean):
        return Behind(frame, numbers, n, total / n, total, float(n))
    if n < formula.suppress_below:
        return Behind(frame, numbers, n, None, None, float(n), suppressed=True)
    return Behind(frame, numbers, n, 100.0 * total / n, total, float(n))


def engagement_tables(engagement, as_of: date) -> Tables:
    """One engagement's records as of a date, prepared as the computation prepares them."""
    frames = FramesOnDemand([engagement.pk])
    return prepare(frames, as_of=as_of, exclude_on_hold=engagement.exclude_on_hold)


# --- listing them --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """How a kind of record is listed: its model, column headings, fields and order."""

    model: type
    columns: tuple[str, ...]
    fields: str  # space-separated
    order: tuple[str, ...]


# Each record by its ATS id with what a person reads it by (the requisition's title and
# department) and the dates that made it count.
REQUISITIONS = Listing(
    Requisition,
    ("requisition", "title", "department", "opened on", "filled on", "on-hold days"),
    "external_id title department opened_on filled_on on_hold_days",
    ("filled_on", "external_id"),
)
OFFERS = Listing(
    Application,
    (
        "application",
        "requisition",
        "requisition title",
        "department",
        "source",
        "applied on",
        "decided on",
        "outcome",
    ),
    "external_id requisition__external_id requisition__title requisition__department source "
    "applied_on offer_decided_on offer_outcome",
    ("offer_decided_on", "external_id"),
)
# Self-identified diversity is never shown per person (the data contract): no column here.
HIRES = Listing(
    Application,
    ("application", "requisition", "requisition title", "department", "source", "started on"),
    "external_id requisition__external_id requisition__title requisition__department source "
    "started_on",
    ("started_on", "external_id"),
)
REVIEWS = Listing(
    QualityReview,
    (
        "review",
        "application",
        "requisition title",
        "reviewed on",
        "meets expectations",
        "retained 90 days",
    ),
    "external_id application__external_id application__requisition__title reviewed_on "
    "meets_expectations retained_90d",
    ("reviewed_on", "external_id"),
)
RESPONSES = Listing(
    Survey,
    ("response", "application", "requisition", "requisition title", "responded on", "score"),
    "external_id application__external_id requisition__external_id requisition__title "
    "responded_on score",
    ("responded_on", "external_id"),
)
# An application in the funnel: every stage date it has (never `diverse`).
FUNNEL = Listing(
    Application,
    (
        "application",
        "requisition",
        "requisition title",
        "department",
        "source",
        "applied on",
        "screened on",
        "interviewed on",
        "offered on",
        "outcome",
        "decided on",
        "started on",
        "withdrawn on",
    ),
    "external_id requisition__external_id requisition__title requisition__department source "
    "applied_on screened_on interviewed_on offered_on offer_outcome offer_decided_on started_on "
    "withdrawn_on",
    ("applied_on", "external_id"),
)
CLOSED_REQUISITIONS = Listing(
    Requisition,
    ("requisition", "title", "department", "opened on", "filled on", "cancelled on"),
    "external_id title department opened_on filled_on cancelled_on",
    ("opened_on", "external_id"),
)
LISTINGS: dict[d.Records, Listing] = {
    d.FILLED: REQUISITIONS,
    d.DECIDED: OFFERS,
    d.ACCEPTED: OFFERS,
    d.HIRES: HIRES,
    d.REVIEWS: REVIEWS,
    d.RETENTION_REVIEWS: REVIEWS,
    d.CANDIDATE_RESPONSES: RESPONSES,
    d.MANAGER_RESPONSES: RESPONSES,
    d.INTERVIEWED: Listing(
        Application,
        (
            "application",
            "requisition",
            "requisition title",
            "department",
            "source",
            "interviewed on",
            "offered on",
        ),
        "external_id requisition__external_id requisition__title requisition__department "
        "source interviewed_on offered_on",
        ("interviewed_on", "external_id"),
    ),
    d.OPEN: Listing(
        Requisition,
        ("requisition", "title", "department", "opened on"),
        "external_id title department opened_on",
        ("opened_on", "external_id"),
    ),
    d.COSTS: Listing(
        Cost,
        ("cost", "month", "category", "amount"),
        "external_id month category amount",
        ("month", "external_id"),
    ),
    d.PLAN: Listing(
        HiringPlanLine,
        ("month", "department", "location", "job family", "planned hires"),
        "month department location job_family planned_hires",
        ("month", "department", "location", "job_family"),
    ),
    # The process KPIs (data-contract.md section 8).
    **{d.reached(stage): FUNNEL for stage in STAGES[:-1]},
    **{
        definition.records: FUNNEL
        for definition in d.PROCESS_DEFINITIONS
        if isinstance(definition.formula, d.Median) and definition.records.table == "applications"
    },
    d.FIRST_SCREENS: Listing(
        Requisition,
        ("requisition", "title", "department", "opened on"),
        "external_id title department opened_on",
        ("opened_on", "external_id"),
    ),
    d.ATTRIBUTABLE_HIRES: HIRES,
    d.ATTRIBUTED_COSTS: Listing(
        Cost,
        ("cost", "month", "category", "amount"),
        "external_id month category amount",
        ("month", "external_id"),
    ),
    d.CLOSED: CLOSED_REQUISITIONS,
}


def _section(
    records: d.Records,
    frame: pd.DataFrame,
    as_of: date,
    label: str = "",
    numbers=(),
    *,
    limit: int | None = ROW_LIMIT,
) -> Section:
    """The records listed (up to `limit`; every one without), with the number each
    contributes under `label` when given. A date after the as-of date was not yet known: it
    is shown blank."""
    listing = LISTINGS[records]
    ids = frame["id"].to_numpy()
    rows = (
        listing.model.objects.filter(pk__in=[int(i) for i in ids])
        .order_by(*listing.order)
        .values_list("pk", *listing.fields.split())
    )
    if limit is not None:
        rows = rows[:limit]
    number_of = dict(zip(ids.tolist(), numbers, strict=True)) if label else {}
    table = []
    for pk, *cells in rows:
        cells = [None if isinstance(c, date) and c > as_of else c for c in cells]
        if label:
            cells.append(_plain(number_of[pk]))
        table.append(tuple(cells))
    columns = [*listing.columns, label] if label else list(listing.columns)
    return Section(records.title, columns, table, len(ids))


def _plain(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def _counts_only(found: Behind, tables: Tables, cell: Cell) -> Section:
    """Counts only: which hire answered what is never shown, even to either party."""
    hires = len(in_cell(d.HIRES, tables.select(d.HIRES), cell))
    rows = [
        ("hires who answered (the denominator)", found.n),
        ("of whom self-identified as diverse (the numerator)", int(sum(found.numbers))),
        ("hires who gave no answer (not counted)", hires - found.n),
    ]
    return Section("Hires in the period, counted (never listed)", ["hires", "count"], rows, 3)


def value_drilldown(
    *, value: MetricValue, tables: Tables | None = None, limit: int | None = ROW_LIMIT
) -> Drilldown:
    """The records behind a value, section by section (up to `limit` rows each, every one
    without: the CSV export)."""
    run = MetricRun.objects.filter(engagement_id=value.engagement_id).first()
    as_of = run.as_of if run else value.period_end
    result = Drilldown(as_of=as_of)
    if value.suppressed:
        result.suppressed = True
        return result
    definition = DEFINITION_BY_KEY[value.kpi]
    tables = tables or engagement_tables(value.engagement, as_of)
    cell = Cell.of(value)
    found = behind(definition, tables, cell)
    formula = definition.formula
    if not definition.records.listed:
        result.sections.append(_counts_only(found, tables, cell))
        return result
    label = ""
    if isinstance(formula, d.Median):
        label = formula.of.label
        result.median_inputs = [_plain(x) for x in sorted(found.numbers)]
    if isinstance(formula, d.PerRecord | d.PercentOfPlanned):
        others = formula.spent if isinstance(formula, d.PerRecord) else formula.plan
        result.sections.append(_section(others, found.others, as_of, limit=limit))
    result.sections.append(
        _section(definition.records, found.records, as_of, label, found.numbers, limit=limit)
    )
    return result


def median_check(values: list[float]) -> float | None:
    """The median as the definition states it (even count: mean of the two middle values)."""
    return statistics.median(values) if values else None
