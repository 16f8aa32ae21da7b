"""The capacity's CSV files (the one dialect of `rpo_portal.csv_files`)."""

from __future__ import annotations

from rpo_portal.csv_files import csv_table


def _number(value: float) -> float:
    return round(value, 2)


def demand_csv(view) -> str:
    header = [
        "department",
        "month",
        "carried_requisitions",
        "new_openings",
        "new_requisitions",
        "requisitions",
        "closing",
        "capacity",
        "recruiters_needed",
        "recruiters",
        "gap",
    ]
    rows = [
        [
            row.department,
            f"{row.month:%Y-%m}",
            _number(row.carried),
            _number(row.openings),
            _number(row.new),
            _number(row.load),
            _number(row.closing),
            row.capacity,
            row.needed,
            row.recruiters,
            row.gap,
        ]
        for row in view.demand
    ]
    return csv_table(header, rows)


def loads_csv(view) -> str:
    header = ["recruiter", "month", "requisitions", "openings", "capacity", "over_capacity"]
    rows = [
        [
            load.recruiter,
            f"{load.month:%Y-%m}",
            load.requisitions,
            load.openings,
            load.capacity,
            load.over,
        ]
        for load in view.loads
    ]
    return csv_table(header, rows)
