"""Request input that no page or endpoint can use, refused with 400 before any view runs.

PostgreSQL text cannot hold NUL, UTF-8 cannot encode a lone surrogate (JSON's `"\\ud800"`
decodes to one), and Python's JSON decoder recurses once per nesting level: such input would
otherwise end in a 500 wherever it first reached the database, a response or the decoder.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, JsonResponse
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from rpo_portal.api_errors import error_body

# Far deeper than any body of the API (a list of flat records is 2 levels deep).
MAX_JSON_DEPTH = 32


def text_problem(text: str) -> str | None:
    """Why a text cannot be taken (a NUL, a lone surrogate), or None."""
    if "\x00" in text:
        return "contains a NUL character"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate, which is not a Unicode character"
    return None


def json_problem(data) -> str | None:
    """Why a decoded JSON document cannot be taken: nested too deep, or a text (key or value)
    with a `text_problem`. Walked with a stack, never recursively."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                return f"nested more than {MAX_JSON_DEPTH} levels deep"
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if isinstance(key, str):
                    problem = text_problem(key)
                    if problem:
                        return f"a key {problem}"
                stack.append((item, depth + 1))
        elif isinstance(value, str):
            problem = text_problem(value)
            if problem:
                return f"a value {problem}"
    return None


class CheckedJSONParser(JSONParser):
    """DRF's JSON parser, refusing (as a parse error: 400) what `json_problem` finds."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                f"JSON parse error - nested more than {MAX_JSON_DEPTH} levels deep"
            ) from None
        problem = json_problem(data)
        if problem:
            raise ParseError(f"JSON parse error - {problem}")
        return data


def query_problem(request) -> str | None:
    """Why the query string cannot be taken: a name or value with a `text_problem`."""
    for name, values in request.GET.lists():
        for text in (name, *values):
            problem = text_problem(text)
            if problem:
                return f"The query parameter {name!r} {problem}."
    return None


class RequestInputMiddleware:
    """Refuse a query string no filter can use: 400, in the API's one error body under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = query_problem(request)
        if problem:
            if request.path.startswith("/api/"):
                return JsonResponse(error_body(problem), status=400)
            return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
