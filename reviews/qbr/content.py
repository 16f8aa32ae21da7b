"""What a QBR pack holds, independent of its file format.

A pack is a list of sections; each section is a title, some sentences (for the PDF) and
tables (a sheet's rows in Excel, one file each in the CSV zip, a table in the PDF). The whole
content is plain JSON, stored on the pack when it is generated: the files are drawn from that
frozen snapshot, never from the live tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# Kinds of column: how each writer formats a cell.
TEXT = "text"
NUMBER = "number"  # an integer or plain decimal
VALUE = "value"  # a KPI value in its KPI's unit (the row names the KPI in `units`)
PERCENT = "percent"  # 0-100 scale
MONEY = "money"  # an amount in the engagement's currency, to the cent
DATE = "date"  # ISO date text
DATETIME = "datetime"  # ISO date-time text (UTC)
STATUS = "status"  # a status key; shown as its word (and its colour)


@dataclass
class Column:
    heading: str
    kind: str = TEXT
    width: int = 14
    # A measured KPI value: the Excel cell holds it as shown (its KPI's decimals, half away
    # from zero, the contract's rule), the CSV the exact value. Targets and thresholds are
    # written as agreed.
    as_shown: bool = False
    # The Excel pack writes the exact value in a column of its own beside the one as shown,
    # where the pack judges by it (a scorecard status, an SLA outcome against its threshold).
    exact_beside: bool = False


@dataclass
class Table:
    key: str  # the CSV file's name
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    # Per row, the KPI key whose unit formats the row's VALUE cells (tables mixing KPIs).
    units: list[str] = field(default_factory=list)
    # The sheet's frozen header: the main table of a sheet comes first.
    primary: bool = False
    # False for a table the PDF draws as a picture instead (the risk heat map).
    in_pdf: bool = True
    # Per row, the kind of its last cell where it differs from the column's (a table of
    # facts: a date among texts); "" keeps the column's.
    last_kinds: list[str] = field(default_factory=list)

    def kind(self, row: int, col: int) -> str:
        if col == len(self.columns) - 1 and self.last_kinds and self.last_kinds[row]:
            return self.last_kinds[row]
        return self.columns[col].kind


@dataclass
class Chart:
    """A line per KPI over the rows [first, last] of a table (months, value, target)."""

    kpi: str
    title: str
    table: str
    first: int
    last: int
    target: float | None = None
    threshold: float | None = None
    currency: str = ""  # a money KPI's figures are drawn with it


@dataclass
class Section:
    key: str
    title: str
    sheet: str  # the Excel sheet the section's tables go to
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    # The risk heat map's counts, grid[impact - 1][likelihood - 1] (drawn in the PDF).
    heat_map: list[list[int]] | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> Section:
        tables = [
            Table(**{**t, "columns": [Column(**c) for c in t["columns"]]}) for t in data["tables"]
        ]
        charts = [Chart(**c) for c in data["charts"]]
        return cls(**{**data, "tables": tables, "charts": charts})

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


@dataclass
class PackContent:
    """The snapshot: facts about the pack (`meta`) and its sections in reading order."""

    meta: dict[str, Any]
    sections: list[Section]

    def to_json(self) -> dict:
        return {"meta": self.meta, "sections": [s.to_json() for s in self.sections]}

    @classmethod
    def from_json(cls, data: dict) -> PackContent:
        return cls(meta=data["meta"], sections=[Section.from_json(s) for s in data["sections"]])

    def tables(self) -> list[Table]:
        return [table for section in self.sections for table in section.tables]

    def find_table(self, key: str) -> Table:
        return next(t for t in self.tables() if t.key == key)
