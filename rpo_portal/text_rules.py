"""Rules on text that comes from outside and goes back out: formulas and e-mail addresses.

Each rule is one function, used by every path that stores or serves the text (imports of
every kind, the bulk API, exports, sign-in), so that no path can apply a weaker version.
"""

from __future__ import annotations

import unicodedata

# A spreadsheet runs a cell starting with one of these as a formula (a tab or carriage return
# first hides it from view; they are refused as written, since they are never stored).
FORMULA_CHARACTERS = ("=", "+", "@")
HIDING_CHARACTERS = ("\t", "\r")
FORMULA_REASON = (
    "Starts with =, +, @, a tab or a carriage return, which spreadsheets run as a formula."
)


def starts_a_formula(text: str) -> bool:
    """Whether `text` would be run as a formula once stored and opened in a spreadsheet.

    Stored text is trimmed of Unicode whitespace (`str.strip()`), so the rule looks at the
    trimmed text: `" =HYPERLINK(...)"` and `"\\u00a0+1"` are formulas as stored.
    """
    return text.startswith(HIDING_CHARACTERS) or text.strip().startswith(FORMULA_CHARACTERS)


def spreadsheet_cell(value):
    """A value as an export writes it: text a spreadsheet would run as a formula is quoted
    with a leading apostrophe, which spreadsheets show as text."""
    if isinstance(value, str) and starts_a_formula(value):
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
