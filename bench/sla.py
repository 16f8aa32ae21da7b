"""SLA evaluation after the nightly full recompute, and the nightly pipeline on 1 and 2 workers.

Loads the KPI benchmark's engagements (bench.kpis.load: 200 engagements, 100,000 requisitions,
1,000,000 applications over 24 months by default) and gives each 10 agreed clauses (monthly
and quarterly, segment all and segmented, credits and bonuses) in force from 2024-10-01,
evaluated as of 2026-09-30 (24 months, 8 quarters). Then, in the same run:

- `full`: the nightly full KPI recompute with the values in place;
- `evaluate_first`: evaluating every engagement's clauses for the first time (writes every
  outcome, breach and warning; once per clause);
- `evaluate`: the nightly evaluation with nothing new (the engagements' fingerprints match
  their last evaluation's: what most nights bring);
- `evaluate_full_pass`: the same with the fingerprints forgotten, so every clause and period
  is read, worked out and compared again (nothing to write): what a night costs when every
  engagement's values changed;
- `evaluate_period_end`: the night after 2026-09-30, when September and the third quarter
  close and October and the fourth quarter begin for every clause (outcomes, breaches and
  warnings written);
  target: each evaluation at most 20% of `full`;
- `pipeline_1`, `pipeline_2`: the nightly workflow (orchestration.pipeline: recompute batches, each
  followed by the evaluation of its engagements, then after_evaluation) run by Celery worker
  processes on the same Redis and PostgreSQL, with one and with two worker processes, every
  engagement evaluated in full (its last evaluation forgotten); target: `pipeline_2` at most
  0.6x `pipeline_1`. Batches of RPO_KPI_BATCH_ROWS applications (default here 100,000), so
  the recompute is spread over several tasks.

Smaller runs: `BENCH_ENGAGEMENTS=20 BENCH_REQUISITIONS=2000 RPO_KPI_BATCH_ROWS=2000
.venv/bin/python -m bench.sla`.
"""

import os
import subprocess
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench._setup import bench_database, django_setup, record, timed
from bench.kpis import END, arguments, inputs, load, settle

ROOT = Path(__file__).resolve().parent.parent
BATCH_ROWS = int(os.environ.get("RPO_KPI_BATCH_ROWS", 100_000))
# (key, kpi, grain, dimension, segment, kind, threshold, pct, extra)
CLAUSES = [
    ("TTF", "time_to_fill", "month", "all", "all", "credit", "40", "3", {"earn_back": 2}),
    ("TTF-Q", "time_to_fill", "quarter", "all", "all", "credit", "40", "5", {}),
    ("TTH", "time_to_hire", "month", "all", "all", "credit", "30", "2", {"repeat_pct": "4"}),
    ("OAR", "offer_acceptance_rate", "month", "all", "all", "credit", "80", "4", {"cap_pct": "6"}),
    ("OAR-REF", "offer_acceptance_rate", "month", "source", "referral", "credit", "75", "1", {}),
    ("NPS-Q", "candidate_nps", "quarter", "all", "all", "credit", "0", "5", {}),
    ("HMS", "hiring_manager_satisfaction", "month", "all", "all", "bonus", "4", "1", {}),
    ("CPH", "cost_per_hire", "month", "all", "all", "credit", "6000", "5", {}),
    ("DIV-Q", "diversity_hire_rate", "quarter", "all", "all", "credit", "30", "1", {}),
    ("HIRES-ENG", "hires", "month", "department", "Engineering", "credit", "3", "1", {}),
]


def agreed_clauses(engagements) -> int:
    """10 clauses in force per engagement, in one agreed schedule each."""
    from django.utils import timezone

    from sla.models import SlaClause, SlaSchedule
    from tests.factories import UserFactory

    user = UserFactory()
    now = timezone.now()
    schedules = SlaSchedule.objects.bulk_create(
        SlaSchedule(
            engagement=e,
            state="agreed",
            proposed_by=user,
            proposed_by_party="provider",
            proposed_at=now,
            responded_by=user,
            responded_at=now,
        )
        for e in engagements
    )
    clauses = [
        SlaClause(
            engagement_id=schedule.engagement_id,
            schedule=schedule,
            key=key,
            kpi=kpi,
            grain=grain,
            dimension=dimension,
            segment=segment,
            kind=kind,
            threshold=Decimal(threshold),
            effective_from=date(2024, 10, 1),
            pct=Decimal(pct),
            in_force=True,
            **{k: Decimal(v) if k.endswith("pct") else v for k, v in extra.items()},
        )
        for schedule in schedules
        for key, kpi, grain, dimension, segment, kind, threshold, pct, extra in CLAUSES
    ]
    SlaClause.objects.bulk_create(clauses)
    return len(clauses)


