"""Uploads that expand into huge or very wide tables are refused at once, with one clear error;
and the formula rule holds for text as it is stored, in every kind, file and the bulk API."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from bench import hostile_files
from kpis.models import MetricValue
from recruiting import importing, xlsx
from recruiting.import_limits import MAX_COLUMNS
from recruiting.models import Application, Cost, HiringPlanLine, Requisition
from rpo_portal.text_rules import FORMULA_REASON
from tests.factories import member
from tests.recruiting.helpers import csv_bytes, import_bytes, reasons, xlsx_bytes

pytestmark = pytest.mark.django_db


def only_reason(result) -> str:
    assert not result.ok
    assert result.error_count == 1, reasons(result)[:3]
    return reasons(result)[0][2]


# --- XLSX: expansion, long strings, far columns -----------------------------------------------


def test_one_long_shared_string_referred_to_by_every_title_is_refused_unread(engagement):
    data = hostile_files.long_shared_string_xlsx(characters=1_000_000, cells=100)
    reason = only_reason(import_bytes(engagement, data, "requisitions.xlsx"))
    assert reason == (
        "The workbook holds a cell of more than 32,767 characters (the most a spreadsheet "
        "cell holds)."
    )
    assert not Requisition.objects.filter(engagement=engagement).exists()


def test_a_cell_longer_than_a_spreadsheet_cell_is_refused_with_its_row(engagement):
    data = hostile_files.long_shared_string_xlsx(characters=40_000, cells=3)
    reason = only_reason(import_bytes(engagement, data, "requisitions.xlsx"))
    assert reason.startswith("Row 2 holds a cell of more than 32,767 characters")


def test_long_titles_are_reported_per_row_without_a_copy_per_reference(engagement):
    # Within the cell limit but over the title's: every row gets its error.
    data = hostile_files.long_shared_string_xlsx(characters=20_000, cells=50)
    result = import_bytes(engagement, data, "requisitions.xlsx")
    assert result.error_count == 50
    assert {r[1:] for r in reasons(result)} == {("title", "At most 300 characters.")}


def test_one_cell_per_row_in_the_last_column_is_refused_at_the_first_row(engagement):
    data = hostile_files.far_column_xlsx(rows=2_000)
    reason = only_reason(import_bytes(engagement, data, "requisitions.xlsx"))
    assert reason == "Row 2 has a value in column XFD: at most 256 columns are accepted."


def test_a_header_wider_than_the_column_limit_is_refused(engagement):
    header = [f"c{n}" for n in range(MAX_COLUMNS + 1)]
    data = xlsx_bytes([header, ["x"] * len(header)])
    reason = only_reason(import_bytes(engagement, data, "requisitions.xlsx"))
    assert reason == "The header has 257 columns; at most 256 are accepted."


def test_values_right_of_the_header_within_the_limit_are_still_reported_per_row(engagement):
    rows = [
        ["external_id", "title", "opened_on"],
        *[[f"R{n}", "T", "2025-01-10"] for n in range(3)],
    ]
    rows[1] += [None] * 10 + ["stray"]
    rows[3] += [None] * 20 + ["stray"]
    result = import_bytes(engagement, xlsx_bytes(rows), "requisitions.xlsx")
    assert reasons(result) == [
        (2, None, "A value is in a column that has no header."),
        (4, None, "A value is in a column that has no header."),
    ]


@override_settings(RPO_IMPORT_MAX_BYTES=1_000_000, RPO_IMPORT_XLSX_EXPANSION=4)
def test_a_workbook_expanding_past_the_bound_is_refused_before_it_is_parsed(engagement):
    data = hostile_files.expanding_xlsx(uncompressed_bytes=5 << 20)
    assert len(data) < 1_000_000
    reason = only_reason(import_bytes(engagement, data, "requisitions.xlsx"))
    assert reason.startswith("The workbook expands to more than 4,000,000 bytes once uncompressed")


@override_settings(RPO_IMPORT_MAX_BYTES=100_000, RPO_IMPORT_XLSX_EXPANSION=1)
def test_the_text_the_cells_refer_to_is_bounded_too(engagement):
    # Each reference to a 2,000-character string counts: 100 of them are 200,000 characters.
    data = hostile_files.long_shared_string_xlsx(characters=2_000, cells=100)
    reason = only_reason(import_bytes(engagement, data, "requisitions.xlsx"))
    assert reason.startswith("By row 51 the sheet's cells hold more than 100,000 characters")


def test_text_run_scan_finds_a_run_across_chunks(monkeypatch):
    import io

    monkeypatch.setattr(xlsx, "SCAN_BYTES", 4)
    # Runs of bytes between two "<" (tag names included: the bound is far above any).
    assert xlsx.longest_text_run_within(io.BytesIO(b"<1234<123456<12<"), 6)
    assert not xlsx.longest_text_run_within(io.BytesIO(b"<1234<1234567<12<"), 6)
    assert not xlsx.longest_text_run_within(io.BytesIO(b"1234567<"), 6)
    assert not xlsx.longest_text_run_within(io.BytesIO(b"<1234567"), 6)
    assert not xlsx.longest_text_run_within(io.BytesIO(b"<12<34567890123"), 6)


def test_an_ordinary_workbook_still_imports(engagement):
    rows = [["external_id", "title", "opened_on"], ["R1", "Engineer", "2025-01-10"]]
    assert import_bytes(engagement, xlsx_bytes(rows), "requisitions.xlsx").ok


# --- Width: CSV and JSON records --------------------------------------------------------------


def test_a_csv_header_of_70000_columns_is_refused_at_once(engagement):
    reason = only_reason(
        import_bytes(engagement, hostile_files.wide_csv(70_000), "requisitions.csv")
    )
    assert reason == "The header has 70,000 columns; at most 256 are accepted."


def test_commas_inside_quoted_header_names_are_not_columns(engagement):
    name = '"' + "," * 300 + '"'
    result = import_bytes(
        engagement,
        csv_bytes(f"external_id,title,opened_on,{name}", "R1,T,2025-01-10,"),
        "requisitions.csv",
    )
    assert [r[2] for r in reasons(result)][0].startswith("Unknown column for requisitions")


def test_a_header_of_many_repeated_names_reports_each_repeat(engagement):
    header = ",".join(["external_id", "title", "opened_on", *["x"] * 200])
    result = import_bytes(engagement, csv_bytes(header, "R1,T,2025-01-10" + "," * 200), "r.csv")
    repeats = [r for r in reasons(result) if r[2].startswith("This column appears more than once")]
    assert len(repeats) == 199


def test_bulk_body_with_70000_keys_is_refused_at_once(engagement):
    user = member(engagement.provider, "account_manager")
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    url = reverse("api:requisitions-bulk", kwargs={"engagement_id": engagement.pk})
    response = client.post(url, hostile_files.wide_records(70_000), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "index": 0,
            "field": None,
            "reason": "Record 0 has 70,000 columns; at most 256 are accepted.",
        }
    ]


def test_records_together_cannot_name_more_columns_than_the_limit():
    records = [{"external_id": f"R{n}", f"c{n}": ""} for n in range(MAX_COLUMNS)]
    table = importing.table_from_records(records)
    assert table.errors.sorted() == [
        (255, None, "The records together has 257 columns; at most 256 are accepted.")
    ]


# --- The formula rule on text as stored -------------------------------------------------------

HIDDEN_FORMULAS = [
    ' =HYPERLINK("http://x.example","y")',
    "\u00a0+1+cmd|' /C calc'!A0",
    "\u2003@SUM(1)",
]


@pytest.mark.parametrize("payload", HIDDEN_FORMULAS)
def test_formula_behind_whitespace_in_csv_is_refused(engagement, payload):
    quoted = payload.replace('"', '""')
    data = csv_bytes("external_id,title,opened_on", f'R1,"{quoted}",2025-01-10')
    result = import_bytes(engagement, data, "requisitions.csv")
    assert reasons(result) == [(2, "title", FORMULA_REASON)]


@pytest.mark.parametrize("payload", HIDDEN_FORMULAS)
def test_formula_behind_whitespace_in_xlsx_is_refused(engagement, payload):
    data = xlsx_bytes([["external_id", "title", "opened_on"], ["R1", payload, "2025-01-10"]])
    result = import_bytes(engagement, data, "requisitions.xlsx")
    assert reasons(result) == [(2, "title", FORMULA_REASON)]


@pytest.mark.parametrize(
    ("kind", "header", "row", "column"),
    [
        ("requisitions", "external_id,title,opened_on", '" =1",T,2025-01-10', "external_id"),
        (
            "applications",
            "external_id,requisition_id,candidate_id,source,applied_on",
            'A1,R1," +C1",referral,2025-01-11',
            "candidate_id",
        ),
        (
            "surveys",
            "external_id,respondent,responded_on,score",
            '" @S",candidate,2025-01-12,9',
            "external_id",
        ),
        (
            "quality",
            "external_id,application_id,reviewed_on,meets_expectations",
            '"\u00a0=Q",A1,2025-05-01,true',
            "external_id",
        ),
        (
            "costs",
            "external_id,month,category,amount,note",
            'K1,2025-01,advertising,10," =cmd"',
            "note",
        ),
        ("hiring_plan", "month,department,planned_hires", '2025-01," =Sales",3', "department"),
    ],
)
def test_formula_behind_whitespace_is_refused_in_every_kind(engagement, kind, header, row, column):
    result = import_bytes(engagement, csv_bytes(header, row), f"{kind}.csv", kind=kind)
    assert (2, column, FORMULA_REASON) in reasons(result)
    assert not Cost.objects.exists() and not HiringPlanLine.objects.exists()
    assert not Application.objects.exists()


@pytest.mark.parametrize("payload", HIDDEN_FORMULAS)
def test_formula_behind_whitespace_in_the_bulk_api_is_refused(engagement, payload):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(member(engagement.provider, "account_manager"))
    url = reverse("api:requisitions-bulk", kwargs={"engagement_id": engagement.pk})
    body = [{"external_id": "R1", "title": payload, "opened_on": "2025-01-10"}]
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "field": "title", "reason": FORMULA_REASON}]
    assert not Requisition.objects.exists()


# A minus first is kept by the import (it also starts ordinary text) and quoted on the way out.
@pytest.mark.parametrize("segment", [" =HYPERLINK(1)", "-2+3 Ops"])
def test_export_quotes_text_a_spreadsheet_would_run(engagement, capsys, segment):
    import datetime as dt

    from kpis.registry import DEFINITION_VERSION

    MetricValue.objects.create(
        engagement=engagement,
        kpi="time_to_fill",
        version=DEFINITION_VERSION,
        grain="month",
        period="2025-01",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 1, 31),
        dimension="department",
        segment=segment,
        n=1,
        value=-3.5,
        computed_at=timezone.now(),
    )
    call_command("export_metrics", "--engagement", engagement.slug)
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out.removeprefix("\ufeff"))))
    assert rows[1][4:6] == ["'" + segment, "-3.5"]  # the text quoted, the negative number not
