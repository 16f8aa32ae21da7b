"""The hiring forecast at full size: its backtest and its cost in the nightly run.

1. `accuracy`: the generator's data of 200 engagements (100,000 requisitions and 1,000,000
   applications over 24 months, as `bench.kpis` loads it), held in memory as the forecast's
   frames; each month from the seventh on is forecast from what was known on its eve
   (`forecasts.backtest`) and set against its hires, the plan and the mean of the three months
   before. Pooled over every engagement and month: the mean absolute errors and the share of
   months whose hires fell in the 10-90% range (target: the forecast's error below both naive
   forecasts' and coverage in 65-95%); also per engagement, how often the forecast beats both.
2. `cost` (skipped with `--accuracy-only`): the same data loaded into a database as
   `bench.kpis` does, the nightly full KPI recompute, then the forecast of every engagement
   in the nightly run's batches (target: at most 15% of the full recompute).

Smaller runs: `BENCH_ENGAGEMENTS=10 BENCH_REQUISITIONS=5000 .venv/bin/python -m bench.forecast`.
"""

import argparse
import os
import time
from datetime import date, timedelta

from bench._setup import bench_database, django_setup, record, timed

END = date(2026, 9, 30)  # bench.kpis's


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    environ = os.environ.get
    parser.add_argument("--engagements", type=int, default=int(environ("BENCH_ENGAGEMENTS", 200)))
    parser.add_argument(
        "--requisitions", type=int, default=int(environ("BENCH_REQUISITIONS", 100_000))
    )
    parser.add_argument("--accuracy-only", action="store_true")
    parser.add_argument("--cost-only", action="store_true")
    return parser.parse_args()


def frames_in_memory(engagements: int, requisitions_each: int):
    """The generator's rows of `engagements` engagements as the forecast's frames."""
    import pandas as pd

    from forecasts.inputs import APPLICATION_COLUMNS, PLAN_COLUMNS, REQUISITION_COLUMNS, Frames
    from recruiting.generator import DataSpec, generate

    requisitions, applications, plan = [], [], []
    for engagement in range(1, engagements + 1):
        ids: dict[str, int] = {}
        for kind, row in generate(
            DataSpec(requisitions=requisitions_each, seed=engagement, end=END)
        ):
            if kind == "requisitions":
                ids[row["external_id"]] = len(ids) + engagement * 10**6
                requisitions.append(
                    [
                        engagement,
                        ids[row["external_id"]],
                        row["department"] or "",
                        row["location"] or "",
                        row["job_family"] or "",
                        int(row["openings"]),
                        row["opened_on"],
                        row["filled_on"],
                        row["cancelled_on"],
                    ]
                )
            elif kind == "applications":
                applications.append(
                    [
                        engagement,
                        ids[row["requisition_id"]],
                        *(row[c] for c in APPLICATION_COLUMNS[2:]),
                    ]
                )
            elif kind == "hiring_plan":
                plan.append(
                    [
                        engagement,
                        row["month"] + "-01",
                        row["department"] or "",
                        "",
                        "",
                        int(row["planned_hires"]),
                    ]
                )

    def frame(rows, columns):
        data = pd.DataFrame(rows, columns=columns)
        for column in columns:
            if column.endswith("_on") or column == "month":
                data[column] = pd.to_datetime(data[column])
        return data

    frames = Frames(
        requisitions=frame(requisitions, REQUISITION_COLUMNS),
        applications=frame(applications, APPLICATION_COLUMNS),
        plan=frame(plan, PLAN_COLUMNS),
    )
    frames.applications["offer_outcome"] = frames.applications["offer_outcome"].fillna("")
    return frames


