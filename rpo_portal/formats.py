"""The one presentation layer: how every number, amount, date, label and count reads.

Pages, the PDF pack, Excel summaries and e-mails all call these functions (templates through the
`present` filters), so the parties see one style everywhere:

- money: "EUR 27,200.00" (ISO code, a no-break space, thousands separators, 2 decimals;
  "-EUR 5.00" below zero);
- percentages "66.7%", days "12.0 days", scores "4.2" (1 decimal), counts "1,204";
- dates "7 Dec 2026"; moments "7 Dec 2026, 14:05 UTC" (never ISO, never seconds);
- counts with their word: "1 decision", "2 decisions";
- choice values and field names in words: "remediation_planned" -> "Remediation planned".

Rounding is half away from zero on the exact value (Decimal ROUND_HALF_UP; a float is read
through its shortest repr, so 5117.705 shows as 5,117.71, never float binary rounding), as the
contract (METRICS.md section 5) judges values. A missing value reads "—", never "None".
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

from django.utils import timezone

MISSING = "—"
DATE_FORMAT = "%-d %b %Y"
TIME_FORMAT = "%H:%M"

# Words that read in capitals in a label (field names like "kpi_key", "sla_clause").
_ACRONYMS = {
    "api": "API",
    "ats": "ATS",
    "csv": "CSV",
    "id": "ID",
    "kpi": "KPI",
    "kpis": "KPIs",
    "pdf": "PDF",
    "qbr": "QBR",
    "rpo": "RPO",
    "sla": "SLA",
    "slas": "SLAs",
    "url": "URL",
    "xlsx": "XLSX",
    "utc": "UTC",
    "hr": "HR",
    "n": "n",
}
_KEY = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_KEY_AND_VALUE = re.compile(r"^([a-z][a-z0-9]*(?:_[a-z0-9]+)*)(: |=)(.*)$", re.S)


# --- numbers ----------------------------------------------------------------------------------


def exact(value) -> Decimal | None:
    """The value as a Decimal without binary noise: 0.1 + 0.2 is not 0.30000000000000004 here."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation:
        return None


