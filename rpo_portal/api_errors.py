"""One error body for every API response that is not a success, and the schema saying so.

Every error answers `{"detail": ..., "errors": [{"index", "field", "reason"}], "error_count"}`:
`detail` is one sentence for people, `errors` the machine-readable list (for a bulk upload one
entry per bad cell, `index` the row's position; elsewhere `index` is null), `error_count` how
many errors there are in all (`errors` may hold only the first ones).
"""

from __future__ import annotations

from typing import Any

from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions

# Documented on every operation: what any request may get besides its success.
ERROR_STATUSES = {
    "400": "The request is malformed or its values are invalid (see `errors`).",
    "401": "No valid API key or session.",
    "403": "Your role may not do this in this engagement.",
    "404": "No such engagement or record (or not one of yours).",
    "429": "Too many requests: retry after the `Retry-After` header's seconds.",
}


def error_body(detail: str, errors: list[dict] | None = None, count: int | None = None) -> dict:
    errors = errors if errors is not None else [{"index": None, "field": None, "reason": detail}]
    return {
        "detail": detail,
        "errors": errors,
        "error_count": max(count or 0, len(errors)),
    }


def _items(detail: Any, field: str | None = None) -> list[dict]:
    """DRF's nested error details as flat {index, field, reason} items."""
    if isinstance(detail, dict):
        return [item for key, value in detail.items() for item in _items(value, str(key))]
    if isinstance(detail, list):
        return [item for value in detail for item in _items(value, field)]
    return [
        {
            "index": None,
            "field": None if field == "non_field_errors" else field,
            "reason": str(detail),
        }
    ]


def exception_handler(exc: Exception, context: dict):
    """DRF's handler (which also turns Django's 404 and 403 into API errors), with every error
    reshaped into the one error body."""
    # Imported here: DRF's views module reads the API settings, whose parser lives in
    # rpo_portal.request_input, which uses this module's error body.
    from rest_framework.views import exception_handler as drf_exception_handler

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("The request's values are invalid.", _items(exc.detail))
    else:
        data = response.data
        detail = data.get("detail") if isinstance(data, dict) else None
        response.data = error_body(str(detail or "The request failed."))
    return response


def document_errors(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing: the error body as a component, every error status on
    every operation, and bulk bodies that must hold at least one row."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", _error_schema())
    reference = {"$ref": "#/components/schemas/Error"}
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERROR_STATUSES.items():
                responses.setdefault(code, {"description": description})
            # Every error an operation documents (a 409 of its own too) has the one body.
            for code, documented in responses.items():
                if code.startswith(("4", "5")):
                    documented["content"] = {"application/json": {"schema": reference}}
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                if media.get("schema", {}).get("type") == "array":
                    media["schema"]["minItems"] = 1
    return result


def _error_schema() -> dict:
    item = {
        "type": "object",
        "properties": {
            "index": {"type": "integer", "nullable": True},
            "field": {"type": "string", "nullable": True},
            "reason": {"type": "string"},
        },
        "required": ["index", "field", "reason"],
    }
    return {
        "type": "object",
        "description": "The body of every error response.",
        "properties": {
            "detail": {"type": "string"},
            "errors": {"type": "array", "items": item},
            "error_count": {"type": "integer"},
        },
        "required": ["detail", "errors", "error_count"],
    }


def _api_or(page_view, status: int, detail: str):
    """Django's error page for the site; the one error body, as JSON, under /api/."""

    def view(request, *args, **kwargs):
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(detail), status=status)
        return page_view(request, *args, **kwargs)

    return view


page_not_found = _api_or(defaults.page_not_found, 404, "No such resource.")
server_error = _api_or(defaults.server_error, 500, "Something went wrong on our side.")


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Every path under /api/ that names no endpoint, for every method: the one error body.

    Routed last under /api/, so it answers in development too, where Django would otherwise
    show its debug page instead of the 404 handler (a bad id, `/engagements/abc/`, is such a
    path: the routes take only whole numbers). A path that names an endpoint with a trailing
    slash added says so, rather than redirecting (a redirect would drop a POST's body).
    """
    detail = "No such resource."
    if not request.path.endswith("/"):
        try:
            match = resolve(f"{request.path}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            detail = f"No such resource. Did you mean {request.path}/ ?"
    return JsonResponse(error_body(detail), status=404)
