"""Improvement since the baseline and value delivered: pure arithmetic on Decimals
(docs/data-contract.md, "Baselines").

Every figure is computed on the values rounded as they are shown (half away from zero, to the
KPI's places: 2 for money, 1 for days, percentages and scores, 0 for counts), so the arithmetic
written out beside it adds up exactly as read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kpis.registry import KPI_BY_KEY
from kpis.templatetags.kpis_tags import kpi_amount
from rpo_portal import formats

# The KPIs whose gain is worth something by the unit: {kpi: (what n counts, singular)}.
# Cost per hire saved x hires is money; days saved x hires (or requisitions filled) is time.
VALUE_UNITS = {
    "cost_per_hire": ("hires", "hire"),
    "time_to_hire": ("hires", "hire"),
    "time_to_fill": ("requisitions filled", "requisition filled"),
}


def shown(value, kpi_key: str) -> Decimal | None:
    """The value as shown: rounded half away from zero to the KPI's places."""
    return formats.rounded(value, KPI_BY_KEY[kpi_key].decimals)


@dataclass(frozen=True)
class Change:
    """A value against the baseline: `delta` = value - baseline (both as shown)."""

    kpi_key: str
    baseline: Decimal
    value: Decimal
    delta: Decimal
    currency: str = ""

    @property
    def verdict(self) -> str:
        if self.delta == 0:
            return "unchanged"
        higher = KPI_BY_KEY[self.kpi_key].direction == "higher"
        return "better" if (self.delta > 0) == higher else "worse"

    @property
    def relative(self) -> Decimal | None:
        """The change as a % of the baseline (none for a baseline of 0), to 1 place."""
        if self.baseline == 0:
            return None
        return formats.rounded(self.delta / self.baseline * 100, 1)

    @property
    def text(self) -> str:
        """ "−12.0 days (better)": the sign, the amount in the KPI's unit, the verdict."""
        if self.delta == 0:
            return "no change"
        sign = "+" if self.delta > 0 else "−"
        amount = kpi_amount(abs(self.delta), self.kpi_key, self.currency)
        return f"{sign}{amount} ({self.verdict})"

    @property
    def arithmetic(self) -> str:
        """ "41.0 days − 53.0 days = −12.0 days"."""
        base = kpi_amount(self.baseline, self.kpi_key, self.currency)
        now = kpi_amount(self.value, self.kpi_key, self.currency)
        delta = kpi_amount(abs(self.delta), self.kpi_key, self.currency)
        return f"{now} − {base} = {'−' if self.delta < 0 else ''}{delta}"


def compared(kpi_key: str) -> bool:
    """Whether a KPI's value is compared with its baseline: not a count (hires, requisitions
    filled), which grows with the volume of hiring and the length of its period, not with how
    well it is done."""
    return KPI_BY_KEY[kpi_key].unit != "count"


def change(kpi_key: str, baseline, value, currency: str = "") -> Change | None:
    """The value against the baseline, or None when either is missing (suppressed, none) or
    the KPI is a count."""
    if not compared(kpi_key):
        return None
    base, now = shown(baseline, kpi_key), shown(value, kpi_key)
    if base is None or now is None:
        return None
    return Change(kpi_key, base, now, now - base, currency)


@dataclass(frozen=True)
class Delivered:
    """One period's value delivered: (baseline - value) x n, with its arithmetic."""

    kpi_key: str
    period: str
    baseline: Decimal
    value: Decimal
    n: int
    amount: Decimal
    arithmetic: str


def delivered(kpi_key: str, *, period: str, baseline, value, n: int, currency: str) -> Delivered:
    """(baseline - value) x n for a lower-is-better KPI of `VALUE_UNITS`: money saved (cost per
    hire) or days saved (time to hire, time to fill); negative when the value is worse."""
    base, now = shown(baseline, kpi_key), shown(value, kpi_key)
    saved = base - now
    amount = saved * n
    unit = VALUE_UNITS[kpi_key][0 if n != 1 else 1]
    arithmetic = (
        f"({amount_text(base, kpi_key, currency)} − {amount_text(now, kpi_key, currency)}) "
        f"× {formats.number(n)} {unit} = {amount_text(amount, kpi_key, currency)}"
    )
    return Delivered(kpi_key, period, base, now, n, amount, arithmetic)


def amount_text(amount: Decimal, kpi_key: str, currency: str) -> str:
    return kpi_amount(amount, kpi_key, currency)


def total(kpi_key: str, items: Iterable[Delivered], currency: str) -> tuple[Decimal, str]:
    """The sum of the periods' value delivered, with its arithmetic."""
    items = list(items)
    amount = sum((item.amount for item in items), Decimal("0"))
    if not items:
        return amount, "no month since go-live has a value yet"
    text = amount_text(items[0].amount, kpi_key, currency)
    for item in items[1:]:
        sign = "−" if item.amount < 0 else "+"
        text += f" {sign} {amount_text(abs(item.amount), kpi_key, currency)}"
    return amount, f"{text} = {amount_text(amount, kpi_key, currency)}"


def baseline_change(kpi_key: str, baseline, values, currency: str = "") -> Change | None:
    """The newest value of a KPI page (`values` newest first) against its baseline."""
    if baseline is None:
        return None
    latest = next((v for v in values if v.value is not None), None)
    return change(kpi_key, baseline.value, latest.value, currency) if latest else None
