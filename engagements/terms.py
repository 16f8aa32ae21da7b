"""Which commercial terms are in force when: the fee of a month, a period and a quarter.

`TermsSchedule` is pure (terms in, fees out, no database) so the credit rules
(`sla.evaluation`) use it as they are; `engagements.terms_selectors` reads the agreed terms of
engagements into one. The rules
(docs/data-contract.md, "Service credits"):

- a month's fee is the monthly fee in force on its first day;
- a quarter's fee (and a quarterly clause's period fee) is the sum of its three months' fees,
  three times the monthly fee when the terms do not change within it;
- a quarter's at-risk % is the one in force on its first day;
- before the first agreed terms, the first ones apply (a clause may start before the
  engagement's term).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Terms:
    effective_from: date  # the first of a month (date.min: from the beginning)
    monthly_fee: Decimal
    at_risk_pct: Decimal | None


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


class TermsSchedule:
    """The terms in force on each day, from agreed terms in the order they were agreed."""

    def __init__(self, terms: Iterable[Terms]):
        latest: dict[date, Terms] = {}
        for item in terms:  # a later agreement for the same month replaces an earlier one
            latest[item.effective_from] = item
        if not latest:
            raise ValueError("A schedule needs at least one set of terms.")
        self.terms = [latest[day] for day in sorted(latest)]
        self._starts = [item.effective_from for item in self.terms]

    @classmethod
    def constant(cls, monthly_fee: Decimal, at_risk_pct: Decimal | None) -> TermsSchedule:
        return cls([Terms(date.min, monthly_fee, at_risk_pct)])

    def in_force(self, day: date) -> Terms:
        index = bisect_right(self._starts, day) - 1
        return self.terms[max(index, 0)]

    def changes(self) -> bool:
        return len(self.terms) > 1

    def month_fee(self, day: date) -> Decimal:
        return self.in_force(day.replace(day=1)).monthly_fee

    def period_fee(self, start: date, end: date) -> Decimal:
        """The fee of the months from `start` to `end` (a month, or a quarter's three)."""
        month, fee = start.replace(day=1), Decimal("0")
        while month <= end:
            fee += self.month_fee(month)
            month = _month_after(month)
        return fee

    def quarter_start(self, day: date) -> date:
        return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)

    def quarter_fee(self, day: date) -> Decimal:
        """The fee of the calendar quarter containing `day`."""
        start = self.quarter_start(day)
        return self.period_fee(start, date(start.year, start.month + 2, 28))

    def at_risk_pct(self, day: date) -> Decimal | None:
        """The at-risk % of the calendar quarter containing `day`."""
        return self.in_force(self.quarter_start(day)).at_risk_pct
