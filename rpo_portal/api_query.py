"""The query string of the API's list endpoints, checked as strictly as the schema states it.

django-filter and DRF's pagination forgive: an empty filter, a boolean that is neither `true`
nor `false`, a filter given twice or a `page_size` of 0 or 5000 would be ignored or clamped,
and the client would get a page that is not what it asked for without knowing. Here each of
those is a 400 in the API's error body, naming the parameter.

DRF reads its settings (`DEFAULT_FILTER_BACKENDS`) while `rest_framework.generics` is being
imported, so this module imports neither that nor the views.
"""

from __future__ import annotations

import re

from django import forms
from django_filters import rest_framework as filters
from rest_framework import pagination
from rest_framework.exceptions import ValidationError

BOOLEANS = {"true", "false"}
# A calendar quarter as the KPI engine labels it (2026-Q1), in the schema's (ECMA) dialect; a
# year from 1000, as a date's year cannot be 0.
QUARTER_PATTERN = r"^[1-9][0-9]{3}-Q[1-4]$"
QUARTER_RE = re.compile(r"([1-9][0-9]{3})-Q([1-4])")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EMPTY = "Give a value, or leave the parameter out."


def _once(query, name: str) -> str:
    """The one value of a parameter that takes one (a 400 if it is given twice)."""
    values = query.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: [f"Give {name} once, not {len(values)} times."]})
    return values[0]


def _whole_number(query, name: str, low: int, high: int | None = None) -> int | None:
    """A parameter that must be a whole number in [low, high], or None when it is absent."""
    if name not in query:
        return None
    text = _once(query, name)
    bounds = f"from {low} to {high}" if high is not None else f"from {low}"
    if not (text.isascii() and text.isdigit()):
        raise ValidationError({name: [f"Expected a whole number {bounds}."]})
    number = int(text)
    if number < low or (high is not None and number > high):
        raise ValidationError({name: [f"Expected a whole number {bounds}, not {text}."]})
    return number


def quarter_parameter(query, name: str = "quarter") -> str | None:
    """A query parameter naming a quarter (`2026-Q1`), or None when it is absent."""
    if name not in query:
        return None
    text = _once(query, name)
    if not QUARTER_RE.fullmatch(text):
        raise ValidationError({name: ["Give a quarter like 2026-Q1."]})
    return text


class ApiPagination(pagination.PageNumberPagination):
    """`?page=` (from 1) and `?page_size=` (1 to 1000; default 100). Anything else is a 400;
    a page past the last is a 404."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def paginate_queryset(self, queryset, request, view=None):
        _whole_number(request.query_params, self.page_query_param, 1)
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        asked = _whole_number(
            request.query_params, self.page_size_query_param, 1, self.max_page_size
        )
        return self.page_size if asked is None else asked

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
                parameter["description"] = (
                    f"Records per page, 1 to {self.max_page_size} (default {self.page_size})."
                )
            else:
                parameter["description"] = "The page, from 1; past the last page: 404."
        return parameters


def _parameters(name: str, field: forms.Field) -> list[str]:
    """The query parameters one filter reads: a range reads `<name>_after`, `<name>_before`."""
    widget = field.widget
    suffixes = getattr(widget, "suffixes", None)
    if suffixes:
        return [widget.suffixed(name, suffix) for suffix in suffixes]
    return [name]


def _takes_dates(field: forms.Field) -> bool:
    """A date filter (or a range of two): Django would also read 10/25/2006 and the like."""
    parts = field.fields if isinstance(field, forms.MultiValueField) else [field]
    return all(type(part) is forms.DateField for part in parts)


def filter_problems(query, form: forms.Form) -> dict[str, list[str]]:
    """What django-filter would silently ignore in the query, by parameter."""
    problems: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        repeatable = isinstance(field, forms.MultipleChoiceField)
        for parameter in _parameters(name, field):
            values = query.getlist(parameter)
            if not values:
                continue
            if len(values) > 1 and not repeatable:
                problems[parameter] = [f"Give {parameter} once, not {len(values)} times."]
            elif any(value == "" for value in values):
                problems[parameter] = [EMPTY]
            elif isinstance(field, forms.NullBooleanField) and values[0] not in BOOLEANS:
                problems[parameter] = ["Expected true or false."]
            elif _takes_dates(field) and not ISO_DATE.fullmatch(values[0]):
                problems[parameter] = ["Expected a date as YYYY-MM-DD."]
    return problems


class CheckedFilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, refusing (400) the values it would ignore: an empty filter,
    a repeated one that takes one value, a boolean other than `true` or `false`."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            problems = filter_problems(request.query_params, filterset.form)
            if problems:
                raise ValidationError(problems)
        return super().filter_queryset(request, queryset, view)


def document_query_bounds(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing: a text query parameter (a filter) holds at least one
    character, as `CheckedFilterBackend` requires, and no NUL."""
    for path in result.get("paths", {}).values():
        for operation in path.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "string":
                    schema.setdefault("minLength", 1)
                    # A NUL cannot be stored or compared: RequestInputMiddleware refuses it.
                    schema.setdefault("pattern", "^[^\\u0000]*$")
    return result
