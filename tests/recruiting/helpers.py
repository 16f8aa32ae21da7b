"""Small builders for import tests: CSV text from rows, XLSX bytes from rows."""

import datetime as dt
import io

import xlsxwriter

from recruiting.services import file_import
from tests.data import SAMPLE_DIR

SAMPLE = SAMPLE_DIR
SAMPLE_FILES = [
    "requisitions.csv",
    "applications.csv",
    "surveys.csv",
    "quality.csv",
    "costs.csv",
    "hiring_plan.csv",
]

REQUISITION_HEADER = "external_id,title,opened_on"
APPLICATION_HEADER = (
    "external_id,requisition_id,candidate_id,source,applied_on,screened_on,interviewed_on,"
    "offered_on,offer_outcome,offer_decided_on,started_on"
)


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def xlsx_bytes(rows: list[list], formulas: dict[tuple[int, int], str] | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, date_format)
            elif value is not None:
                sheet.write(r, c, value)
    for (r, c), formula in (formulas or {}).items():
        sheet.write_formula(r, c, formula, value=1)
    book.close()
    return buffer.getvalue()


def import_bytes(engagement, data: bytes, file_name: str, kind=None, actor=None, **kwargs):
    return file_import(
        actor=actor, engagement=engagement, file=data, file_name=file_name, kind=kind, **kwargs
    )


def reasons(result) -> list[tuple]:
    """(row, column, reason) of each error, for compact assertions."""
    return [
        (e.get("row", e.get("index")), e.get("column", e.get("field")), e["reason"])
        for e in result.errors
    ]


def only_error(result) -> tuple:
    """The one error of a refused import."""
    assert not result.ok
    assert len(result.errors) == 1, result.errors
    return reasons(result)[0]


def requisitions(engagement, *lines: str):
    return import_bytes(engagement, csv_bytes(REQUISITION_HEADER, *lines), "requisitions.csv")
