"""The SLA schedule file (`sla_schedule`): read and checked like the data imports.

CSV or XLSX with the data imports' reading rules (recruiting.importing.table_from_bytes), every
error with its row (the header is row 1), column and reason, and all or nothing: a file with
any error proposes no clause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from engagements.agreement import AgreementState
from kpis.registry import ALL, KPI_BY_KEY
from recruiting.contract import NUMBER_DECIMALS, NUMBER_DIGITS, Column
from recruiting.importing import cell_check, table_from_bytes
from rpo_portal.date_rules import validate_governance_date
from rpo_portal.text_rules import ONE_LINE_REASON, has_control_characters
from sla.models import ClauseKind, SlaClause, SlaSchedule, clause_term_errors
from sla.schedule_kind import SLA_SCHEDULE

# The file's columns, declared in the import contract with the ATS kinds'.
KIND = SLA_SCHEDULE
COLUMNS = KIND.columns
COLUMN_NAMES = KIND.column_names
# Terms of a clause, in the file's column order (the clause key is `key` on the model).
TERMS = [name for name in COLUMN_NAMES if name not in KIND.key]


@dataclass
class ScheduleCheck:
    """A schedule file checked: its clauses' terms when valid, else every error."""

    file_name: str
    clauses: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.clauses)

    @property
    def error_count(self) -> int:
        return len(self.errors)

    def add(self, row: int | None, column: str | None, reason: str) -> None:
        self.errors.append({"row": row, "column": column, "reason": reason})


def _number(text: str, places: int = NUMBER_DECIMALS) -> Decimal | str:
    """A decimal in the KPI's unit (may be negative), or the reason it is not one. `places`:
    the decimal places its model field stores (a value is refused rather than rounded)."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return "Not a number (e.g. 38 or -30 or 5109.73)."
    if not number.is_finite():
        return "Not a number (e.g. 38 or -30 or 5109.73)."
    sign, digits, exponent = number.as_tuple()
    if -exponent > places:
        return f"At most {places} decimal places."
    if len(digits) + min(exponent, 0) > NUMBER_DIGITS:
        return f"At most {NUMBER_DIGITS} digits before the point."
    return number


def _cell(column: Column, text: str | None) -> tuple[Any, str | None]:
    """(value, reason): the cell's value (None = blank) or why it is refused."""
    if text is None or not text.strip():
        return None, None
    if column.type == "number":
        places = SlaClause._meta.get_field(column.field_name).decimal_places
        number = _number(text.strip(), min(places, NUMBER_DECIMALS))
        return (None, number) if isinstance(number, str) else (number, None)
    checked = cell_check(column, text)
    if checked.reason:
        return None, checked.reason
    if column.type == "text" and has_control_characters(checked.value):
        return None, ONE_LINE_REASON  # a clause key, KPI, dimension or segment is one line
    if column.type == "date":
        return date.fromisoformat(checked.value), None
    if column.type == "int":
        return int(checked.value), None
    return checked.value, None


def _normalised(terms: dict[str, Any]) -> None:
    """Defaults and spellings of the contract: blank or `all` dimension is `all`, and so on."""
    dimension = (terms.get("dimension") or ALL).strip()
    terms["dimension"] = ALL if dimension.lower() == ALL else dimension.lower()
    segment = (terms.get("segment") or "").strip()
    if terms["dimension"] == ALL and segment.lower() in ("", ALL):
        segment = ALL
    elif terms["dimension"] == "priority":
        segment = segment.lower()
    terms["segment"] = segment
    terms["kind"] = terms.get("kind") or ClauseKind.CREDIT
    terms["min_n"] = terms.get("min_n") or 1
    terms["grace_days"] = terms.get("grace_days") or 0


def _row_rules(row: int, terms: dict[str, Any], check: ScheduleCheck) -> None:
    kpi = KPI_BY_KEY.get(terms["kpi"])
    if kpi is None:
        check.add(row, "kpi", f"Unknown KPI {terms['kpi']!r}: use a key of the KPI catalogue.")
        return
    for column in COLUMNS:
        value = terms.get(column.name)
        reason = None if value is None else column.range_reason(value)
        if reason:
            check.add(row, column.name, reason)
        if column.type == "date":
            try:
                validate_governance_date(value)
            except ValidationError as error:
                check.add(row, column.name, error.messages[0])
    errors = clause_term_errors(
        kpi=terms["kpi"],
        dimension=terms["dimension"],
        segment=terms["segment"],
        kind=terms["kind"],
        pct=terms.get("pct"),
        repeat_pct=terms.get("repeat_pct"),
        earn_back=terms.get("earn_back"),
        effective_from=terms.get("effective_from"),
        effective_to=terms.get("effective_to"),
    )
    for column, reason in errors.items():
        if column == "dimension" and terms["dimension"] != ALL:
            reason = f"{kpi.name} is not computed by {terms['dimension']!r}."
        check.add(row, column, reason)


