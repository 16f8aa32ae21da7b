"""Validating a table against its kind's contract (`recruiting.contract`).

Every rule of the contract for the table's kind (columns, types, enums, ranges, the rules
between a row's columns, defaults, duplicate keys) gives a normalised frame and every error,
each with its row, column and reason; references are `reference.references_check`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute

from recruiting.contract import (
    KINDS,
    InOrder,
    Kind,
    Needs,
    NotBoth,
    OnOrAfter,
    RangeWhen,
    RequiredWhen,
    Rule,
)
from recruiting.importing.cells import Cell, column_parse
from recruiting.importing.errors import Errors
from recruiting.importing.read import Table


@dataclass
class Validated:
    """A kind's normalised cells (text ready for COPY; None = NULL) and what references need."""

    kind: Kind
    frame: pd.DataFrame
    dates: dict[str, pd.Series]
    blank: dict[str, pd.Series]
    from_file: bool = True


def _mask(series: pd.Series) -> pd.Series:
    return series.fillna(False).astype(bool)


def table_validate(kind_name: str, table: Table) -> Validated | None:
    """Check a table against its kind's columns and row rules; errors go to `table.errors`."""
    kind = KINDS[kind_name]
    frame = _frame_prepare(kind, table, table.errors)
    if frame is None:
        return None
    validated = rows_validate(kind, frame, table.errors, table)
    duplicates(validated, table.errors)
    return validated


def _frame_prepare(kind: Kind, table: Table, errors: Errors) -> pd.DataFrame | None:
    """The table's records under the kind's columns, after the header's checks; None if the
    header is unusable or there is no record."""
    frame = table.frame
    if not table.header or not columns_check(kind, table, errors):
        return None
    frame = record_rows(frame, table.from_file)
    if frame.shape[0] == 0:
        what = "The file has a header but no rows." if table.from_file else "There are no records."
        errors.add(None, None, what)
        return None
    return frame


def columns_check(kind: Kind, table: Table, errors: Errors) -> bool:
    """Unknown and missing columns; False when a required one is missing."""
    columns = table.columns
    header_row = 1 if table.from_file else None
    known = set(kind.column_names)
    for name in dict.fromkeys(columns):
        if name and name not in known:
            errors.add(header_row, name, kind.unknown_reason(name))
    missing = [c.name for c in kind.columns if c.required and c.name not in columns]
    for name in missing:
        errors.add(header_row, name, kind.reasons.missing)
    return not missing


def record_rows(frame: pd.DataFrame, from_file: bool) -> pd.DataFrame:
    """The rows that are records, each column once: rows with no value at all (blank lines,
    empty spreadsheet rows) are not records."""
    frame = frame.loc[:, ~frame.columns.duplicated()]
    if from_file and len(frame.columns):
        # Column by column, stopping at the first that leaves no row empty (usually the
        # first), and no copy of the columns unless a row goes.
        empty_rows = np.ones(len(frame), dtype=bool)
        for position in range(frame.shape[1]):
            cells = frame.iloc[:, position]
            empty_rows &= (cells.isna() | (cells == "")).to_numpy(dtype=bool)
            if not empty_rows.any():
                break
        if empty_rows.any():
            frame = frame[~empty_rows]
    return frame


def _columns_parse(
    kind: Kind,
    frame: pd.DataFrame,
    errors: Errors,
    table: Table,
    checked: dict[str, dict[str, Cell]] | None = None,
) -> tuple[dict[str, pd.Series], dict[str, pd.Series], dict[str, pd.Series]]:
    """(values, dates, blanks) by column name; a column the file lacks is blank."""
    out: dict[str, pd.Series] = {}
    dates: dict[str, pd.Series] = {}
    blanks: dict[str, pd.Series] = {}
    empty = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    for column in kind.columns:
        raw = frame[column.name] if column.name in frame.columns else empty
        value, blank, parsed = column_parse(
            column,
            raw,
            errors,
            table,
            None if checked is None else checked[column.name],
            blank_reason=kind.reasons.blank,
        )
        out[column.name] = value
        blanks[column.name] = blank
        if parsed is not None:
            dates[column.name] = parsed
    return out, dates, blanks


