"""Builders of hostile uploads: small files that expand into huge or very wide tables.

Used by `bench.hostile` (time and memory of each refusal) and by the importer's tests (each
is refused with a clear message), at full size in the first and smaller in the second.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable

from openpyxl.utils import get_column_letter

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"

_CONTENT_TYPES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{CONTENT_TYPE}.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CONTENT_TYPE}.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="{CONTENT_TYPE}.sharedStrings+xml"/>
</Types>"""
_ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}"><Relationship Id="rId1"
Type="{RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="{MAIN}" xmlns:r="{RELS}"><sheets>
<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PACKAGE_RELS}">
<Relationship Id="rId1" Type="{RELS}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{RELS}/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def workbook(rows_xml: Iterable[bytes], shared: list[str], dimension: str | None = None) -> bytes:
    """An XLSX file of one sheet whose `<sheetData>` is `rows_xml`, and a shared string table;
    the sheet states its used range `dimension` (as Excel writes it) when given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<worksheet xmlns="{MAIN}">'.encode())
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for row in rows_xml:
                sheet.write(row)
            sheet.write(b"</sheetData></worksheet>")
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(f'<sst xmlns="{MAIN}" count="{len(shared)}">'.encode())
            for text in shared:
                strings.write(f"<si><t>{_text(text)}</t></si>".encode())
            strings.write(b"</sst>")
    return buffer.getvalue()


def _row(number: int, cells: list[tuple[str, str]]) -> bytes:
    """A row of shared-string cells: (column letter, index into the shared strings)."""
    xml = "".join(f'<c r="{column}{number}" t="s"><v>{index}</v></c>' for column, index in cells)
    return f'<row r="{number}">{xml}</row>'.encode()


REQUISITION_HEADER = ["external_id", "title", "opened_on"]


def _header_and_rows(rows: int, title_index: int) -> list[bytes]:
    """Requisitions whose title is the shared string `title_index` (ids and dates inline)."""
    header = _row(1, [("A", "0"), ("B", "1"), ("C", "2")])
    body = [
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>R{n}</t></is></c>'
        f'<c r="B{n}" t="s"><v>{title_index}</v></c>'
        f'<c r="C{n}" t="inlineStr"><is><t>2025-01-10</t></is></c></row>'.encode()
        for n in range(2, rows + 2)
    ]
    return [header, *body]


def long_shared_string_xlsx(characters: int, cells: int = 100) -> bytes:
    """`requisitions.xlsx` whose `cells` titles all refer to one shared string this long."""
    return workbook(_header_and_rows(cells, 3), [*REQUISITION_HEADER, "x" * characters])


def far_column_xlsx(rows: int) -> bytes:
    """`requisitions.xlsx` with a valid header and one cell per row in the last column (XFD)."""
    last = get_column_letter(16_384)
    body = (_row(n, [(last, "3")]) for n in range(2, rows + 2))
    header = _row(1, [("A", "0"), ("B", "1"), ("C", "2")])
    return workbook([header, *body], [*REQUISITION_HEADER, "x"], f"A1:{last}{rows + 1}")


def expanding_xlsx(uncompressed_bytes: int) -> bytes:
    """`requisitions.xlsx` whose sheet is padded with whitespace to about this many bytes once
    uncompressed (a few kilobytes compressed per 10 MB): a classic ZIP bomb."""
    padding = b" " * (1 << 20)

    def rows():
        yield _row(1, [("A", "0"), ("B", "1"), ("C", "2")])
        for _ in range(uncompressed_bytes >> 20):
            yield padding

    return workbook(rows(), REQUISITION_HEADER)


def wide_csv(columns: int) -> bytes:
    """`requisitions.csv` whose header has `columns` columns (the contract's first, then more)."""
    names = [*REQUISITION_HEADER, *(f"c{n}" for n in range(columns - len(REQUISITION_HEADER)))]
    row = ["R1", "Engineer", "2025-01-10", *([""] * (columns - len(REQUISITION_HEADER)))]
    return (",".join(names) + "\n" + ",".join(row) + "\n").encode()


def wide_records(keys: int) -> bytes:
    """A bulk body of one requisition with `keys` keys, as JSON."""
    record = {"external_id": "R1", "title": "Engineer", "opened_on": "2025-01-10"}
    record.update({f"c{n}": "" for n in range(keys - len(record))})
    return json.dumps([record]).encode()


def deep_json(depth: int) -> bytes:
    """A bulk body of lists nested `depth` deep."""
    return b"[" * depth + b"]" * depth