def workers(count: int, database: str, redis_url: str) -> subprocess.Popen:
    env = os.environ | {
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "DJANGO_DEBUG": "true",
        "RPO_KPI_BATCH_ROWS": str(BATCH_ROWS),
    }
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "rpo_portal",
            "worker",
            "--concurrency",
            str(count),
            "--prefetch-multiplier",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
            "-n",
            f"bench-sla-{count}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def pipeline_time(count: int, database: str, redis_url: str) -> float:
    from orchestration.pipeline import nightly_workflow
    from sla.models import SlaEvaluationRun

    SlaEvaluationRun.objects.all().delete()  # so the pipeline evaluates every engagement
    process = workers(count, database, redis_url)
    try:
        time.sleep(8)  # the workers start (and import Django) before the clock starts
        start = time.perf_counter()
        nightly_workflow(full=True, as_of=END).apply_async().get(timeout=3600)
        return time.perf_counter() - start
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    args = arguments()
    django_setup()
    from kpis import services as kpis_services

    kpis_services.BATCH_ROWS = BATCH_ROWS
    figures: dict = {}
    with bench_database("sla") as connection:
        from django.conf import settings

        from kpis.models import MetricValue
        from kpis.services import metrics_recompute_stale
        from rpo_portal import tenant_db
        from rpo_portal.celery import app
        from sla.models import Breach, BreachEvent, SlaEvaluationRun, SlaOutcome, Warning
        from sla.services import slas_evaluate
        from tests.factories import EngagementFactory, ProviderFactory

        provider = ProviderFactory()
        engagements = EngagementFactory.create_batch(
            args.engagements, provider=provider, monthly_fee=Decimal("50000")
        )
        counts = load(
            engagements, args.requisitions // args.engagements, args.applications_per_requisition
        )
        clauses = agreed_clauses(engagements)
        connection.commit()
        settle(connection, [model for model, _ in inputs()])
        metrics_recompute_stale(full=True, as_of=END)
        settle(connection, [MetricValue])
        ids = [e.pk for e in engagements]
        # Each run as the nightly tasks run it: the application role under row-level security,
        # with every organization (the recompute's fan-out) or the engagements' parties.
        with timed("full", figures), tenant_db.scheduler_tenant():
            metrics_recompute_stale(full=True, as_of=END)
        with timed("evaluate_first", figures), tenant_db.job_engagements(ids):
            first = slas_evaluate(engagement_ids=ids, as_of=END)
        settle(connection, [SlaOutcome, Breach, BreachEvent, Warning, SlaEvaluationRun])
        with timed("evaluate", figures), tenant_db.job_engagements(ids):
            again = slas_evaluate(engagement_ids=ids, as_of=END)
        SlaEvaluationRun.objects.update(fingerprint="")
        with timed("evaluate_full_pass", figures), tenant_db.job_engagements(ids):
            full_pass = slas_evaluate(engagement_ids=ids, as_of=END)
        if any(r.outcomes_changed for r in again + full_pass) or not all(
            r.evaluated for r in first
        ):
            raise SystemExit("the second evaluation must change nothing")
        outcomes = SlaOutcome.objects.count()
        breaches = sum(len(r.new_breach_ids) for r in first)

        # The pipeline in worker processes: they reach the benchmark's database and Redis.
        redis_url = settings.REDIS_URL
        app.conf.broker_url = settings.CELERY_BROKER_URL
        app.conf.result_backend = settings.CELERY_RESULT_BACKEND
        params = connection.settings_dict
        database = f"postgres://{params['USER']}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
        batches = len(kpis_services.recompute_batches(ids))
        figures["pipeline_1"] = pipeline_time(1, database, redis_url)
        figures["pipeline_2"] = pipeline_time(2, database, redis_url)
        with timed("evaluate_period_end", figures), tenant_db.job_engagements(ids):
            period_end = slas_evaluate(engagement_ids=ids, as_of=END + timedelta(days=1))
        period_end_changed = sum(r.outcomes_changed for r in period_end)
    record(
        "sla",
        {
            "engagements": len(engagements),
            **counts,
            "clauses": clauses,
            "outcomes": outcomes,
            "breaches": breaches,
            "recompute_batches": batches,
            **{k: round(v, 2) for k, v in figures.items()},
            "evaluate_first_over_full_pct": round(
                100 * figures["evaluate_first"] / figures["full"], 1
            ),
            "period_end_outcomes_changed": period_end_changed,
            **{
                f"{name}_over_full_pct": round(100 * figures[name] / figures["full"], 1)
                for name in ("evaluate", "evaluate_full_pass", "evaluate_period_end")
            },
            "pipeline_2_over_1": round(figures["pipeline_2"] / figures["pipeline_1"], 2),
        },
    )


if __name__ == "__main__":
    main()
