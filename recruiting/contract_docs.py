"""The tables of docs/data-contract.md, written from the contract: section 1's kinds and
the SLA schedule's (section 5).

`python manage.py contract_docs` prints them; a test checks that the page holds them as
written here, so the page cannot drift from what the importer checks.
"""

from __future__ import annotations

from itertools import groupby

from recruiting.contract import KINDS, UPLOAD_KINDS, Column, Kind

DOC_PATH = "docs/data-contract.md"


def _required(column: Column) -> str:
    if column.required_doc:
        return column.required_doc
    return "yes" if column.required else "no"


def _cells(*cells: str) -> str:
    return "|" + "|".join(f" {c} " if c else " " for c in cells) + "|"


def kind_table(kind: Kind) -> str:
    """A kind's table: one row per column, neighbours with the same rule in one row."""
    lines = [_cells("column", "required", "rule"), "|---|---|---|"]
    for (required, doc), columns in groupby(kind.columns, key=lambda c: (_required(c), c.doc)):
        lines.append(_cells(", ".join(c.name for c in columns), required, doc))
    return "\n".join(lines)


def kind_section(kind: Kind) -> str:
    """The heading and the table of a kind, as the page holds them."""
    return f"### {kind.name}\n{kind_table(kind)}\n"


def sections() -> list[str]:
    """The ATS kinds' sections of section 1."""
    return [kind_section(kind) for kind in KINDS.values()]


def upload_tables() -> list[str]:
    """The tables of the kinds uploaded on their own pages (the SLA schedule, section 5)."""
    return [kind_table(kind) for kind in UPLOAD_KINDS.values()]
