"""Reads of the hiring forecast, always given the engagement: the stored forecast (or, before
the first run stored one, the engine's answer as of today), and the views of it that the
pages, the API, the agendas and the QBR pack share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from forecasts.hiring import (
    ALL,
    DIMENSIONS,
    MonthForecast,
    empty_forecast,
    forecast_frames,
    horizon_months,
)
from forecasts.models import HiringForecast
from forecasts.reading import load_frames


@dataclass(frozen=True)
class Quarter:
    """A quarter's (or any months') forecast of one segment: the months summed. The range
    adds the months' variances (from each month's range); months share candidates, so that
    overstates the spread a little rather than understating it."""

    label: str
    dimension: str
    segment: str
    expected: float
    p10: float
    p90: float
    plan: float | None
    hired: int

    @property
    def attainment(self) -> float | None:
        return None if not self.plan else 100 * self.expected / self.plan

    @property
    def gap(self) -> float | None:
        return None if self.plan is None else self.expected - self.plan

    @property
    def short(self) -> bool:
        """The plan lies above the range: short of it even in a good case."""
        return self.plan is not None and self.p90 < self.plan


@dataclass(frozen=True)
class Forecast:
    as_of: date
    computed_at: object  # datetime, or None when computed for this page only
    rows: list[MonthForecast]

    def months(self, dimension: str = ALL, segment: str = ALL) -> list[MonthForecast]:
        return [r for r in self.rows if r.dimension == dimension and r.segment == segment]

    def quarters(self) -> list[Quarter]:
        """The engagement's total per quarter of the horizon."""
        return [self._sum(label, rows) for label, rows in self._by_quarter(self.months())]

    def gaps(self, quarter: str | None = None) -> list[Quarter]:
        """Each planned segment's quarter (default the open one), largest shortfall first."""
        quarter = quarter or self.open_quarter
        result = []
        for dimension in DIMENSIONS:
            segments = sorted({r.segment for r in self.rows if r.dimension == dimension})
            for segment in segments:
                for label, rows in self._by_quarter(self.months(dimension, segment)):
                    total = self._sum(label, rows)
                    if label == quarter and total.plan is not None:
                        result.append(total)
        return sorted(result, key=lambda q: (q.gap, q.dimension, q.segment))

    @property
    def open_quarter(self) -> str:
        return quarter_label(self.as_of)

    def quarter(self, label: str) -> Quarter | None:
        return next((q for q in self.quarters() if q.label == label), None)

    @staticmethod
    def _by_quarter(rows: list[MonthForecast]):
        groups: dict[str, list[MonthForecast]] = {}
        for row in rows:
            groups.setdefault(quarter_label(row.month), []).append(row)
        return sorted(groups.items())

    @staticmethod
    def _sum(label: str, rows: list[MonthForecast]) -> Quarter:
        expected = sum(r.expected for r in rows)
        hired = sum(r.hired for r in rows)
        spread = math.sqrt(sum((r.p90 - r.expected) ** 2 for r in rows))
        plans = [r.plan for r in rows if r.plan is not None]
        first = rows[0]
        return Quarter(
            label=label,
            dimension=first.dimension,
            segment=first.segment,
            expected=expected,
            p10=max(hired, expected - spread),
            p90=expected + spread,
            plan=sum(plans) if plans else None,
            hired=hired,
        )


def quarter_label(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def hiring_forecast(*, engagement) -> Forecast:
    """The stored forecast; before the first run stores one, the engine's as of today."""
    stored = HiringForecast.objects.filter(engagement=engagement).first()
    if stored is not None:
        rows = [MonthForecast.from_dict(row) for row in stored.rows]
        return Forecast(as_of=stored.as_of, computed_at=stored.computed_at, rows=rows)
    as_of = timezone.localdate()
    rows = forecast_frames(load_frames([engagement.pk], as_of=as_of), as_of=as_of).get(
        engagement.pk
    ) or empty_forecast(horizon_months(as_of))
    return Forecast(as_of=as_of, computed_at=None, rows=rows)
