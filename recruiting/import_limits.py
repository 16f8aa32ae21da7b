"""Bounds on what an import may make the server hold, checked before the work they bound.

A small upload can stand for a huge table (a ZIP expands a thousandfold, one shared string
can fill every cell of a workbook, one CSV line can hold a million columns), so the bytes
received are not enough: each bound here is checked before the data it limits is built.
"""

from __future__ import annotations

from django.conf import settings

# Far above the widest kind of the contract (applications: 14 columns), far below the point
# where column handling costs anything.
MAX_COLUMNS = 256
# The most a spreadsheet cell holds (Excel's limit); no column of the contract allows more.
CELL_MAX_CHARACTERS = 32_767
# A cell of this many characters is at most this many bytes in XML (a character reference
# such as `&#x10FFFF;` is 10 bytes): a longer run of text in a workbook is refused unread.
XML_BYTES_PER_CHARACTER = 10


def max_bytes() -> int:
    return settings.RPO_IMPORT_MAX_BYTES


def xlsx_max_uncompressed_bytes() -> int:
    """The most an XLSX file, and any one of its parts, may expand to once uncompressed."""
    return settings.RPO_IMPORT_XLSX_EXPANSION * settings.RPO_IMPORT_MAX_BYTES


def too_many_columns(count: int, what: str = "The header") -> str | None:
    """The error for a table `count` columns wide, or None if the width is accepted."""
    if count <= MAX_COLUMNS:
        return None
    return f"{what} has {count:,} columns; at most {MAX_COLUMNS} are accepted."


def too_long_cell(where: str) -> str:
    return (
        f"{where} holds a cell of more than {CELL_MAX_CHARACTERS:,} characters "
        "(the most a spreadsheet cell holds)."
    )
