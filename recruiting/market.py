"""Market benchmarks shared by a provider with its clients (docs/data-contract.md, "Market
benchmarks"): their import, and the reads of every benchmark an engagement may see.

A benchmark is kept per engagement (`MarketBenchmark`, imported into it like the ATS data:
kind `market_benchmarks` of `recruiting.contract`) or by a provider for every engagement it
is the provider of (`ProviderMarketBenchmark`, imported here). Both files follow the same
contract and are checked by the same importer (`recruiting.importing`), all or nothing; a
re-import replaces, by key (period, job_family, location, metric), the rows it names and
leaves the others as they were.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pandas as pd
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts.models import Organization, OrganizationKind, Role
from accounts.roles import organization_roles
from engagements.models import Engagement
from recruiting import importing
from recruiting.models import MarketBenchmark, ProviderMarketBenchmark
from recruiting.services import SAMPLE_ROWS, ImportResult

KIND = "market_benchmarks"
KEY = ("period", "job_family", "location", "metric")
FIELDS = ("value", "currency", "source", "note")
# Who may import a provider's shared benchmarks: its admins and account managers.
SHARED_IMPORT_ROLES = frozenset({Role.PROVIDER_ADMIN, Role.ACCOUNT_MANAGER})


# --- Reads ----------------------------------------------------------------------------------


def engagement_benchmarks(*, engagement: Engagement) -> list[MarketBenchmark]:
    """The engagement's own benchmarks (kept for it alone)."""
    return list(
        MarketBenchmark.objects.filter(engagement=engagement).order_by(
            "metric", "job_family", "location", "-period"
        )
    )


def shared_benchmarks(*, provider: Organization) -> list[ProviderMarketBenchmark]:
    """The benchmarks a provider shares with every engagement it is the provider of."""
    return list(
        ProviderMarketBenchmark.objects.filter(provider=provider).order_by(
            "metric", "job_family", "location", "-period"
        )
    )


def benchmarks_for(*, engagement: Engagement) -> list[MarketBenchmark | ProviderMarketBenchmark]:
    """Every benchmark the engagement sees: its own, then its provider's shared ones. Two
    queries, whatever the number of rows."""
    return [
        *engagement_benchmarks(engagement=engagement),
        *shared_benchmarks(provider=engagement.provider),
    ]


def can_import_shared(user: Any, provider: Organization) -> bool:
    return (
        provider.kind == OrganizationKind.PROVIDER
        and organization_roles(user).get(provider.pk) in SHARED_IMPORT_ROLES
    )


def providers_for(user: Any) -> list[Organization]:
    """The providers whose shared benchmarks `user` may import."""
    ids = [pk for pk, role in organization_roles(user).items() if role in SHARED_IMPORT_ROLES]
    return list(Organization.objects.filter(pk__in=ids, kind=OrganizationKind.PROVIDER))


# --- The shared file's import ---------------------------------------------------------------


def _error_dicts(table: importing.Table, file_name: str) -> list[dict]:
    if table.from_file:
        return [
            {"file": file_name, "row": row, "column": column, "reason": reason}
            for row, column, reason in table.errors.sorted()
        ]
    return [
        {"index": row, "field": column, "reason": reason}
        for row, column, reason in table.errors.sorted()
    ]


def _cell(value: Any) -> str:
    """A normalised cell as the model stores it: a blank one (None or pandas' NA) is ""."""
    return "" if value is None or pd.isna(value) else str(value)


def _shared_write(provider: Organization, validated: importing.Validated) -> tuple[int, int, int]:
    """Upsert by key: (created, updated, unchanged). The files are small (a few hundred rows)."""
    stored = {
        tuple(getattr(row, k) for k in KEY): row
        for row in ProviderMarketBenchmark.objects.select_for_update().filter(provider=provider)
    }
    created, updated, unchanged = [], [], 0
    for record in validated.frame.to_dict("records"):
        key = tuple(_cell(record[k]) for k in KEY)
        values = {
            "value": Decimal(record["value"]),
            "currency": _cell(record["currency"]),
            "source": _cell(record["source"]),
            "note": _cell(record["note"]),
        }
        row = stored.get(key)
        if row is None:
            row = ProviderMarketBenchmark(provider=provider, **dict(zip(KEY, key, strict=True)))
            for name, value in values.items():
                setattr(row, name, value)
            row.full_clean()
            created.append(row)
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.full_clean()
            updated.append(row)
        else:
            unchanged += 1
    ProviderMarketBenchmark.objects.bulk_create(created)
    ProviderMarketBenchmark.objects.bulk_update(updated, [*FIELDS, "updated_at"])
    return len(created), len(updated), unchanged


def _shared_import(
    *, actor: Any, provider: Organization, table: importing.Table, file_name: str, dry_run: bool
) -> ImportResult:
    if actor is not None and not can_import_shared(actor, provider):
        raise PermissionDenied("Only the provider's admins and account managers import these.")
    validated = importing.table_validate(KIND, table) if table.header else None
    result = ImportResult(kind=KIND, file_name=file_name, header=list(table.header))
    result.sample = [
        ["" if v is None else str(v) for v in row]
        for row in table.head(SAMPLE_ROWS).itertuples(index=False)
    ]
    if validated is None or table.errors:
        result.errors = _error_dicts(table, file_name)
        result.error_count = table.errors.count
        return result
    with transaction.atomic():
        counts = _shared_write(provider, validated)
        if dry_run:
            transaction.set_rollback(True)
    result.ok = True
    result.rows = len(validated.frame)
    result.created, result.updated, result.unchanged = counts
    return result


def shared_file_import(
    *, actor: Any, provider: Organization, file: Any, file_name: str, dry_run: bool = False
) -> ImportResult:
    """Check and upsert a provider's shared benchmarks file (CSV or XLSX), all or nothing.

    `actor` None is the command line (its operator chose the provider); a person or an API
    key must be the provider's admin or account manager. With `dry_run`, the counts are what
    the import would do and nothing is written (the web upload's preview)."""
    data = file if isinstance(file, bytes) else file.read(importing.max_bytes() + 1)
    table = importing.table_from_bytes(data, file_name)
    return _shared_import(
        actor=actor, provider=provider, table=table, file_name=file_name, dry_run=dry_run
    )


def shared_records_import(
    *, actor: Any, provider: Organization, rows: Iterable[Any], dry_run: bool = False
) -> ImportResult:
    """The same for JSON records (the API's bulk endpoint): errors by index and field."""
    table = importing.table_from_records(rows)
    return _shared_import(
        actor=actor, provider=provider, table=table, file_name="", dry_run=dry_run
    )