def _open_keys(engagement) -> dict[str, int]:
    """Clause keys proposed in schedules still awaiting an answer: {key: schedule id}."""
    return dict(
        SlaClause.objects.filter(
            engagement=engagement, schedule__state=AgreementState.PROPOSED
        ).values_list("key", "schedule_id")
    )


def schedule_read(
    *, data: bytes, file_name: str, engagement, replacing: SlaSchedule | None = None
) -> ScheduleCheck:
    """Read and check a schedule file; nothing is written."""
    check = ScheduleCheck(file_name=file_name)
    table = table_from_bytes(data, file_name)
    for row, column, reason in table.errors.sorted():
        check.add(row, column, reason)
    if check.errors:
        return check
    names = table.columns
    for name in names:
        if name not in COLUMN_NAMES:
            check.add(1, name, KIND.unknown_reason(name))
    for column in COLUMNS:
        if column.required and column.name not in names:
            check.add(1, column.name, KIND.reasons.missing)
    if check.errors:
        return check
    frame = table.frame
    if frame.empty:
        check.add(None, None, "The file has no clauses.")
        return check
    rows = ((int(row), cells.to_dict()) for row, cells in frame.iterrows())
    return _rows_check(rows, names, engagement, replacing, check)


def schedule_check_records(
    *, records: list[dict[str, Any]], engagement, replacing: SlaSchedule | None = None
) -> ScheduleCheck:
    """The same checks for clauses sent as JSON records (the API); `row` is the 0-based index."""
    check = ScheduleCheck(file_name="")
    if not records:
        check.add(None, None, "Give at least one clause.")
        return check
    names = sorted({str(name).lower() for record in records for name in record})
    for name in names:
        if name not in COLUMN_NAMES:
            check.add(None, name, f"Unknown field {name!r}.")
    if check.errors:
        return check
    rows = (
        (index, {str(k).lower(): None if v is None else str(v) for k, v in record.items()})
        for index, record in enumerate(records)
    )
    return _rows_check(rows, names, engagement, replacing, check)


def _rows_check(rows, names, engagement, replacing, check: ScheduleCheck) -> ScheduleCheck:
    open_keys = _open_keys(engagement)
    seen: dict[str, int] = {}
    for row, cells in rows:
        terms: dict[str, Any] = {}
        bad = False
        for column in COLUMNS:
            text = cells.get(column.name) if column.name in names else None
            text = None if text is None or text != text else str(text)  # NaN is blank
            value, reason = _cell(column, text)
            if reason:
                check.add(row, column.name, reason)
                bad = True
            elif value is None and column.required:
                check.add(row, column.name, KIND.reasons.blank)
                bad = True
            terms[column.name] = value
        if bad:
            continue
        key = terms.pop("clause")
        if key in seen:
            check.add(row, "clause", f"Duplicate clause {key!r}: already on row {seen[key]}.")
            continue
        seen[key] = row
        if key in open_keys and (replacing is None or open_keys[key] != replacing.pk):
            check.add(
                row,
                "clause",
                f"Clause {key!r} is already proposed in schedule #{open_keys[key]}, which "
                "awaits an answer.",
            )
        _normalised(terms)
        _row_rules(row, terms, check)
        check.clauses.append({"key": key, **terms})
    if check.errors:
        check.clauses = []
    return check


# --- a checked schedule carried from the preview to its confirmation --------------------------

_SALT = "sla.schedule.preview"


def clauses_sign(clauses: list[dict[str, Any]]) -> str:
    """The checked clauses as a signed text for the preview's confirm button."""
    from django.core import signing

    plain = [
        {
            k: (v.isoformat() if isinstance(v, date) else None if v is None else str(v))
            for k, v in c.items()
        }
        for c in clauses
    ]
    return signing.dumps(plain, salt=_SALT, compress=True)


def clauses_unsign(text: str) -> list[dict[str, Any]]:
    """The clauses of a signed preview (refuses anything that was not signed by us)."""
    from django.core import signing

    types = {c.name: c.type for c in COLUMNS}
    clauses = []
    for plain in signing.loads(text, salt=_SALT, max_age=24 * 3600):
        terms: dict[str, Any] = {}
        for name, value in plain.items():
            kind = types.get(KIND.key[0] if name == "key" else name)
            if value is None:
                terms[name] = None
            elif kind == "date":
                terms[name] = date.fromisoformat(value)
            elif kind == "number":
                terms[name] = Decimal(value)
            elif kind == "int":
                terms[name] = int(value)
            else:
                terms[name] = value
        clauses.append(terms)
    return clauses