def accuracy(args) -> dict:
    import numpy as np

    from forecasts.backtest import monthly_hires
    from forecasts.hiring import add_months, forecast_frames

    started = time.perf_counter()
    frames = frames_in_memory(args.engagements, args.requisitions // args.engagements)
    generated = time.perf_counter() - started
    first = add_months(END.replace(day=1), -17)  # the seventh of the 24 months
    months = [add_months(first, i) for i in range(18)]
    hires = {e: monthly_hires(frames, e) for e in range(1, args.engagements + 1)}
    errors = {"forecast": [], "plan": [], "last3": []}
    inside = []
    per_engagement = {e: {"forecast": 0.0, "plan": 0.0, "last3": 0.0} for e in hires}
    seconds = []
    for month in months:
        tick = time.perf_counter()
        result = forecast_frames(
            frames, as_of=month - timedelta(days=1), months=[month], dimensions=()
        )
        seconds.append(time.perf_counter() - tick)
        for engagement, counts in hires.items():
            row = next(r for r in result[engagement] if r.dimension == "all")
            actual = int(counts.get(month, 0))
            last3 = float(np.mean([counts.get(add_months(month, -i), 0) for i in (1, 2, 3)]))
            for name, value in (
                ("forecast", row.expected),
                ("plan", row.plan or 0.0),
                ("last3", last3),
            ):
                errors[name].append(abs(value - actual))
                per_engagement[engagement][name] += abs(value - actual)
            inside.append(row.p10 <= actual <= row.p90)
    beats = sum(
        1
        for e in per_engagement.values()
        if e["forecast"] < e["plan"] and e["forecast"] < e["last3"]
    )
    coverage = [float(np.mean(inside[i :: args.engagements])) for i in range(args.engagements)]
    return {
        "generate_s": round(generated, 1),
        "months": f"{months[0]:%Y-%m}..{months[-1]:%Y-%m}",
        "forecasts": len(inside),
        "mae_forecast": round(float(np.mean(errors["forecast"])), 3),
        "mae_plan": round(float(np.mean(errors["plan"])), 3),
        "mae_last3": round(float(np.mean(errors["last3"])), 3),
        "coverage": round(float(np.mean(inside)), 3),
        "engagements_beating_both": beats,
        "coverage_by_engagement_min_max": [round(min(coverage), 3), round(max(coverage), 3)],
        "forecast_all_engagements_s_median": round(float(np.median(seconds)), 2),
    }


def cost(args) -> dict:
    from bench.kpis import inputs, load, settle

    figures: dict = {}
    with bench_database("forecast") as connection:
        from forecasts.models import HiringForecast
        from forecasts.services import forecasts_recompute_batch
        from kpis.models import MetricValue
        from kpis.services import metrics_recompute_stale, recompute_batches
        from rpo_portal import tenant_db
        from tests.factories import EngagementFactory, ProviderFactory

        provider = ProviderFactory()
        engagements = EngagementFactory.create_batch(args.engagements, provider=provider)
        counts = load(engagements, args.requisitions // args.engagements, 10)
        connection.commit()
        settle(connection, [model for model, _ in inputs()])
        with tenant_db.scheduler_tenant():
            metrics_recompute_stale(full=True, as_of=END)
        settle(connection, [MetricValue])
        ids = [e.pk for e in engagements]
        with tenant_db.scheduler_tenant():
            for batch in recompute_batches(ids):  # the first forecast: every row written
                forecasts_recompute_batch(engagement_ids=batch, as_of=END - timedelta(days=1))
        settle(connection, [HiringForecast])
        # Alternating, so that both share the machine's state alike.
        for round_ in range(2):
            with timed(f"full_{round_}", figures), tenant_db.scheduler_tenant():
                metrics_recompute_stale(full=True, as_of=END)
            with timed(f"forecast_{round_}", figures), tenant_db.scheduler_tenant():
                for batch in recompute_batches(ids):
                    forecasts_recompute_batch(engagement_ids=batch, as_of=END)
            # The next night: every forecast changes (its as-of moved), as it does each night.
            with timed(f"forecast_next_day_{round_}", figures), tenant_db.scheduler_tenant():
                for batch in recompute_batches(ids):
                    forecasts_recompute_batch(
                        engagement_ids=batch, as_of=END + timedelta(days=1 + round_)
                    )
    full = min(figures["full_0"], figures["full_1"])
    forecast = min(figures["forecast_next_day_0"], figures["forecast_next_day_1"])
    return {
        **counts,
        **{k: round(v, 2) for k, v in figures.items()},
        "forecast_over_full_pct": round(100 * forecast / full, 1),
    }


def main() -> None:
    args = arguments()
    django_setup()
    figures = {"engagements": args.engagements, "requisitions": args.requisitions}
    if not args.cost_only:
        figures["accuracy"] = accuracy(args)
        print(figures["accuracy"], flush=True)
    if not args.accuracy_only:
        figures["cost"] = cost(args)
    record("forecast", figures)


if __name__ == "__main__":
    main()
