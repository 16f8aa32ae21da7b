"""The synthetic data generator: its rows obey every rule of data-contract.md section 1.

`contract_errors` checks the rows independently of the importer (so a lenient importer cannot
hide a generator bug); the import tests then push the same rows through the real importer.
"""

import csv
import io
import re
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from recruiting.generator import (
    COLUMNS,
    KINDS,
    DataSpec,
    Scope,
    generate_rows,
    generated_data_import,
    scope_for,
    write_csv,
)
from recruiting.models import Application, Requisition
from recruiting.services import records_import
from tests.kpis.freshness import data_changed_at

END = date(2026, 6, 15)
COST_CATEGORIES = {
    "advertising",
    "agency_fees",
    "rpo_fees",
    "assessment",
    "background_checks",
    "travel",
    "relocation",
    "signing_bonus",
    "referral_bonus",
    "recruiter_compensation",
    "recruiting_tools",
    "hiring_manager_time",
    "overhead",
}
SOURCES = {"job_board", "career_site", "referral", "sourced", "agency", "internal", "other"}
BOOLEANS = {"true", "false"}


def _date(value):
    return date.fromisoformat(value) if value else None


def contract_errors(rows, end: date) -> list[str]:
    """Every violation of data-contract.md section 1 in generated rows (and no date after `end`)."""
    errors = []

    def check(ok, message):
        if not ok:
            errors.append(message)

    def check_dates(kind, row, columns):
        for column in columns:
            value = row[column]
            if value:
                check(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value), f"{kind} {column} {value}")
                check(_date(value) <= end, f"{kind} {row.get('external_id')} {column} after end")

    for kind in KINDS:
        for row in rows[kind]:
            check(list(row) == COLUMNS[kind], f"{kind} columns {list(row)}")
        if kind not in ("hiring_plan", "market_benchmarks"):
            ids = [row["external_id"] for row in rows[kind]]
            check(len(ids) == len(set(ids)), f"duplicate {kind} ids")
            check(all(i and len(i) <= 100 for i in ids), f"{kind} id empty or too long")

    requisitions = {}
    for row in rows["requisitions"]:
        rid = row["external_id"]
        requisitions[rid] = row
        check_dates("requisition", row, ["opened_on", "filled_on", "cancelled_on"])
        check(row["title"], f"{rid} no title")
        check(row["priority"] in (None, "low", "normal", "high", "critical"), f"{rid} priority")
        check(int(row["openings"]) >= 1, f"{rid} openings")
        check(int(row["on_hold_days"]) >= 0, f"{rid} on_hold_days")
        opened, filled, cancelled = (
            _date(row[c]) for c in ("opened_on", "filled_on", "cancelled_on")
        )
        check(opened is not None, f"{rid} opened_on missing")
        check(filled is None or filled >= opened, f"{rid} filled before opened")
        check(cancelled is None or cancelled >= opened, f"{rid} cancelled before opened")
        check(not (filled and cancelled), f"{rid} filled and cancelled")
        check(re.fullmatch(r"[^@\s]+@[^@\s]+\.\w+", row["hiring_manager"]), f"{rid} e-mail")

    applications = {}
    accepted_by_requisition = Counter()
    last_decision = {}
    for row in rows["applications"]:
        aid = row["external_id"]
        applications[aid] = row
        check_dates(
            "application",
            row,
            [c for c in COLUMNS["applications"] if c.endswith("_on")],
        )
        check(row["requisition_id"] in requisitions, f"{aid} unknown requisition")
        check(re.fullmatch(r"C-\d+", row["candidate_id"]), f"{aid} candidate id not pseudonymous")
        check(row["source"] in SOURCES, f"{aid} source")
        check(row["diverse"] in (None, *BOOLEANS), f"{aid} diverse")
        applied = _date(row["applied_on"])
        check(applied is not None, f"{aid} applied_on missing")
        previous = applied
        for column in ("screened_on", "interviewed_on", "offered_on"):
            day = _date(row[column])
            if day:
                check(day >= previous, f"{aid} {column} out of order")
                previous = day
        outcome, decided = row["offer_outcome"], _date(row["offer_decided_on"])
        check(outcome in (None, "accepted", "declined"), f"{aid} outcome")
        check(outcome is None or row["offered_on"], f"{aid} outcome without offer")
        check((outcome is None) == (decided is None), f"{aid} decision date without outcome")
        check(decided is None or decided >= _date(row["offered_on"]), f"{aid} decided early")
        started = _date(row["started_on"])
        check(started is None or outcome == "accepted", f"{aid} start without acceptance")
        check(started is None or started >= decided, f"{aid} started before decision")
        for column in ("rejected_on", "withdrawn_on"):
            check(not row[column] or _date(row[column]) >= applied, f"{aid} {column}")
        check(not (outcome == "accepted" and (row["rejected_on"] or row["withdrawn_on"])), aid)
        requisition = requisitions.get(row["requisition_id"])
        if requisition:
            check(applied >= _date(requisition["opened_on"]), f"{aid} applied before opening")
            if outcome == "accepted":
                rid = row["requisition_id"]
                accepted_by_requisition[rid] += 1
                last_decision[rid] = max(last_decision.get(rid, decided), decided)
    for rid, requisition in requisitions.items():
        # filled_on is the date the last opening's offer was accepted.
        if requisition["filled_on"]:
            check(accepted_by_requisition[rid] == int(requisition["openings"]), f"{rid} hires")
            check(last_decision[rid] == _date(requisition["filled_on"]), f"{rid} filled_on")
        else:
            check(accepted_by_requisition[rid] < int(requisition["openings"]), f"{rid} overfilled")

    for row in rows["surveys"]:
        sid = row["external_id"]
        check_dates("survey", row, ["responded_on"])
        check(row["respondent"] in ("candidate", "hiring_manager"), f"{sid} respondent")
        score = int(row["score"])
        scale = range(11) if row["respondent"] == "candidate" else range(1, 6)
        check(score in scale, f"{sid} score {score}")
        if row["application_id"]:
            application = applications.get(row["application_id"])
            check(application is not None, f"{sid} unknown application")
            check(
                row["requisition_id"] in (None, application and application["requisition_id"]),
                f"{sid} links disagree",
            )
        if row["requisition_id"]:
            check(row["requisition_id"] in requisitions, f"{sid} unknown requisition")

    for row in rows["quality"]:
        qid = row["external_id"]
        check_dates("quality", row, ["reviewed_on"])
        application = applications.get(row["application_id"])
        check(application is not None and application["started_on"], f"{qid} not a hire")
        check(row["meets_expectations"] in BOOLEANS, f"{qid} meets_expectations")
        check(row["rating"] is None or 1 <= int(row["rating"]) <= 5, f"{qid} rating")
        check(row["retained_90d"] in (None, *BOOLEANS), f"{qid} retained_90d")

    for row in rows["costs"]:
        check(re.fullmatch(r"\d{4}-\d{2}", row["month"]), f"cost month {row['month']}")
        check(row["category"] in COST_CATEGORIES, f"cost category {row['category']}")
        check(re.fullmatch(r"\d+\.\d{2}", row["amount"]), f"cost amount {row['amount']}")

    plan_keys = set()
    for row in rows["hiring_plan"]:
        key = (row["month"], row["department"], row["location"], row["job_family"])
        check(key not in plan_keys, f"duplicate plan row {key}")
        plan_keys.add(key)
        check(re.fullmatch(r"\d{4}-\d{2}", row["month"]), f"plan month {row['month']}")
        check(int(row["planned_hires"]) >= 0, f"plan {key} negative")

    market_keys = set()
    for row in rows["market_benchmarks"]:
        key = (row["period"], row["job_family"], row["location"], row["metric"])
        check(key not in market_keys, f"duplicate benchmark {key}")
        market_keys.add(key)
        check(re.fullmatch(r"\d{4}-(\d{2}|Q[1-4])", row["period"]), f"benchmark period {key}")
        check(bool(row["currency"]) == (row["metric"] == "salary_median"), f"currency {key}")
        check(float(row["value"]) >= 0, f"benchmark {key} negative")
    return errors


