"""How far from today a governance date may lie: one rule for every form and API field.

Meetings, due dates, decisions, risk reviews, the terms of targets, clauses and engagements
are planned or recorded within a working horizon. A date far outside it is a typo (2206 for
2026) or an attack: a meeting in year 9999 has no end time a calendar can write. Imported
recruiting history is not a governance date and keeps its own rules.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

HORIZON_YEARS = 10


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def governance_date_bounds(today: date | None = None) -> tuple[date, date]:
    """The first and last dates allowed: `HORIZON_YEARS` either side of today."""
    today = today or timezone.localdate()
    return _years_after(today, -HORIZON_YEARS), _years_after(today, HORIZON_YEARS)


def validate_governance_date(value: date | datetime | None) -> None:
    """A Django validator (forms, and DRF serializers, which run Django validators too)."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime) else value
    first, last = governance_date_bounds()
    if not first <= day <= last:
        raise ValidationError(
            f"Choose a date within {HORIZON_YEARS} years of today: from {first:%Y-%m-%d} "
            f"to {last:%Y-%m-%d}.",
            code="date_out_of_range",
        )


def bound_form_dates(form, *names: str) -> None:
    """Add the rule to the form's date fields `names`, and tell the date picker the range."""
    first, last = governance_date_bounds()
    for name in names:
        field = form.fields[name]
        field.validators.append(validate_governance_date)
        field.widget.attrs.update(min=first.isoformat(), max=last.isoformat())
