"""QBR pack build times: the Excel, PDF and CSV packs of one engagement.

The engagement holds 24 months of generated data at the demo's volume (`orchestration/demo.py`:
320 requisitions, about 3,200 applications; `BENCH_REQUISITIONS` to change it), every KPI has
an agreed quarterly and monthly target (so the scorecard and the trend charts are as full as
they get: eleven KPIs, eleven native Excel charts, eleven SVG charts in the PDF), 40
action items are open, the demo's SLA schedule is agreed and evaluated (a monthly fee of
50,000, breaches, capped credits and a bonus), the quarter has 20 decisions and 30 risks are
open across the heat map. Each pack is built `BENCH_REPEAT` times through the service the worker
and `export_qbr` use (snapshot of the numbers + the file); the median is recorded (aim: each
under 10 s), with the CPU seconds the build used: the machine is shared, and its load
stretches the wall-clock time, not the CPU time.
"""

import os
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from bench._setup import bench_database, django_setup, record, timed

REQUISITIONS = int(os.environ.get("BENCH_REQUISITIONS", 320))
REPEAT = int(os.environ.get("BENCH_REPEAT", 3))
END = date(2026, 3, 31)
QUARTER = "2026-Q1"


def agree_every_target(engagement, provider_user, client_user) -> None:
    from kpis.registry import KPIS
    from kpis.target_services import target_agree, target_propose

    for kpi in KPIS:
        higher = kpi.direction == "higher"
        base = {"percent": 80, "days": 40, "currency": 4000, "score": 30, "rating": 4}.get(
            kpi.unit, 10
        )
        values = [base, base * 0.9, base * 0.8] if higher else [base, base * 1.1, base * 1.2]
        for grain in ("month", "quarter"):
            proposal = target_propose(
                actor=provider_user,
                engagement=engagement,
                kpi=kpi.key,
                grain=grain,
                effective_from=date(2023, 1, 1),
                target_value=Decimal(str(values[0])),
                at_risk_threshold=Decimal(str(values[1])),
                breach_threshold=Decimal(str(values[2])),
                min_sample_size=1,
            )
            target_agree(actor=client_user, target=proposal)


def seed_governance(engagement, provider_user, client_user) -> None:
    """The SLA schedule the demo agrees (thresholds at the engagement's own medians),
    evaluated as of the end; the quarter's decisions and the open risk register."""
    from reviews.services import decision_create, risk_create
    from sla.demo import demo_clauses
    from sla.services import schedule_agree, schedule_propose, slas_evaluate

    engagement.monthly_fee = Decimal("50000")
    engagement.at_risk_pct = Decimal("12")
    engagement.save(update_fields=["monthly_fee", "at_risk_pct"])
    schedule = schedule_propose(
        actor=provider_user,
        engagement=engagement,
        clauses=demo_clauses(engagement, date(2024, 4, 1)),
        source_name="sla_schedule.csv",
    )
    schedule_agree(actor=client_user, schedule=schedule)
    slas_evaluate(engagement_ids=[engagement.pk], as_of=END)
    for n in range(20):
        decision_create(
            actor=client_user,
            engagement=engagement,
            title=f"Decision {n}: change the sourcing mix for the next wave of openings",
            rationale="Time to fill is off track in two departments; the pod costs less.",
            decided_by=client_user,
            decided_on=date(2026, 1, 5) + timedelta(days=4 * n),
        )
    for n in range(30):
        risk_create(
            actor=client_user,
            engagement=engagement,
            title=f"Risk {n}: a hiring manager pool too small for the plan",
            category="delivery",
            likelihood=n % 5 + 1,
            impact=(n * 2) % 5 + 1,
            treatment="mitigate",
            mitigation="Weekly calibration with the hiring managers; a backup panel.",
            owner=provider_user,
            next_review_on=END + timedelta(days=n),
        )


def main() -> None:
    django_setup()
    figures: dict = {}
    with bench_database("qbr"):
        from accounts.models import Role
        from kpis.services import engagement_metrics_recompute
        from recruiting.generator import DataSpec, generated_data_import, scope_for
        from reviews.qbr.services import qbr_pack_build_now
        from reviews.services import action_item_create
        from tests.factories import EngagementFactory, member

        engagement = EngagementFactory()
        hr_lead = member(engagement.client, Role.HR_LEAD)
        manager = member(engagement.provider, Role.ACCOUNT_MANAGER)
        spec = DataSpec(
            requisitions=REQUISITIONS, seed=1, months=24, end=END, scope=scope_for(engagement)
        )
        with timed("load_s", figures):
            generated_data_import(actor=manager, engagement=engagement, spec=spec)
        agree_every_target(engagement, manager, hr_lead)
        with timed("recompute_s", figures):
            engagement_metrics_recompute(engagement=engagement, as_of=END)
        seed_governance(engagement, manager, hr_lead)
        for n in range(40):
            action_item_create(
                actor=hr_lead,
                engagement=engagement,
                title=f"Follow-up {n}",
                owner=manager,
                due_date=END + timedelta(days=n - 20),
            )
        for fmt in ("xlsx", "pdf", "csv"):
            times, cpu, size = [], [], 0
            for _ in range(REPEAT):
                start, start_cpu = time.perf_counter(), time.process_time()
                _, data = qbr_pack_build_now(
                    engagement=engagement, quarter=QUARTER, fmt=fmt, generated_by="bench"
                )
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
                size = len(data)
            figures[f"{fmt}_s"] = statistics.median(times)
            figures[f"{fmt}_cpu_s"] = statistics.median(cpu)
            figures[f"{fmt}_bytes"] = size
    record(
        "qbr",
        {
            "load_average": round(os.getloadavg()[0], 1),
            "requisitions": REQUISITIONS,
            "months": 24,
            "repeat": REPEAT,
            **{k: round(v, 2) if isinstance(v, float) else v for k, v in figures.items()},
        },
    )


if __name__ == "__main__":
    main()
