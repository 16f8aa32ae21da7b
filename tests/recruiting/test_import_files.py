"""Import files as files: empty, encodings, quoting, XLSX, names that disagree with the content,
size, formula cells, telling the kind, and every error at once."""

import codecs

import pytest
from django.test import override_settings

from recruiting.models import Requisition
from tests.recruiting.helpers import (
    csv_bytes,
    import_bytes,
    only_error,
    reasons,
    requisitions,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("data", [b"", b"\n\n", codecs.BOM_UTF8])
def test_empty_file(engagement, data):
    assert only_error(import_bytes(engagement, data, "requisitions.csv")) == (
        None,
        None,
        "The file is empty.",
    )


def test_header_without_rows(engagement):
    result = import_bytes(engagement, csv_bytes("external_id,title,opened_on"), "requisitions.csv")
    assert only_error(result) == (None, None, "The file has a header but no rows.")


def test_bom_and_quoting(engagement):
    data = codecs.BOM_UTF8 + csv_bytes(
        "external_id,title,opened_on,recruiter",
        'R1,"Engineer, ""Senior""\nBackend",2025-01-10,Zoë',
        "",
        "R2,Analyst,2025-01-11,",
    )
    result = import_bytes(engagement, data, "requisitions.csv")
    assert result.ok, result.errors
    assert Requisition.objects.get(external_id="R1").title == 'Engineer, "Senior"\nBackend'
    assert Requisition.objects.get(external_id="R1").recruiter == "Zoë"


def test_rows_of_empty_cells_are_not_records_and_rows_keep_their_numbers(engagement):
    data = csv_bytes(
        "external_id,title,opened_on", "R1,A,2025-01-10", ",,", "", " ,,", "R2,,2025-01-11"
    )
    result = import_bytes(engagement, data, "requisitions.csv")
    # " " is a value (a blank id), so row 5 is a record; rows 3 and 4 are not.
    assert reasons(result) == [
        (5, "external_id", "Required: this cell is blank."),
        (5, "title", "Required: this cell is blank."),
        (5, "opened_on", "Required: this cell is blank."),
        (6, "title", "Required: this cell is blank."),
    ]


def test_non_utf8_file(engagement):
    data = "external_id,title,opened_on\nR1,Ingénieur,2025-01-10\n".encode("latin-1")
    row, column, reason = only_error(import_bytes(engagement, data, "requisitions.csv"))
    assert row == 2 and "not UTF-8" in reason


def test_csv_renamed_xlsx(engagement):
    data = csv_bytes("external_id,title,opened_on", "R1,Engineer,2025-01-10")
    reason = only_error(import_bytes(engagement, data, "requisitions.xlsx"))[2]
    assert "is not an Excel workbook" in reason
    assert not Requisition.objects.exists()


def test_xlsx_renamed_csv(engagement):
    data = xlsx_bytes([["external_id", "title", "opened_on"], ["R1", "Engineer", "2025-01-10"]])
    assert (
        "looks like an Excel workbook"
        in only_error(import_bytes(engagement, data, "requisitions.csv"))[2]
    )


def test_broken_xlsx(engagement):
    data = b"PK\x03\x04" + b"\x00" * 100
    assert (
        "not a readable XLSX" in only_error(import_bytes(engagement, data, "requisitions.xlsx"))[2]
    )


@override_settings(RPO_IMPORT_MAX_BYTES=100)
def test_file_over_the_size_limit(engagement):
    data = csv_bytes(
        "external_id,title,opened_on", *[f"R{i},Engineer,2025-01-10" for i in range(10)]
    )
    assert only_error(import_bytes(engagement, data, "requisitions.csv"))[2] == (
        "The file is larger than the limit of 100 bytes."
    )


@pytest.mark.parametrize("payload", ['=HYPERLINK("x")', "+1+1", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_formula_injection_in_csv_cells(engagement, payload):
    data = csv_bytes("external_id,title,opened_on", f'R1,"{payload}",2025-01-10')
    row, column, reason = only_error(import_bytes(engagement, data, "requisitions.csv"))
    assert (row, column) == (2, "title") and "formula" in reason


def test_xlsx_import(engagement):
    import datetime as dt

    data = xlsx_bytes(
        [
            ["External_Id", "Title", "Opened_On", "Openings", "Filled_On"],
            ["R1", "Engineer", dt.date(2025, 1, 10), 2, None],
            ["R2", "Analyst", "2025-01-11", None, "2025-02-01"],
        ]
    )
    result = import_bytes(engagement, data, "requisitions.xlsx")
    assert result.ok, result.errors
    r1, r2 = Requisition.objects.filter(engagement=engagement).order_by("external_id")
    assert (str(r1.opened_on), r1.openings, r2.openings, str(r2.filled_on)) == (
        "2025-01-10",
        2,
        1,
        "2025-02-01",
    )


def test_xlsx_formula_cells_are_errors(engagement):
    data = xlsx_bytes(
        [["external_id", "title", "opened_on"], ["R1", None, "2025-01-10"]],
        formulas={(1, 1): '=CONCAT("a","b")'},
    )
    row, column, reason = only_error(import_bytes(engagement, data, "requisitions.xlsx"))
    assert (row, column) == (2, "title") and reason.startswith("Formula cells are not accepted")


def test_xlsx_text_cell_with_formula_payload(engagement):
    data = xlsx_bytes([["external_id", "title", "opened_on"], ["R1", "@SUM(1)", "2025-01-10"]])
    assert only_error(import_bytes(engagement, data, "requisitions.xlsx"))[:2] == (2, "title")


def test_kind_detected_from_header(engagement):
    data = csv_bytes("external_id,month,category,amount", "K1,2025-01,advertising,10")
    result = import_bytes(engagement, data, "export.csv")
    assert result.ok and result.kind == "costs"


def test_kind_cannot_be_told(engagement):
    data = csv_bytes("external_id", "X1")
    assert "Cannot tell which kind" in only_error(import_bytes(engagement, data, "export.csv"))[2]


def test_every_error_at_once(engagement):
    data = csv_bytes(
        "external_id,title,opened_on,priority",
        "R1,,2025-01-10,low",
        "R2,B,soon,low",
        "R3,C,2025-01-10,top",
    )
    result = import_bytes(engagement, data, "requisitions.csv")
    assert [(r, c) for r, c, _ in reasons(result)] == [
        (2, "title"),
        (3, "opened_on"),
        (4, "priority"),
    ]
    assert result.error_count == 3


@override_settings(RPO_IMPORT_MAX_ERRORS=5)
def test_errors_are_all_counted_and_the_first_kept(engagement):
    lines = [f"R{i},,2025-01-10" for i in range(20)]
    result = requisitions(engagement, *lines)
    assert result.error_count == 20
    assert [e["row"] for e in result.errors] == [2, 3, 4, 5, 6]
