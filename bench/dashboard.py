"""Dashboard, panels and portfolio render times: a large engagement against a small one.

Loads two engagements in one database, straight into the tables with `COPY` (bench.kpis's
loader, the generator's rows): a small one with 1,000 requisitions (10,000 applications) and
a large one with 100,000 requisitions (1,000,000 applications), 24 months each; agrees the
same targets and SLA clauses (bench.sla's ten) on both, computes their KPIs, evaluates the
clauses (breaches, warnings, credits) and logs a few action items. Then renders, through
Django's test client as a signed-in HR lead of both, the dashboard page, the panels the
filters swap, each panel alone, the KPI page and the portfolio: `BENCH_REPEAT` rounds, each
rendering every page of the small engagement then of the large one (so a drift of the
machine's load hits both sides alike), and records the median of each and their ratio
(target: large <= 1.2x small, in the same run).

Smaller runs: `BENCH_LARGE_REQUISITIONS=10000 .venv/bin/python -m bench.dashboard`.
"""

import os
import statistics
import time
from datetime import date

from bench._setup import bench_database, django_setup, record, timed

SMALL = 1_000
LARGE = int(os.environ.get("BENCH_LARGE_REQUISITIONS", 100_000))
REPEAT = int(os.environ.get("BENCH_REPEAT", 15))

TARGETS = [
    ("time_to_fill", "month", 40, 50, 60),
    ("offer_acceptance_rate", "month", 85, 80, 75),
    ("cost_per_hire", "month", 4000, 4400, 4800),
    ("candidate_nps", "quarter", 30, 20, 10),
    ("plan_attainment", "quarter", 90, 80, 70),
]
HTMX = {"HTTP_HX_REQUEST": "true"}


def pages(engagement) -> dict[str, tuple[str, dict]]:
    from django.urls import reverse

    from orchestration.views import PANELS

    base = reverse("engagements:detail", args=[engagement.pk])
    return {
        "dashboard": (base, {}),
        "panels": (f"{base}?grain=quarter", HTMX),
        **{
            name: (reverse("engagements:panel", args=[engagement.pk, name]), HTMX)
            for name in PANELS
        },
        "kpi_page": (reverse("kpis:kpi_detail", args=[engagement.pk, "time_to_fill"]), {}),
    }


def get_ms(client, url: str, headers: dict) -> float:
    start = time.perf_counter()
    response = client.get(url, **headers)
    elapsed = time.perf_counter() - start
    assert response.status_code == 200, (url, response.status_code)
    return elapsed * 1000


def median_ms(client, sides: dict[str, dict]) -> dict[str, float]:
    """{f"{page}_{side}_ms": median}: every page of every side once per round, REPEAT rounds."""
    times: dict[str, list[float]] = {}
    for round_ in range(REPEAT + 1):
        for side, urls in sides.items():
            for name, (url, headers) in urls.items():
                elapsed = get_ms(client, url, headers)
                if round_:  # the first round warms the caches
                    times.setdefault(f"{name}_{side}_ms", []).append(elapsed)
    return {key: round(statistics.median(values), 2) for key, values in times.items()}


def prepare(engagement, provider_user, client_user) -> None:
    from tests.factories import action_items_due, targets_agree

    targets_agree(
        engagement,
        TARGETS,
        proposer=provider_user,
        agreer=client_user,
        effective_from=date(2023, 1, 1),
        min_sample_size=3,
    )
    due = [(days, f"Follow-up {days}") for days in (-9, -2, 3, 8)]
    action_items_due(engagement, due, actor=provider_user, owner=client_user)


def main() -> None:
    django_setup()
    figures: dict = {}
    with bench_database("dashboard") as connection:
        from django.test import Client

        from accounts.models import Role
        from bench.kpis import END, load
        from bench.sla import agreed_clauses
        from kpis.services import metrics_recompute
        from sla.models import Breach
        from sla.services import slas_evaluate
        from tests.factories import EngagementFactory, ProviderFactory, member

        provider = ProviderFactory()
        small, large = EngagementFactory.create_batch(2, provider=provider)
        with timed("load_small", figures):
            load([small], SMALL, 10)
        with timed("load_large", figures):
            load([large], LARGE, 10)
        connection.commit()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        hr_lead = member(small.client, Role.HR_LEAD)
        member(large.client, Role.HR_LEAD, user=hr_lead)
        manager = member(provider, Role.ACCOUNT_MANAGER)
        for engagement in (small, large):
            prepare(engagement, manager, hr_lead)
        clauses = agreed_clauses([small, large])
        with timed("recompute", figures):
            metrics_recompute(engagement_ids=[small.pk, large.pk], as_of=END)
        with timed("evaluate", figures):
            slas_evaluate(engagement_ids=[small.pk, large.pk], as_of=END)
        breaches = {
            size: Breach.objects.filter(engagement=engagement).count()
            for size, engagement in (("small", small), ("large", large))
        }
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # the values, outcomes and breaches just written
        client = Client(HTTP_HOST="localhost")  # one of the default ALLOWED_HOSTS
        client.force_login(hr_lead)
        timings = median_ms(
            client,
            {
                "small": pages(small),
                "large": pages(large),
                "all": {"portfolio": ("/", {})},
            },
        )
        ratios = {
            f"{name}_ratio": round(timings[f"{name}_large_ms"] / timings[f"{name}_small_ms"], 2)
            for name in pages(small)
        }
    record(
        "dashboard",
        {
            "small_applications": SMALL * 10,
            "large_applications": LARGE * 10,
            "repeat": REPEAT,
            "clauses": clauses,
            "breaches": breaches,
            **{k: round(v, 1) for k, v in figures.items()},
            **timings,
            **ratios,
        },
    )


if __name__ == "__main__":
    main()