@lru_cache(maxsize=8)
def _quantum(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


def rounded(value, places: int) -> Decimal | None:
    """Half away from zero on the exact value: 2.25 -> 2.3, -2.25 -> -2.3, 5117.705 -> 5117.71."""
    amount = exact(value)
    if amount is None:
        return None
    return amount.quantize(_quantum(places), rounding=ROUND_HALF_UP)


def number(value, places: int = 0) -> str:
    """1204 -> "1,204"; with places, 1234.25 -> "1,234.3" (places=1)."""
    amount = rounded(value, places)
    if amount is None:
        return MISSING
    if amount == 0:
        amount = abs(amount)  # never "-0.0"
    return f"{amount:,.{places}f}"


def plain(value) -> str:
    """A number as entered, no more places than it has: 3.70 -> "3.7", 12000 -> "12,000"."""
    amount = exact(value)
    if amount is None:
        return MISSING
    places = max(0, -amount.normalize().as_tuple().exponent)
    return number(amount, places)


def money(value, currency: str = "") -> str:
    """27200 -> "EUR 27,200.00"; -5 -> "-EUR 5.00"; without a currency "27,200.00"."""
    amount = rounded(value, 2)
    if amount is None:
        return MISSING
    digits = number(abs(amount), 2)
    # A no-break space: an amount never wraps between its currency and its digits.
    text = f"{currency}\u00a0{digits}" if currency else digits
    return f"-{text}" if amount < 0 else text


def percent(value, places: int = 1) -> str:
    """66.666 -> "66.7%" (the value is already in percent, as KPIs and SLA terms store it)."""
    text = number(value, places)
    return MISSING if text == MISSING else f"{text}%"


def days(value, places: int = 1) -> str:
    """12 -> "12.0 days"; exactly one day reads "1.0 days" only with decimals, "1 day" without."""
    text = number(value, places)
    if text == MISSING:
        return MISSING
    return f"{text} day" if text == "1" else f"{text} days"


def score(value, places: int = 1) -> str:
    return number(value, places)


# --- dates and moments ------------------------------------------------------------------------


def day(value) -> str:
    """date(2026, 12, 7) -> "7 Dec 2026"; a moment is shown by its date in the portal's zone."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime(DATE_FORMAT)


def moment(value) -> str:
    """An aware datetime -> "7 Dec 2026, 14:05 UTC": minutes, the zone named, no seconds."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return day(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_current_timezone())
    local = timezone.localtime(value)
    return f"{local.strftime(DATE_FORMAT)}, {local.strftime(TIME_FORMAT)} {local.tzname()}"


def wall(value) -> str:
    """A moment on its own zone's wall clock (a meeting in its city): "Mon 7 Dec 2026, 14:05";
    the caller names the zone beside it."""
    if value is None or value == "":
        return MISSING
    return f"{value.strftime('%a')} {value.strftime(DATE_FORMAT)}, {value.strftime(TIME_FORMAT)}"


_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER_KEY = re.compile(r"^(\d{4})-Q([1-4])$")


def period(key) -> str:
    """A period key in words: "2026-10" -> "Oct 2026", "2026-Q3" -> "Q3 2026"."""
    if key is None or key == "":
        return MISSING
    text = str(getattr(key, "key", key))
    month = _MONTH_KEY.match(text)
    if month:
        return date(int(month[1]), int(month[2]), 1).strftime("%b %Y")
    quarter = _QUARTER_KEY.match(text)
    if quarter:
        return f"Q{quarter[2]} {quarter[1]}"
    return text


def date_range(start, end) -> str:
    """Both ends, "1 Oct 2026 – 31 Dec 2026"; an open end reads "from 1 Oct 2026"."""
    if end is None or end == "":
        return f"from {day(start)}"
    return f"{day(start)} – {day(end)}"


# --- words ------------------------------------------------------------------------------------


def plural(count, singular: str, plural_word: str = "") -> str:
    """The word that goes with count: plural(1, "decision") -> "decision", 2 -> "decisions"."""
    one = exact(count) == 1
    if one:
        return singular
    if plural_word:
        return plural_word
    if singular.endswith("y") and singular[-2:-1] not in "aeiou":
        return singular[:-1] + "ies"
    if singular.endswith(("s", "x", "ch", "sh")):
        return singular + "es"
    return singular + "s"


def counted(count, singular: str, plural_word: str = "") -> str:
    """counted(1, "decision") -> "1 decision"; counted(1204, "hire") -> "1,204 hires"."""
    if count is None:
        return MISSING
    return f"{number(count, 0)} {plural(count, singular, plural_word)}"


def _words(key: str) -> str:
    words = [_ACRONYMS.get(word, word) for word in key.split("_")]
    first = words[0]
    if first == first.lower():
        words[0] = first[:1].upper() + first[1:]
    return " ".join(words)


def label(value) -> str:
    """A stored key in words: "remediation_planned" -> "Remediation planned",
    "job_family: Software" -> "Job family: Software". Other text is left as it is."""
    if value is None:
        return MISSING
    text = str(value)
    if _KEY.match(text):
        return _words(text)
    match = _KEY_AND_VALUE.match(text)
    if match:
        key, separator, rest = match.groups()
        return f"{_words(key)}: {rest}"
    return text


_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def shown(value) -> str:
    """Any recorded value as a person reads it (an audit trail's before and after): a moment
    or date in the one style, a key as words, yes/no, and "—" for nothing."""
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return moment(value)
    if isinstance(value, date):
        return day(value)
    if isinstance(value, int | float | Decimal):
        return plain(value)
    text = str(value)
    if _ISO_MOMENT.match(text):
        return moment(text.replace(" ", "T", 1))
    if _ISO_DATE.match(text):
        return day(text)
    if _NUMBER.match(text):
        return plain(text)
    return label(text)


def terms(changes) -> list[tuple[str, str]]:
    """The terms of a proposal as recorded (`{"target_value": "45"}`, or for a counter
    `{"target_value": ["45", "40"]}`), each as (label, value in words): ("Target value", "45"),
    ("Target value", "45 → 40"); a clause added or removed reads its own terms."""
    if not isinstance(changes, dict):
        return [("", shown(changes))]
    shown_terms = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2:
            text = f"{shown(value[0])} → {shown(value[1])}"
        elif isinstance(value, dict):
            text = "; ".join(f"{name}: {words}" for name, words in terms(value))
        else:
            text = shown(value)
        shown_terms.append((label(key) if _KEY.match(str(key)) else str(key), text))
    return shown_terms
