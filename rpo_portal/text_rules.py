"""Rules on text that comes from outside and goes back out: formulas, e-mail addresses and
control characters in one-line texts.

Each rule is one function, used by every path that stores or serves the text (imports of
every kind, the bulk API, exports, sign-in), so that no path can apply a weaker version.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models

# A spreadsheet runs a cell starting with one of these as a formula (a tab or carriage return
# first hides it from view; they are refused as written, since they are never stored).
FORMULA_CHARACTERS = ("=", "+", "@")
HIDING_CHARACTERS = ("\t", "\r")
FORMULA_REASON = (
    "Starts with =, +, @, a tab or a carriage return, which spreadsheets run as a formula."
)
# A leading minus starts a formula too ("-2+3", "-HYPERLINK(...)"), yet also ordinary text
# ("- none", "-5 days"), so text coming in may start with one; text going out to a
# spreadsheet is quoted for it.
EXPORT_FORMULA_CHARACTERS = (*FORMULA_CHARACTERS, "-")


def starts_a_formula(text: str) -> bool:
    """Whether `text` would be run as a formula once stored and opened in a spreadsheet: the
    rule every path that stores text refuses it by (imports, the API, the forms).

    Stored text is trimmed of Unicode whitespace (`str.strip()`), so the rule looks at the
    trimmed text: `" =HYPERLINK(...)"` and `"\\u00a0+1"` are formulas as stored.
    """
    return text.startswith(HIDING_CHARACTERS) or text.strip().startswith(FORMULA_CHARACTERS)


def refuse_formula(text: str) -> None:
    """A field validator: the upload's refusal, in its words."""
    if starts_a_formula(text):
        raise ValidationError(FORMULA_REASON)


def refuse_formulas(fields, names) -> None:
    """Gives the named text fields of a form or serializer (`fields`: its fields by name) the
    upload's refusal of formulas: for text typed on a page or sent to the API that an export
    writes out (a clause key, a decision's title), as the upload refuses it in a file."""
    for name in names:
        fields[name].validators.append(refuse_formula)


# A number written as text ("-12.50", "-1.5e-07"): a spreadsheet reads it as the number.
_PLAIN_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?")


def runs_in_a_spreadsheet(text: str) -> bool:
    """Whether a text cell of an export would be run (or hidden) by a spreadsheet: a formula
    character or a minus first, after any whitespace, or a tab or carriage return first. A
    negative number is a number, not a formula, even written as text ("-12.50")."""
    if text.startswith(HIDING_CHARACTERS):
        return True
    trimmed = text.strip()
    return trimmed.startswith(EXPORT_FORMULA_CHARACTERS) and not _PLAIN_NUMBER.fullmatch(trimmed)


def spreadsheet_cell(value):
    """A value as every CSV and Excel export writes it: text a spreadsheet would run is
    quoted with a leading apostrophe, which spreadsheets show as text (OWASP's rule for CSV
    injection). Numbers pass as they are. The Excel writer asks `runs_in_a_spreadsheet`
    instead and gives such text the quote-prefix cell format (no apostrophe in the text)."""
    if isinstance(value, str) and runs_in_a_spreadsheet(value):
        return "'" + value
    return value


def email_canonical(address: str) -> str:
    """The one form an e-mail address is stored, looked up and locked out by.

    Unicode NFKC (compatibility look-alikes such as the long s or full-width letters become
    their plain letter) then case folding, surrounding whitespace trimmed. Two spellings reach
    the same account exactly when their canonical forms are equal; the database compares
    nothing else (its own case-insensitive matching folds some letters, e.g. a dotless i,
    differently from Python).
    """
    folded = unicodedata.normalize("NFKC", address).casefold()
    # Folding can undo the normal form (a few letters fold to a letter plus a combining mark).
    return unicodedata.normalize("NFKC", folded).strip()


# --- one-line texts ------------------------------------------------------------------------
#
# A name or a title a person types (an engagement's name, a clause key or segment, the title of
# a decision, action item, risk or meeting) is one line: it goes into e-mail subjects, file
# names, CSV cells and log lines, where a carriage return or line feed starts a new header or
# record. Every character of Unicode's "control" category (C0, DEL, C1: tab, CR, LF, NUL,
# escape, NEL ...) and the line and paragraph separators (U+2028, U+2029) are refused.

# Unicode's Cc category is exactly U+0000-U+001F and U+007F-U+009F (and stays so: it is closed).
_CONTROL_RUN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
ONE_LINE_REASON = "Must be one line: no line breaks, tabs or other control characters."


def has_control_characters(text: str) -> bool:
    return _CONTROL_RUN.search(text) is not None


def validate_one_line(value) -> None:
    """The validator of every one-line text a person types (models, forms, serializers)."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(ONE_LINE_REASON, code="control_characters")


def one_line(text: str) -> str:
    """`text` with each run of control characters replaced by one space: for texts stored
    before the rule (or by a path that bypassed it) on their way into a header or a line."""
    return _CONTROL_RUN.sub(" ", text)


class OneLineCharField(models.CharField):
    """A CharField whose text must be one line (`validate_one_line`), in `full_clean()`, in
    the ModelForms built from it and in the DRF ModelSerializers.

    Validators do not change the schema: the field deconstructs as a plain CharField, so
    models adopt the rule without a migration.
    """

    default_validators = [validate_one_line]

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def formfield(self, **kwargs):
        kwargs["validators"] = [*kwargs.get("validators", ()), validate_one_line]
        return super().formfield(**kwargs)