def contract_columns() -> dict[str, list[str]]:
    """The column tables of the data contract's section 1, read from the document itself."""
    text = (Path(settings.BASE_DIR) / "docs" / "data-contract.md").read_text()
    section = text.split("## 1. Import files")[1].split("## 2.")[0]
    columns = {}
    for block in section.split("### ")[1:]:
        kind = block.split()[0]
        columns[kind] = [
            name.strip()
            for line in block.splitlines()[3:]
            if line.startswith("| ")
            for name in line.split("|")[1].split(",")
        ]
    return columns


def test_columns_are_the_contracts():
    assert contract_columns() == COLUMNS


@pytest.fixture(scope="module")
def rows():
    return generate_rows(DataSpec(requisitions=600, seed=7, end=END))


def test_rows_obey_the_contract(rows):
    assert contract_errors(rows, END) == []


def test_rows_cover_every_case_the_kpis_need(rows):
    requisitions, applications = rows["requisitions"], rows["applications"]
    assert {r["filled_on"] is not None for r in requisitions} == {True, False}
    assert any(r["cancelled_on"] for r in requisitions)
    assert any(not r["filled_on"] and not r["cancelled_on"] for r in requisitions)
    assert any(int(r["on_hold_days"]) > 0 for r in requisitions)
    assert {a["offer_outcome"] for a in applications} == {None, "accepted", "declined"}
    assert any(a["started_on"] for a in applications)
    assert any(a["offer_outcome"] == "accepted" and not a["started_on"] for a in applications)
    assert any(a["rejected_on"] for a in applications)
    assert any(a["withdrawn_on"] for a in applications)
    assert {a["diverse"] for a in applications} == {None, "true", "false"}
    assert {a["source"] for a in applications} == SOURCES
    surveys = rows["surveys"]
    assert {s["respondent"] for s in surveys} == {"candidate", "hiring_manager"}
    links = {(bool(s["requisition_id"]), bool(s["application_id"])) for s in surveys}
    assert links == {(False, True), (True, True), (True, False), (False, False)}
    assert {q["retained_90d"] for q in rows["quality"]} == {None, "true", "false"}
    assert {q["meets_expectations"] for q in rows["quality"]} == {"true", "false"}
    months = {c["month"] for c in rows["costs"]}
    assert len(months) == 24
    for month in months:
        assert {c["category"] for c in rows["costs"] if c["month"] == month} == COST_CATEGORIES
    assert {p["month"] for p in rows["hiring_plan"]} == months
    assert min(months) == "2024-07" and max(months) == "2026-06"


