"""Template filters of the presentation layer (rpo_portal/formats.py), built into every template.

- {{ credit.amount|money:engagement.currency }}   EUR 27,200.00
- {{ clause.pct|pct }}                            2.5%
- {{ value|days }}                                12.0 days
- {{ value|score }}  {{ count|num }}              4.2   1,204
- {{ breach.period_end|day }}                     31 Dec 2026
- {{ run.finished_at|when }}                      7 Dec 2026, 14:05 UTC
- {{ decisions|length|count:"decision" }}         2 decisions
- {{ n|count:"activity,activities" }}             1 activity
- {{ n|word:"row" }}                              rows
- {{ breach.status|label }}                       Remediation planned
"""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from rpo_portal import formats

register = template.Library()


def _places(arg, default: int) -> int:
    return default if arg in (None, "") else int(arg)


@register.filter
def money(value, currency=""):
    return formats.money(value, currency or "")


@register.filter
def pct(value, places=None):
    return formats.percent(value, _places(places, 1))


@register.filter
def days(value, places=None):
    return formats.days(value, _places(places, 1))


@register.filter
def score(value, places=None):
    return formats.score(value, _places(places, 1))


@register.filter
def num(value, places=None):
    return formats.number(value, _places(places, 0))


@register.filter
def day(value):
    return formats.day(value)


@register.filter
def when(value):
    return formats.moment(value)


@register.filter
def wall(value):
    return formats.wall(value)


@register.filter
def span(start, end):
    return formats.date_range(start, end)


@register.filter
def period(value):
    return formats.period(value)


def _forms(words: str) -> tuple[str, str]:
    singular, _, plural_word = str(words).partition(",")
    return singular.strip(), plural_word.strip()


@register.filter
def count(value, words):
    return formats.counted(value, *_forms(words))


@register.filter
def word(value, words):
    return formats.plural(value, *_forms(words))


@register.filter
def shown(value):
    return formats.shown(value)


_FIELD_NAME = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


@register.filter
def codewords(value):
    """Text that names data fields (a KPI's formula): each field name set as code."""
    text = escape(formats.MISSING if value is None else value)
    return mark_safe(_FIELD_NAME.sub(lambda m: f"<code>{m[0]}</code>", text))  # noqa: S308


@register.filter
def label(value):
    return formats.label(value)


@register.filter
def terms(changes):
    """A proposal's recorded terms as (label, value in words) pairs (formats.terms)."""
    return formats.terms(changes)


@register.filter
def breakable(value):
    """A field name that may wrap after each underscore (a narrow column's header)."""
    return mark_safe(escape(value).replace("_", "_<wbr>"))  # noqa: S308
