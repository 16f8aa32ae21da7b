"""Demo market benchmarks: a file TalentBridge RPO shares with its clients (Acme and Globex),
written as CSV and imported through the importer. The engagements' own benchmarks come with
their generated data (`recruiting.demo`); HireWell shares none."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from django.utils import timezone

from accounts.models import Organization
from recruiting import contract, market

PROVIDER = "TalentBridge RPO"
SOURCE = "TalentBridge talent market report"
QUARTERS = 8
# (location, time to fill in days, salary median of a software role and its currency)
LOCATIONS = (("New York", 41, 128_000, "USD"), ("Berlin", 47, 72_000, "EUR"))


def _quarters(count: int) -> list[str]:
    today = timezone.localdate()
    index = today.year * 4 + (today.month - 1) // 3
    return [f"{i // 4}-Q{i % 4 + 1}" for i in range(index - count + 1, index + 1)]


def shared_benchmarks_csv() -> bytes:
    """Eight quarters of the provider's market report, the latest a partial one."""
    columns = contract.KINDS[market.KIND].column_names
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for step, quarter in enumerate(_quarters(QUARTERS)):
        drift = step * 0.4
        rows = [
            (quarter, "", "", "time_to_fill_days", f"{44 - drift:.1f}", ""),
            (quarter, "", "", "offer_acceptance_rate", f"{83 + drift / 2:.1f}", ""),
            (quarter, "", "", "applicants_per_opening", f"{27 + step:.1f}", ""),
            (quarter, "Software", "", "time_to_fill_days", f"{52 - drift:.1f}", ""),
        ]
        for location, days, salary, currency in LOCATIONS:
            rows.append((quarter, "", location, "time_to_fill_days", f"{days - drift:.1f}", ""))
            rows.append(
                (
                    quarter,
                    "Software",
                    location,
                    "salary_median",
                    f"{salary * (1 + step / 100):.2f}",
                    currency,
                )
            )
        for period, family, location, metric, value, currency in rows:
            writer.writerow([period, family, location, metric, value, currency, SOURCE, ""])
    return out.getvalue().encode()


def seed_market_benchmarks(log: Callable[[str], None]) -> None:
    """TalentBridge's shared file, imported again each run (a re-import changes nothing)."""
    provider = Organization.objects.filter(name=PROVIDER).first()
    if provider is None:
        return
    result = market.shared_file_import(
        actor=None,
        provider=provider,
        file=shared_benchmarks_csv(),
        file_name="talentbridge-market.csv",
    )
    if not result.ok:
        raise ValueError(f"the demo's shared benchmarks were refused: {result.errors[:3]}")
    log(
        f"{PROVIDER}: shared market benchmarks, {result.created} created, "
        f"{result.unchanged} unchanged"
    )