def test_application_total_is_exact_and_dates_stay_in_the_window():
    spec = DataSpec(requisitions=51, seed=3, months=6, end=END, applications_per_requisition=7)
    rows = generate_rows(spec)
    assert len(rows["requisitions"]) == 51
    assert len(rows["applications"]) == 51 * 7
    assert min(r["opened_on"] for r in rows["requisitions"]) >= "2026-01-01"
    assert contract_errors(rows, END) == []


def test_same_seed_same_rows_other_seed_other_rows():
    spec = DataSpec(requisitions=80, seed=11, end=END)
    assert generate_rows(spec) == generate_rows(spec)
    assert generate_rows(spec) != generate_rows(DataSpec(requisitions=80, seed=12, end=END))


@pytest.mark.parametrize("seed", range(5))
def test_many_seeds_and_small_windows_obey_the_contract(seed):
    spec = DataSpec(requisitions=150, seed=seed, months=1 + seed * 5, end=END)
    assert contract_errors(generate_rows(spec), END) == []


def test_segments_come_from_the_scope():
    scope = Scope(departments=("Legal",), locations=("Lisbon", "Porto"), job_families=("Law",))
    rows = generate_rows(DataSpec(requisitions=200, seed=1, end=END, scope=scope))
    requisitions = rows["requisitions"]
    assert {r["department"] for r in requisitions} <= {"Legal", None}
    assert {r["location"] for r in requisitions} - {None} == {"Lisbon", "Porto"}
    assert {r["job_family"] for r in requisitions} <= {"Law", None}
    assert {p["department"] for p in rows["hiring_plan"]} == {"Legal", None}


def test_scope_of_an_engagement(engagement):
    engagement.departments = ["Engineering", "Sales"]
    engagement.job_families = ["Software"]
    engagement.regions = ["EMEA", "Atlantis"]
    scope = scope_for(engagement)
    assert scope.departments == ("Engineering", "Sales")
    assert scope.job_families == ("Software",)
    assert "Berlin" in scope.locations and "Atlantis" in scope.locations
    engagement.departments, engagement.job_families, engagement.regions = [], [], []
    assert scope_for(engagement) == Scope()


def test_csv_files_hold_the_same_rows(tmp_path):
    spec = DataSpec(requisitions=40, seed=5, end=END)
    counts = write_csv(spec, tmp_path)
    rows = generate_rows(spec)
    assert counts == {kind: len(rows[kind]) for kind in KINDS}
    for kind in KINDS:
        with open(tmp_path / f"{kind}.csv", newline="", encoding="utf-8") as file:
            read = list(csv.DictReader(file))
        assert list(read[0]) == COLUMNS[kind]
        assert read == [{k: v or "" for k, v in row.items()} for row in rows[kind]]


