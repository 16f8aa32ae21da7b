"""The backtest command replays months on the generator's data."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from recruiting.generator import DataSpec, generated_data_import
from recruiting.models import Application

END = date(2026, 6, 30)


@pytest.fixture
def generated(engagement, account_manager):
    generated_data_import(
        actor=account_manager,
        engagement=engagement,
        spec=DataSpec(requisitions=240, seed=7, end=END, months=18),
    )
    return engagement


def run(*args) -> str:
    out = StringIO()
    call_command("backtest_forecast", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_json_has_the_months_and_the_errors(generated):
    result = json.loads(
        run(
            "--engagement",
            generated.slug,
            "--from",
            "2026-01",
            "--to",
            "2026-06",
            "--format",
            "json",
        )
    )
    assert set(result) == {
        *("months", "mae_forecast", "mae_plan", "mae_last3", "coverage"),
        *("breach_hits", "breach_misses", "false_alarms", "clause_months"),
    }
    assert [m["month"] for m in result["months"]] == [f"2026-0{i}" for i in range(1, 7)]
    march = result["months"][2]
    hires = Application.objects.filter(
        engagement=generated, started_on__gte=date(2026, 3, 1), started_on__lt=date(2026, 4, 1)
    ).count()
    assert march["actual"] == hires
    assert march["p10"] <= march["forecast"] <= march["p90"]
    errors = [abs(m["forecast"] - m["actual"]) for m in result["months"]]
    assert result["mae_forecast"] == pytest.approx(sum(errors) / 6, abs=0.01)
    inside = [m["p10"] <= m["actual"] <= m["p90"] for m in result["months"]]
    assert result["coverage"] == pytest.approx(sum(inside) / 6)


@pytest.mark.django_db
def test_table_and_refusals(generated):
    text = run("--engagement", generated.slug, "--from", "2026-05", "--to", "2026-06")
    assert "2026-05" in text and "mean absolute error" in text
    with pytest.raises(CommandError):
        run("--engagement", "nobody", "--from", "2026-05", "--to", "2026-06")
    with pytest.raises(CommandError):
        run("--engagement", generated.slug, "--from", "2026-06", "--to", "2026-05")
