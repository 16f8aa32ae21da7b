"""The rules of one cell, and a column's cells checked at once.

Each distinct text of a column is checked once (`cell_check`), its outcome spread back to the
rows; an id or text column whose cells need no look (no formula character, no whitespace at
an edge, no NUL, none too long) is taken as it is, judged in Arrow without a per-cell loop.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pa_compute
import pycountry

from recruiting.contract import Column
from recruiting.importing.errors import Errors
from recruiting.importing.read import Table
from recruiting.importing.read_csv import TEXT
from rpo_portal.text_rules import FORMULA_CHARACTERS, FORMULA_REASON, starts_a_formula

INT_MAX = 2_147_483_647  # PostgreSQL integer
DECIMAL_INTEGER_DIGITS = 12  # numeric(14, 2)
_DATE = r"\d{4}-\d{2}-\d{2}"
_MONTH = r"\d{4}-\d{2}"
_PERIOD = r"(\d{4})-(?:(\d{2})|Q([1-4]))"
_INT = r"-?\d{1,18}"
_DECIMAL = r"-?\d+(?:\.\d+)?"
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_BOOLEANS = {"true": "t", "yes": "t", "1": "t", "false": "f", "no": "f", "0": "f"}


_DATE_RE = re.compile(_DATE)
_MONTH_RE = re.compile(_MONTH)
_PERIOD_RE = re.compile(_PERIOD)
_INT_RE = re.compile(_INT)
_DECIMAL_RE = re.compile(_DECIMAL)
_EMAIL_RE = re.compile(_EMAIL)


@dataclass(frozen=True)
class Cell:
    """What one distinct cell text means in a column."""

    value: str | None = None  # normalised text for COPY
    blank: bool = False
    reason: str | None = None
    date: np.datetime64 = np.datetime64("NaT")  # a date's or month's first day


_NO_VALUE = Cell(blank=True)
# Distinct texts whose check a stream keeps per column (dates, enums and numbers repeat from
# chunk to chunk; ids and free text, which do not, go past the cache or are not checked one
# text at a time).
CHECKS_KEPT = 100_000


def cell_check(column: Column, text: str) -> Cell:
    """Check one distinct cell text against its column: the rules of one cell."""
    if starts_a_formula(text):
        return Cell(reason=FORMULA_REASON)
    value = text.strip()
    if not value:
        return Cell(blank=True)
    if "\x00" in value:
        return Cell(reason="Contains a NUL character.")
    kind = column.type
    if kind in ("text", "ref", "email"):
        if column.max_length and len(value) > column.max_length:
            return Cell(reason=f"At most {column.max_length} characters.")
        if kind == "email" and not _EMAIL_RE.fullmatch(value):
            return Cell(reason="Not an e-mail address.")
        return Cell(value=value)
    if kind == "enum":
        value = value.lower()
        if value not in column.choices:
            return Cell(reason="Must be one of: " + ", ".join(column.choices) + ".")
        return Cell(value=value)
    if kind in ("date", "month"):
        pattern, suffix, shape = (
            (_DATE_RE, "", "YYYY-MM-DD") if kind == "date" else (_MONTH_RE, "-01", "YYYY-MM")
        )
        try:
            if not pattern.fullmatch(value):
                raise ValueError
            day = dt.date.fromisoformat(value + suffix)
        except ValueError:
            return Cell(reason=f"Not a valid {kind}: expected {shape}.")
        return Cell(value=value + suffix, date=np.datetime64(day, "D"))
    if kind == "period":
        return _period_check(value)
    if kind == "currency":
        code = value.upper()
        if not re.fullmatch(r"[A-Z]{3}", code) or pycountry.currencies.get(alpha_3=code) is None:
            return Cell(reason="Not an ISO 4217 currency code (e.g. EUR, USD).")
        return Cell(value=code)
    if kind == "bool":
        flag = _BOOLEANS.get(value.lower())
        if flag is None:
            return Cell(reason="Not a boolean: use true/false, yes/no or 1/0.")
        return Cell(value=flag)
    if kind == "int":
        if not _INT_RE.fullmatch(value):
            return Cell(reason="Not a whole number.")
        number = int(value)
        low = column.minimum if column.minimum is not None else -INT_MAX
        high = column.maximum if column.maximum is not None else INT_MAX
        if not low <= number <= high:
            return Cell(reason=_range_reason(low, high))
        return Cell(value=str(number))
    if kind == "decimal":
        if not _DECIMAL_RE.fullmatch(value):
            return Cell(reason="Not a decimal number (e.g. 1234.50).")
        whole, _, fraction = value.lstrip("-").partition(".")
        if len(fraction.rstrip("0")) > 2:
            return Cell(reason="At most 2 decimal places.")
        if len(whole.lstrip("0")) > DECIMAL_INTEGER_DIGITS:
            return Cell(reason=f"At most {DECIMAL_INTEGER_DIGITS} digits before the point.")
        if float(value) < (column.minimum or 0):
            return Cell(reason=f"Must be at least {column.minimum or 0}.")
        return Cell(value=value)
    raise ValueError(column.type)  # pragma: no cover - the column table names every type


def _period_check(value: str) -> Cell:
    """A month `YYYY-MM` or a quarter `YYYY-Qn` (a lower-case q is taken as Q)."""
    match = _PERIOD_RE.fullmatch(value.upper())
    reason = "Not a valid period: expected YYYY-MM or YYYY-Qn (e.g. 2026-10 or 2026-Q4)."
    if match is None:
        return Cell(reason=reason)
    year, month, quarter = match.groups()
    if month is not None and not 1 <= int(month) <= 12:
        return Cell(reason=reason)
    return Cell(value=f"{year}-{month}" if month else f"{year}-Q{quarter}")


# Every character str.strip() removes, as an RE2 class (pyarrow's regular expressions).
_SPACE = "[" + "".join(f"\\x{{{c:x}}}" for c in range(0x3001) if chr(c).isspace()) + "]"
# A cell that the text rules would change or refuse (the formula rule is
# rpo_portal.text_rules'; tabs and carriage returns are whitespace): a formula character or
# whitespace first, whitespace last, or a NUL anywhere.
_FORMULA_FIRST = "[" + re.escape("".join(FORMULA_CHARACTERS)) + "]"
_TEXT_NEEDS_A_LOOK = f"^(?:{_FORMULA_FIRST}|{_SPACE})|{_SPACE}$|\\x00"


def _required_check(
    column: Column, blank: pd.Series, errors: Errors, table: Table, reason: str
) -> None:
    if column.required:
        formula = blank.index.isin(list(table.formula_rows.get(column.name, ())))
        errors.add_mask(blank & ~formula, column.name, reason)


_EDGE_FIRST = np.zeros(256, dtype=bool)
_EDGE_FIRST[: ord(" ") + 1] = _EDGE_FIRST[0x7F:] = True  # controls, space, DEL, non-ASCII
_EDGE_LAST = _EDGE_FIRST.copy()
_EDGE_FIRST[[ord(c) for c in FORMULA_CHARACTERS]] = True


def _edges_plain(texts: pa.Array | pa.ChunkedArray) -> bool:
    """True if no cell can need a look, judged from bytes alone (numpy, no per-cell regex).

    Every non-empty cell's first byte is printable ASCII other than = + @ and its last byte
    printable ASCII, and no byte is NUL. Any whitespace str.strip() removes is ASCII or starts
    and ends with a byte over 0x7f, so a False here is only a maybe: the regex then decides.
    """
    for chunk in texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]:
        _, offsets, data = chunk.buffers()
        if data is None or not len(chunk):
            continue
        offsets = np.frombuffer(offsets, dtype=np.int64)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        data = np.frombuffer(data, dtype=np.uint8)
        starts, ends = offsets[:-1], offsets[1:]
        filled = ends > starts
        if (
            _EDGE_FIRST[data[starts[filled]]].any()
            or _EDGE_LAST[data[ends[filled] - 1]].any()
            or not data[offsets[0] : offsets[-1]].all()
        ):
            return False
    return True


def _longest(texts: pa.Array | pa.ChunkedArray, length: Callable) -> int:
    return pa_compute.max(length(texts)).as_py() or 0


def _longest_object(raw: pd.Series) -> int:
    """The longest text of an object column (XLSX, JSON records), measured without a copy."""
    return max((len(v) for v in raw.array if isinstance(v, str)), default=0)


def _plain_text_column(
    column: Column, raw: pd.Series, errors: Errors, table: Table, blank_reason: str
) -> tuple[pd.Series, pd.Series, None] | None:
    """The common case of an id or text column, checked at once; None if a cell needs a look.

    The bytes at the cells' edges (or, when they cannot tell, one regular expression over the
    column's Arrow strings) find every cell that starts with a formula character or
    whitespace, ends with whitespace, or holds a NUL; without any, and none too long, the
    cells are their own values.
    """
    if raw.dtype == object and column.max_length and _longest_object(raw) > column.max_length:
        # Checked one distinct value at a time, never copied: an XLSX shared string is one
        # object however many cells refer to it.
        return None
    try:
        texts = pa.array(raw, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a cell that is not text (records): checked one distinct value at a time
    if (
        not _edges_plain(texts)
        and pa_compute.any(pa_compute.match_substring_regex(texts, _TEXT_NEEDS_A_LOOK)).as_py()
    ):
        return None
    # Characters are counted only when there are more bytes than the limit allows characters.
    if (
        column.max_length
        and _longest(texts, pa_compute.binary_length) > column.max_length
        and _longest(texts, pa_compute.utf8_length) > column.max_length
    ):
        return None
    is_blank = pa_compute.fill_null(pa_compute.equal(texts, ""), True)
    blank = pd.Series(is_blank.to_numpy(zero_copy_only=False), index=raw.index)
    _required_check(column, blank, errors, table, blank_reason)
    value = pa_compute.if_else(is_blank, pa.scalar(None, pa.large_string()), texts)
    return pd.Series(value, index=raw.index, dtype=TEXT), blank, None


def column_parse(
    column: Column,
    raw: pd.Series,
    errors: Errors,
    table: Table,
    checked: dict[str, Cell] | None = None,
    *,
    blank_reason: str,
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """(normalised text, blank mask, parsed dates or None) of one column, adding its errors.

    Each distinct text is checked once (dates, enums and flags repeat a lot), or found in
    `checked` (the column's checks of the chunks before), and the outcome is spread back to
    the rows by their codes. A required cell left blank gets `blank_reason`, its kind's wording.
    """
    if column.type in ("text", "ref"):
        clean = _plain_text_column(column, raw, errors, table, blank_reason)
        if clean is not None:
            return clean
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    texts = [str(u) for u in uniques.tolist()]
    if checked is None:
        cells = [cell_check(column, text) for text in texts]
    else:
        cells = [checked.get(text) or cell_check(column, text) for text in texts]
        if len(checked) < CHECKS_KEPT:
            checked.update(zip(texts, cells, strict=True))
    cells.append(_NO_VALUE)  # code -1: no value at all
    codes[codes < 0] = len(cells) - 1
    index = raw.index

    def spread(values: list, dtype=object) -> np.ndarray:
        return np.asarray(values, dtype=dtype)[codes]

    blank = pd.Series(spread([c.blank for c in cells], bool), index=index)
    reasons = {c.reason for c in cells if c.reason}
    # A blank cell takes the column's default (or stays blank, None).
    if not reasons and all(
        c.blank or c.value == text for c, text in zip(cells[:-1], texts, strict=True)
    ):
        # Every value is its own text (dates, enums, numbers as written): no copy needed.
        value = pa_compute.if_else(
            pa.array(blank.to_numpy()),
            pa.scalar(column.default, pa.large_string()),
            pa.array(raw, type=pa.large_string(), from_pandas=True),
        )
    else:
        values = [column.default if c.blank else c.value for c in cells]
        value = pa.array(values, pa.large_string()).take(codes)
    value = pd.Series(value, index=index, dtype=TEXT)
    if reasons:
        reason_of = pd.Series(spread([c.reason for c in cells]), index=index, dtype=object)
        for reason in sorted(reasons):
            errors.add_mask(reason_of == reason, column.name, reason)
    _required_check(column, blank, errors, table, blank_reason)
    dates = None
    if column.type in ("date", "month"):
        dates = pd.Series(spread([c.date for c in cells], "datetime64[D]"), index=index)
    return value, blank, dates


def _range_reason(low: int, high: int) -> str:
    if high == INT_MAX:
        return f"Must be at least {low}."
    if low == -INT_MAX:
        return f"Must be at most {high}."
    return f"Must be from {low} to {high}."