def rows_validate(
    kind: Kind,
    frame: pd.DataFrame,
    errors: Errors,
    table: Table,
    checked: dict[str, dict[str, Cell]] | None = None,
) -> Validated:
    """Every rule that one row decides alone (its cells, their order): any slice of the rows
    gets the same errors for its rows as the whole table. `checked` keeps each column's
    checks of distinct texts from one slice to the next."""
    out, dates, blanks = _columns_parse(kind, frame, errors, table, checked)
    validated = Validated(
        kind, pd.DataFrame(out, index=frame.index), dates, blanks, table.from_file
    )
    _row_rules(validated, errors)
    return validated


def _rule_mask(rule: Rule, v: Validated) -> pd.Series:
    """The rows that break one rule of the contract."""
    d, blank, frame = v.dates, v.blank, v.frame
    if isinstance(rule, OnOrAfter):
        return _mask(d[rule.column] < d[rule.earlier])
    if isinstance(rule, NotBoth):
        return ~blank[rule.column] & ~blank[rule.other]
    if isinstance(rule, Needs):
        if rule.value is None:
            return ~blank[rule.column] & blank[rule.needs]
        return ~blank[rule.column] & ~_mask(frame[rule.needs] == rule.value)
    if isinstance(rule, RangeWhen):
        number = pd.to_numeric(frame[rule.column], errors="coerce")
        out = (number < rule.minimum) | (number > rule.maximum)
        return _mask(frame[rule.when] == rule.value) & _mask(out)
    raise TypeError(rule)  # pragma: no cover - the contract uses only these rules


def _row_rules(v: Validated, errors: Errors) -> None:
    """The contract's rules between the columns of a row, in the order they are declared."""
    for rule in v.kind.rules:
        if isinstance(rule, RequiredWhen):
            # Only rows whose `when` is valid: an unknown metric is reported on its own.
            known = ~v.blank[rule.when] & v.frame[rule.when].notna()
            wanted = _mask(v.frame[rule.when].isin(rule.values))
            errors.add_mask(known & wanted & v.blank[rule.column], rule.column, rule.reason)
            errors.add_mask(known & ~wanted & ~v.blank[rule.column], rule.column, rule.refused)
        elif isinstance(rule, InOrder):
            previous = v.dates[rule.column]
            for column in rule.stages:
                errors.add_mask(_mask(v.dates[column] < previous), column, rule.reason)
                previous = v.dates[column].fillna(previous)
        else:
            errors.add_mask(_rule_mask(rule, v), rule.error_column, rule.reason)


def _key_frame(v: Validated) -> pd.DataFrame:
    return v.frame[list(v.kind.key)].fillna("")


def _all_distinct(values: pd.Series) -> bool:
    """Whether no two values (blanks aside) are the same, told by sorting them in Arrow.

    Nearly every file has no duplicate id, and often they come sorted (a look at neighbours
    then tells at once); pandas' `duplicated` of Arrow strings takes several times as long,
    and so do Arrow's hash-based `unique` and `count_distinct`.
    """
    ids = pa.array(values, type=pa.large_string(), from_pandas=True)
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    ids = ids.drop_null()
    if len(ids) < 2:
        return True
    if not pa_compute.all(pa_compute.greater(ids[1:], ids[:-1])).as_py():
        ids = ids.take(pa_compute.sort_indices(ids))
        return not pa_compute.any(pa_compute.equal(ids[1:], ids[:-1])).as_py()
    return True


def duplicates(v: Validated, errors: Errors) -> None:
    if v.kind.key == ("external_id",) and _all_distinct(v.frame["external_id"]):
        return
    keys = _key_frame(v)
    usable = ~(keys == "").all(axis=1)
    # A required key cell left blank (or refused) has its own error: no duplicate besides.
    for name in v.kind.key:
        if v.kind.column(name).required:
            usable &= keys[name] != ""
    keys = keys[usable]
    duplicated = keys.duplicated(keep="first")
    if not duplicated.any():
        return
    first_row = keys.index.to_series().groupby([keys[c] for c in keys.columns]).transform("first")
    column = v.kind.key[0]
    what = column if len(v.kind.key) == 1 else ", ".join(v.kind.key[:-1]) + " and " + v.kind.key[-1]
    label = "row" if v.from_file else "record"
    errors.add_mask(
        duplicated.reindex(v.frame.index, fill_value=False),
        column,
        lambda row: f"Duplicate: the same {what} as {label} {first_row[row]}.",
    )