def generate_data(*args: str) -> str:
    out = io.StringIO()
    call_command("generate_data", *args, stdout=out)
    return out.getvalue()


def test_generate_data_out_writes_the_files(engagement, tmp_path):
    printed = generate_data(
        *("--engagement", engagement.slug, "--requisitions", "30", "--seed", "2"),
        *("--end", "2026-06-15", "--out", str(tmp_path)),
    )
    expected = generate_rows(
        DataSpec(requisitions=30, seed=2, end=END, scope=scope_for(engagement))
    )
    for kind in KINDS:
        assert f"{kind}.csv: {len(expected[kind])} rows" in printed
        with open(tmp_path / f"{kind}.csv", newline="", encoding="utf-8") as file:
            assert sum(1 for _ in csv.DictReader(file)) == len(expected[kind])


def test_generate_data_refuses_bad_arguments(engagement):
    with pytest.raises(CommandError, match="No engagement"):
        generate_data("--engagement", "nope", "--requisitions", "3")
    with pytest.raises(CommandError, match="not a date"):
        generate_data("--engagement", engagement.slug, "--requisitions", "3", "--end", "2026-13-01")
    with pytest.raises(CommandError, match="months >= 1"):
        generate_data("--engagement", engagement.slug, "--requisitions", "3", "--months", "0")


def test_generated_files_pass_the_importer_and_import_again_unchanged(engagement):
    spec = DataSpec(requisitions=60, seed=4, end=END, scope=scope_for(engagement))
    rows = generate_rows(spec)
    first = generated_data_import(actor=None, engagement=engagement, spec=spec)
    assert {kind: r.errors for kind, r in first.items()} == {kind: [] for kind in KINDS}
    assert {kind: r.created for kind, r in first.items()} == {k: len(rows[k]) for k in KINDS}
    assert Application.objects.filter(engagement=engagement).count() == len(rows["applications"])
    assert Application.objects.filter(
        engagement=engagement, started_on__isnull=False
    ).count() == sum(1 for a in rows["applications"] if a["started_on"])
    again = generated_data_import(actor=None, engagement=engagement, spec=spec)
    assert {kind: (r.created, r.updated) for kind, r in again.items()} == dict.fromkeys(
        KINDS, (0, 0)
    )
    assert {kind: r.unchanged for kind, r in again.items()} == {k: len(rows[k]) for k in KINDS}


def test_records_import_takes_the_rows_as_they_are(engagement):
    rows = generate_rows(DataSpec(requisitions=20, seed=9, end=END))
    for kind in KINDS:
        result = records_import(
            actor=None, engagement=engagement, kind=kind, rows=rows[kind], source="command"
        )
        assert result.errors == [], kind
        assert result.created == len(rows[kind])


def test_generate_data_imports_and_a_second_run_changes_nothing(engagement, other_engagement):
    args = ("--engagement", engagement.slug, "--requisitions", "25", "--seed", "8")
    args += ("--end", "2026-06-15", "--months", "12")
    printed = generate_data(*args)
    rows = generate_rows(
        DataSpec(requisitions=25, seed=8, months=12, end=END, scope=scope_for(engagement))
    )
    assert f"applications: {len(rows['applications'])} created, 0 updated" in printed
    assert Requisition.objects.filter(engagement=engagement).count() == 25
    assert not Requisition.objects.filter(engagement=other_engagement).exists()
    printed = generate_data(*args)
    for kind in KINDS:
        assert f"{kind}: 0 created, 0 updated, {len(rows[kind])} unchanged" in printed
    assert data_changed_at(engagement) is not None


def test_demo_engagements_get_two_years_of_data_once(db):
    from engagements.models import Engagement
    from orchestration.demo import seed_engagements, seed_organizations_and_people
    from recruiting.demo import DEMO_REQUISITIONS, seed_recruiting_data

    log = []
    seed_organizations_and_people(log.append)
    seed_engagements(log.append)
    seed_recruiting_data(log.append)
    for slug, requisitions in DEMO_REQUISITIONS.items():
        engagement = Engagement.objects.get(slug=slug)
        stored = Requisition.objects.filter(engagement=engagement)
        assert stored.count() == requisitions
        assert set(stored.values_list("department", flat=True)) <= {*engagement.departments, ""}
        assert Application.objects.filter(engagement=engagement, started_on__isnull=False).exists()
    counts = Application.objects.count()
    seed_recruiting_data(log.append)
    assert Application.objects.count() == counts
    assert sum("already there" in line for line in log) == len(DEMO_REQUISITIONS)
