"""The sample data and SLA schedule give exactly the rows of the two expected files."""

import csv
import io

import pytest
from django.core.management import call_command

from tests.kpis.sample import SAMPLE_DIR

TOLERANCE = 0.01


def expected(name: str) -> list[dict[str, str]]:
    with open(SAMPLE_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def exported(engagement, table: str) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command(
        "export_sla",
        "--engagement",
        engagement.slug,
        "--table",
        table,
        "--format",
        "csv",
        stdout=out,
    )
    return list(csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff"))))


def same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return abs(float(a) - float(b)) <= TOLERANCE
    except ValueError:
        return False


def matches(rows, want, key_columns):
    by_key = {tuple(r[c] for c in key_columns): r for r in rows}
    problems = []
    for row in want:
        key = tuple(row[c] for c in key_columns)
        got = by_key.pop(key, None)
        if got is None:
            problems.append(f"missing {key}")
            continue
        for column, value in row.items():
            if not same(got[column], value):
                problems.append(f"{key} {column}: got {got[column]!r}, expected {value!r}")
    problems.extend(f"unexpected {key}" for key in by_key)
    return problems


@pytest.mark.django_db
def test_the_evaluation_export_gives_every_expected_row_and_no_other(sla_engagement):
    rows = exported(sla_engagement, "evaluation")
    want = expected("expected_sla_evaluation.csv")
    assert list(rows[0]) == list(want[0])
    assert matches(rows, want, ["clause", "period"]) == []


@pytest.mark.django_db
def test_the_ledger_export_gives_every_expected_row_and_no_other(sla_engagement):
    rows = exported(sla_engagement, "ledger")
    want = expected("expected_sla_ledger.csv")
    assert list(rows[0]) == list(want[0])
    assert matches(rows, want, ["clause", "period", "event"]) == []
