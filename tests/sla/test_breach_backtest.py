"""The clause part of `backtest_forecast`: each month's forecast of each clause's period
against the outcome the evaluation gave it once closed."""

import json
from datetime import date
from io import StringIO

from django.core.management import call_command

from sla.forecasting.backtest import clause_backtest
from sla.models import SlaOutcome


def test_each_month_s_forecast_is_scored_against_the_evaluation(sla_engagement):
    result = clause_backtest(sla_engagement, first=date(2025, 2, 1), last=date(2025, 8, 1))
    rows = result["clause_months"]
    assert rows
    evaluated = {
        (o.clause.key, o.period): o.outcome
        for o in SlaOutcome.objects.filter(engagement=sla_engagement, closed=True).select_related(
            "clause"
        )
    }
    compared = 0
    for row in rows:
        assert row["likely"] == (row["likelihood"] >= 0.5)
        # The outcome as of the period's close is the evaluation's of 30 September (for the
        # periods closed by then; the third quarter's were still open).
        if (row["clause"], row["period"]) in evaluated:
            assert row["outcome"] == evaluated[(row["clause"], row["period"])]
            compared += 1
    assert compared >= 10
    breaches = [row for row in rows if row["outcome"] == "breach"]
    assert result["breach_hits"] == sum(row["likely"] for row in breaches)
    assert result["breach_misses"] == sum(not row["likely"] for row in breaches)
    met = [row for row in rows if row["outcome"] == "met"]
    assert result["false_alarms"] == sum(row["likely"] for row in met)
    # A bonus clause is never scored; a quarter is forecast from each of its months.
    assert "S-HMS" not in {row["clause"] for row in rows}
    assert {row["month"] for row in rows if row["clause"] == "S-NPS-Q"} >= {
        "2025-04",
        "2025-05",
        "2025-06",
    }


def test_the_command_adds_the_clause_counts_to_its_json(sla_engagement):
    out = StringIO()
    call_command(
        "backtest_forecast",
        "--engagement",
        sla_engagement.slug,
        "--from",
        "2025-02",
        "--to",
        "2025-08",
        "--format",
        "json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    direct = clause_backtest(sla_engagement, first=date(2025, 2, 1), last=date(2025, 8, 1))
    for key in ("breach_hits", "breach_misses", "false_alarms"):
        assert result[key] == direct[key]
    table = StringIO()
    call_command(
        "backtest_forecast",
        "--engagement",
        sla_engagement.slug,
        "--from",
        "2025-02",
        "--to",
        "2025-08",
        stdout=table,
    )
    assert f"{direct['breach_hits']} breaches forecast" in table.getvalue()


def test_an_engagement_without_clauses_scores_nothing(engagement):
    result = clause_backtest(engagement, first=date(2025, 2, 1), last=date(2025, 8, 1))
    assert result == {"breach_hits": 0, "breach_misses": 0, "false_alarms": 0, "clause_months": []}
