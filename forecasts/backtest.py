"""The backtest of the hiring forecast (docs/data-contract.md, "Hiring forecast: backtest").

For each month of a range it forecasts that month's hires as the engine would have on the
eve of the month (as of the previous month's last day: only records dated before the month
are known), and sets the forecast, its range and two naive forecasts (the month's hiring plan;
the mean of the three months before) against the hires that started in the month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from forecasts.hiring import Frames, add_months, forecast_frames
from forecasts.reading import load_frames
from sla.forecasting.backtest import clause_backtest


@dataclass
class BacktestMonth:
    month: date
    forecast: float
    p10: float
    p90: float
    actual: int
    plan: float | None
    last3: float | None

    @property
    def in_range(self) -> bool:
        return self.p10 <= self.actual <= self.p90

    def as_dict(self) -> dict:
        return {
            "month": self.month.strftime("%Y-%m"),
            "forecast": round(self.forecast, 2),
            "p10": round(self.p10, 2),
            "p90": round(self.p90, 2),
            "actual": self.actual,
            "plan": self.plan,
            "last3": None if self.last3 is None else round(self.last3, 2),
            "in_range": self.in_range,
        }


@dataclass
class Backtest:
    months: list[BacktestMonth]
    # Room for more outcomes replayed on the same months (the SLA breach forecast's
    # breach_hits, breach_misses, false_alarms): each is added to the JSON as it is.
    extra: dict = field(default_factory=dict)

    @staticmethod
    def _mae(errors: list[float]) -> float | None:
        return float(np.mean(errors)) if errors else None

    @property
    def mae_forecast(self) -> float | None:
        return self._mae([abs(m.forecast - m.actual) for m in self.months])

    @property
    def mae_plan(self) -> float | None:
        """Over the months with a plan (a month without one has no plan forecast)."""
        return self._mae([abs(m.plan - m.actual) for m in self.months if m.plan is not None])

    @property
    def mae_last3(self) -> float | None:
        return self._mae([abs(m.last3 - m.actual) for m in self.months if m.last3 is not None])

    @property
    def coverage(self) -> float | None:
        return self._mae([float(m.in_range) for m in self.months])

    def as_dict(self) -> dict:
        return {
            "months": [m.as_dict() for m in self.months],
            "mae_forecast": self.mae_forecast,
            "mae_plan": self.mae_plan,
            "mae_last3": self.mae_last3,
            "coverage": self.coverage,
            **self.extra,
        }


def monthly_hires(frames: Frames, engagement_id: int) -> pd.Series:
    """Hires (started) per month of one engagement, indexed by the month's first day."""
    apps = frames.applications
    started = pd.to_datetime(apps.loc[apps["engagement_id"] == engagement_id, "started_on"])
    started = started.dropna()
    return started.dt.to_period("M").dt.start_time.dt.date.value_counts()


def backtest_frames(frames: Frames, *, engagement_id: int, first: date, last: date) -> Backtest:
    """Replay the months first..last (first days) on frames holding every record."""
    hires = monthly_hires(frames, engagement_id)
    months = []
    month = first
    while month <= last:
        eve = month - timedelta(days=1)
        rows = forecast_frames(frames, as_of=eve, months=[month], dimensions=())
        row = (
            next(r for r in rows.get(engagement_id, []) if r.dimension == "all")
            if rows.get(engagement_id)
            else None
        )
        before = [int(hires.get(add_months(month, -i), 0)) for i in (1, 2, 3)]
        months.append(
            BacktestMonth(
                month=month,
                forecast=row.expected if row else 0.0,
                p10=row.p10 if row else 0.0,
                p90=row.p90 if row else 0.0,
                actual=int(hires.get(month, 0)),
                plan=row.plan if row else None,
                last3=float(np.mean(before)),
            )
        )
        month = add_months(month, 1)
    return Backtest(months=months)


def backtest(engagement, *, first: date, last: date) -> Backtest:
    """The backtest of one engagement over the months first..last."""
    frames = load_frames(
        [engagement.pk], as_of=add_months(last, 1) - timedelta(days=1), since=first
    )
    result = backtest_frames(frames, engagement_id=engagement.pk, first=first, last=last)
    result.extra.update(clause_backtest(engagement, first=first, last=last))
    return result
