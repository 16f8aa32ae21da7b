"""What one SLA evaluation run is, shared by the service that starts it (`sla.services`), the
batch that does it (`sla.batch`) and the breach services that ask for one: the lock it takes,
the clause terms it reads, its result, and how it is enqueued.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kpis.registry import KPI_BY_KEY
from rpo_portal.task_names import task_named
from sla import evaluation as ev
from sla.models import SlaClause

# pg_try_advisory_xact_lock(LOCK_CLASS, engagement id): one SLA evaluation per engagement.
LOCK_CLASS = 7302


@dataclass
class EvaluationResult:
    engagement_id: int
    evaluated: bool  # False: another evaluation of the engagement holds its lock
    as_of: date | None = None
    outcomes: int = 0
    outcomes_changed: int = 0
    new_breach_ids: list[int] = field(default_factory=list)
    changed_breach_ids: list[int] = field(default_factory=list)
    new_warning_ids: list[int] = field(default_factory=list)
    cleared_warning_ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        if not self.evaluated:
            return f"engagement {self.engagement_id}: an SLA evaluation is already running, skipped"
        return (
            f"engagement {self.engagement_id} as of {self.as_of}: {self.outcomes} outcomes "
            f"({self.outcomes_changed} changed), {len(self.new_breach_ids)} new breaches, "
            f"{len(self.changed_breach_ids)} breach values changed, "
            f"{len(self.new_warning_ids)} warnings raised, "
            f"{len(self.cleared_warning_ids)} cleared"
        )

    def as_dict(self) -> dict:
        """For Celery (JSON)."""
        return {
            "engagement_id": self.engagement_id,
            "evaluated": self.evaluated,
            "new_breach_ids": self.new_breach_ids,
            "changed_breach_ids": self.changed_breach_ids,
            "new_warning_ids": self.new_warning_ids,
            "cleared_warning_ids": self.cleared_warning_ids,
        }


def clause_terms(clause: SlaClause) -> ev.ClauseTerms:
    kpi = KPI_BY_KEY[clause.kpi]
    return ev.ClauseTerms(
        key=clause.key,
        grain=clause.grain,
        kind=clause.kind,
        direction=kpi.direction,
        decimals=kpi.decimals,
        threshold=clause.threshold,
        effective_from=clause.effective_from,
        effective_to=clause.effective_to,
        pct=clause.pct,
        min_n=clause.min_n,
        grace_days=clause.grace_days,
        repeat_pct=clause.repeat_pct,
        cap_pct=clause.cap_pct,
        earn_back=clause.earn_back,
    )


def evaluation_schedule(*, engagement_id: int) -> None:
    """Evaluate an engagement soon (its clauses changed), in a worker."""
    task_named("sla.tasks.evaluate_engagement_slas").delay(engagement_id)
