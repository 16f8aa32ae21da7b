"""Plan vs actual: planned hires (the hiring plan import) against hires, per period and segment.

Both numbers come from the stored KPI values, so they follow the plan_attainment rules of the
data contract (docs/data-contract.md) exactly: plan rows are slices of demand summed per
segment, hires count by `started_on`, and nothing is ever counted in a `(none)` plan segment.
`plan_attainment` is stored only where something was planned (its numerator is the hires and
its denominator the planned hires); where nothing was planned the hires come from the `hires`
KPI and the plan is 0.
"""

from __future__ import annotations

from dataclasses import dataclass

from engagements.models import Engagement
from kpis.models import MetricValue
from kpis.registry import DEFINITION_VERSION, KPI_BY_KEY

PLAN_DIMENSIONS = ("all", *KPI_BY_KEY["plan_attainment"].dimensions)


@dataclass(frozen=True)
class PlanRow:
    period: str
    dimension: str
    segment: str
    planned: int
    hires: int

    @property
    def gap(self) -> int:
        """Hires minus planned: negative when behind the plan."""
        return self.hires - self.planned

    @property
    def attainment(self) -> float | None:
        return 100 * self.hires / self.planned if self.planned else None

    def as_cells(self) -> list:
        attainment = "" if self.attainment is None else round(self.attainment, 1)
        segment = "All" if self.dimension == "all" else f"{self.dimension}: {self.segment}"
        return [self.period, segment, self.planned, self.hires, self.gap, attainment]


COLUMNS = ["Period", "Segment", "Planned", "Hires", "Gap", "Attainment %"]


def plan_vs_actual(
    *,
    engagement: Engagement,
    grain: str,
    periods: list[str] | None = None,
    dimension: str | None = None,
) -> list[PlanRow]:
    """Rows newest period first; `dimension` None means every plan dimension."""
    values = MetricValue.objects.filter(
        engagement=engagement,
        version=DEFINITION_VERSION,
        grain=grain,
        kpi__in=("hires", "plan_attainment"),
        dimension__in=[dimension] if dimension else PLAN_DIMENSIONS,
    )
    if periods is not None:
        values = values.filter(period__in=periods)
    planned: dict[tuple[str, str, str], tuple[int, int]] = {}
    hires: dict[tuple[str, str, str], int] = {}
    for kpi, period, dim, segment, value, numerator, denominator in values.values_list(
        "kpi", "period", "dimension", "segment", "value", "numerator", "denominator"
    ):
        if kpi == "plan_attainment":
            planned[(period, dim, segment)] = (int(denominator or 0), int(numerator or 0))
        else:
            hires[(period, dim, segment)] = int(value or 0)
    cells = {key: (0, count) for key, count in hires.items()} | planned
    # Hires in a `(none)` segment have no plan to be measured against (see module docstring).
    rows = [
        PlanRow(period, dim, segment, plan, hired)
        for (period, dim, segment), (plan, hired) in cells.items()
        if segment != "(none)"
    ]
    rows.sort(key=lambda r: (r.period, r.dimension != "all", r.dimension, r.segment))
    rows.sort(key=lambda r: r.period, reverse=True)
    return rows
