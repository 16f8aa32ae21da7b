"""Calendar quarters as the KPI engine labels them: `2026-Q1`."""

from __future__ import annotations

from datetime import date, timedelta

from rpo_portal.api_query import QUARTER_RE


def parse_quarter(label: str) -> tuple[int, int]:
    match = QUARTER_RE.fullmatch(label or "")
    if not match:
        raise ValueError(f"{label!r} is not a quarter like 2026-Q1.")
    return int(match[1]), int(match[2])


def is_quarter(label: str) -> bool:
    return bool(QUARTER_RE.fullmatch(label or ""))


def quarter_start(label: str) -> date:
    year, number = parse_quarter(label)
    return date(year, 3 * number - 2, 1)


def quarter_end(label: str) -> date:
    year, number = parse_quarter(label)
    if number == 4:
        return date(year, 12, 31)
    return date(year, 3 * number + 1, 1) - timedelta(days=1)


def quarter_months(label: str) -> list[str]:
    year, number = parse_quarter(label)
    return [f"{year}-{month:02d}" for month in range(3 * number - 2, 3 * number + 1)]


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_of_period(period: str) -> str:
    """The quarter a month (`2026-02`) or quarter label belongs to."""
    if is_quarter(period):
        return period
    year, month = period.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


def previous_quarter(label: str) -> str:
    year, number = parse_quarter(label)
    return f"{year - 1}-Q4" if number == 1 else f"{year}-Q{number - 1}"


def months_back(label: str, count: int) -> list[str]:
    """The `count` months ending with the quarter's last month, oldest first."""
    year, number = parse_quarter(label)
    month_index = year * 12 + 3 * number - 1  # zero-based month of the quarter's end
    return [f"{i // 12}-{i % 12 + 1:02d}" for i in range(month_index - count + 1, month_index + 1)]


def closes_on(label: str, grace_days: int) -> date:
    """The day a quarter counts as closed: `grace_days` after its last day."""
    return quarter_end(label) + timedelta(days=grace_days)


def last_closed_quarter(today: date, grace_days: int) -> str:
    label = previous_quarter(quarter_of(today))
    while closes_on(label, grace_days) > today:
        label = previous_quarter(label)
    return label
