"""The process KPIs of docs/data-contract.md section 8, computed a second way: plain Python
over the sample's CSV files, following the contract's text (no pandas, nothing of `kpis`).

`process_values(as_of)` gives {(metric, grain, period, dimension, segment): (value, n)}.
"""

from __future__ import annotations

import csv
import statistics
from collections import defaultdict
from datetime import date

from tests.data import SAMPLE_DIR

DIMENSIONS = ("department", "location", "job_family", "priority")
ATTRIBUTION = {"referral_bonus": "referral", "agency_fees": "agency"}
STAGE_TIMES = (
    ("days_applied_to_screened", "applied_on", "screened_on"),
    ("days_screened_to_interviewed", "screened_on", "interviewed_on"),
    ("days_interviewed_to_offered", "interviewed_on", "offered_on"),
    ("days_offered_to_decided", "offered_on", "offer_decided_on"),
    ("days_decided_to_started", "offer_decided_on", "started_on"),
)
CONVERSIONS = (
    ("applied_to_screened_rate", "applied", "screened"),
    ("screened_to_interviewed_rate", "screened", "interviewed"),
    ("offered_to_accepted_rate", "offered", "accepted"),
    ("accepted_to_started_rate", "accepted", "started"),
    ("applied_to_started_rate", "applied", "started"),
)
WITHDRAWALS = (
    ("applied", "screened"),
    ("screened", "interviewed"),
    ("interviewed", "offered"),
    ("offered", "decided"),
)


def _rows(name: str) -> list[dict[str, str]]:
    with open(SAMPLE_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _day(text: str, as_of: date) -> date | None:
    """A date as known on as_of: blank, or after as_of, is no date."""
    if not text:
        return None
    day = date.fromisoformat(text)
    return day if day <= as_of else None


def _periods(day: date) -> list[tuple[str, str]]:
    return [
        ("month", f"{day.year}-{day.month:02d}"),
        ("quarter", f"{day.year}-Q{(day.month - 1) // 3 + 1}"),
    ]


def _segments(record: dict, dimensions) -> list[tuple[str, str]]:
    return [("all", "all")] + [(dimension, record[dimension]) for dimension in dimensions]


def _reached(app: dict, stage: str) -> bool:
    if stage == "applied":
        return True
    if stage == "screened":
        return bool(app["screened_on"] or app["interviewed_on"] or app["offered_on"])
    if stage == "interviewed":
        return bool(app["interviewed_on"] or app["offered_on"])
    if stage == "offered":
        return bool(app["offered_on"])
    if stage == "decided":
        return bool(app["offer_decided_on"])
    if stage == "accepted":
        return bool(app["offer_decided_on"]) and app["offer_outcome"] == "accepted"
    return bool(app["started_on"])  # started


def _records(as_of: date):
    """Requisitions and applications as known on as_of, with their segments."""
    requisitions = {}
    for row in _rows("requisitions.csv"):
        opened = _day(row["opened_on"], as_of)
        if opened is None:
            continue
        requisitions[row["external_id"]] = {
            "opened_on": opened,
            "filled_on": _day(row["filled_on"], as_of),
            "cancelled_on": _day(row["cancelled_on"], as_of),
            "department": row["department"] or "(none)",
            "location": row["location"] or "(none)",
            "job_family": row["job_family"] or "(none)",
            "priority": row["priority"] or "normal",
        }
    applications = []
    for row in _rows("applications.csv"):
        requisition = requisitions.get(row["requisition_id"])
        applied = _day(row["applied_on"], as_of)
        if requisition is None or applied is None:
            continue
        app = {column: _day(row[column], as_of) for column in row if column.endswith("_on")}
        app.update(
            requisition=row["requisition_id"],
            source=row["source"],
            offer_outcome=row["offer_outcome"],
            **{dimension: requisition[dimension] for dimension in DIMENSIONS},
        )
        applications.append(app)
    return requisitions, applications


class Cells:
    """Records per (grain, period, dimension, segment)."""

    def __init__(self):
        self.cells = defaultdict(list)

    def add(self, day: date, record: dict, dimensions, item=None) -> None:
        for grain, period in _periods(day):
            for dimension, segment in _segments(record, dimensions):
                self.cells[(grain, period, dimension, segment)].append(
                    record if item is None else item
                )


def process_values(as_of: date) -> dict[tuple, tuple[float, int]]:
    requisitions, applications = _records(as_of)
    with_source = (*DIMENSIONS, "source")
    out: dict[tuple, tuple[float, int]] = {}

    def put(metric, cells: Cells, value_of) -> None:
        for (grain, period, dimension, segment), records in cells.cells.items():
            result = value_of(records, (grain, period))
            if result is not None:
                out[(metric, grain, period, dimension, segment)] = result

    cohort = Cells()  # by applied_on
    for app in applications:
        cohort.add(app["applied_on"], app, with_source)

    def rate(of, among):
        def value(records, _):
            counted = [r for r in records if among(r)]
            if not counted:
                return None
            return 100.0 * sum(1 for r in counted if of(r)) / len(counted), len(counted)

        return value

    for metric, start, end in CONVERSIONS:
        put(
            metric,
            cohort,
            rate(lambda r, end=end: _reached(r, end), lambda r, start=start: _reached(r, start)),
        )
    for stage, after in WITHDRAWALS:
        put(
            f"withdrawal_rate_{stage}",
            cohort,
            rate(
                lambda r, after=after: bool(r["withdrawn_on"]) and not _reached(r, after),
                lambda r, stage=stage: _reached(r, stage),
            ),
        )
    put("applications", cohort, lambda records, _: (float(len(records)), len(records)))

    for metric, since, until in STAGE_TIMES:
        cells = Cells()
        for app in applications:
            if app[since] and app[until]:
                cells.add(app["applied_on"], app, with_source, (app[until] - app[since]).days)
        put(metric, cells, lambda days, _: (statistics.median(days), len(days)))

    # Time to first screen: per requisition, its applications' earliest screened_on.
    first: dict[str, date] = {}
    for app in applications:
        if app["screened_on"]:
            known = first.get(app["requisition"])
            first[app["requisition"]] = (
                min(known, app["screened_on"]) if known else app["screened_on"]
            )
    cells = Cells()
    for external_id, screened in first.items():
        requisition = requisitions[external_id]
        cells.add(screened, requisition, DIMENSIONS, (screened - requisition["opened_on"]).days)
    put("time_to_first_screen", cells, lambda days, _: (statistics.median(days), len(days)))

    # Requisition fill rate: by the closing date.
    cells = Cells()
    for requisition in requisitions.values():
        closed = requisition["filled_on"] or requisition["cancelled_on"]
        if closed:
            cells.add(closed, requisition, DIMENSIONS)
    put(
        "requisition_fill_rate",
        cells,
        rate(lambda r: r["filled_on"] is not None, lambda r: True),
    )

    # Share of hires: over the period's hires in segment all.
    hires = Cells()
    for app in applications:
        if app["started_on"]:
            hires.add(app["started_on"], app, with_source)
    for (grain, period, dimension, segment), records in hires.cells.items():
        whole = len(hires.cells[(grain, period, "all", "all")])
        out[("hire_share", grain, period, dimension, segment)] = (
            100.0 * len(records) / whole,
            whole,
        )

    # Cost per hire by source: attributed costs over the attributable sources' hires.
    spent = defaultdict(int)  # cents
    spent_known = set()
    for row in _rows("costs.csv"):
        source = ATTRIBUTION.get(row["category"])
        month = date.fromisoformat(row["month"] + "-01")
        if source is None or month > as_of:
            continue
        for grain, period in _periods(month):
            for segment in (("all", "all"), ("source", source)):
                spent[(grain, period, *segment)] += round(float(row["amount"]) * 100)
                spent_known.add((grain, period, *segment))
    hired = defaultdict(int)
    for app in applications:
        if app["started_on"] and app["source"] in set(ATTRIBUTION.values()):
            for grain, period in _periods(app["started_on"]):
                for segment in (("all", "all"), ("source", app["source"])):
                    hired[(grain, period, *segment)] += 1
    for key in spent_known & set(hired):
        out[("source_cost_per_hire", *key)] = (spent[key] / 100 / hired[key], hired[key])
    return out
