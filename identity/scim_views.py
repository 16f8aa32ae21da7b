"""The SCIM 2.0 endpoint of an organization: /scim/v2/<organization>/Users."""

from __future__ import annotations

import json

from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from accounts.models import Organization
from identity import scim

CONTENT_TYPE = "application/scim+json"
MAX_COUNT = 200


def _response(body: dict | None, status: int = 200) -> JsonResponse:
    response = JsonResponse(body or {}, status=status, content_type=CONTENT_TYPE)
    if body is None:
        response.content = b""
    return response


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as error:
        raise scim.ScimError(400, "The body is not JSON.", "invalidSyntax") from error
    if not isinstance(data, dict):
        raise scim.ScimError(400, "The body is not a JSON object.", "invalidSyntax")
    return data


def _handle(request, slug: str, user_id: str | None):
    organization = Organization.objects.filter(slug=slug).first()
    token = None
    if organization is not None:
        token = scim.token_authenticate(
            organization=organization, header=request.headers.get("Authorization", "")
        )
    if token is None:
        # No such organization and a wrong token answer alike.
        response = _response(scim.ScimError(401, "A valid bearer token is required.").body(), 401)
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
        return None, None, response
    return organization, token, None


@csrf_exempt
def users(request, slug: str, user_id: str | None = None):
    organization, token, refused = _handle(request, slug, user_id)
    if refused is not None:
        return refused
    base = request.build_absolute_uri(reverse("identity:scim-users", kwargs={"slug": slug}))
    action = f"{request.method} /Users" + (f"/{user_id}" if user_id else "")
    try:
        response = _dispatch(request, organization, user_id, base)
    except scim.ScimError as error:
        response = _response(error.body(), error.status)
    scim.call_record(
        organization=organization, token=token, action=action, status=response.status_code
    )
    return response


def _dispatch(request, organization, user_id, base):
    method = request.method
    if user_id is None:
        if method == "GET":
            found = scim.filter_users(organization, request.GET.get("filter", ""))
            start = max(int(request.GET.get("startIndex", 1) or 1), 1)
            count = min(max(int(request.GET.get("count", 100) or 0), 0), MAX_COUNT)
            page = list(found[start - 1 : start - 1 + count])
            return _response(
                {
                    "schemas": [scim.LIST_SCHEMA],
                    "totalResults": found.count(),
                    "startIndex": start,
                    "itemsPerPage": len(page),
                    "Resources": [scim.resource(u, f"{base}/{u.pk}") for u in page],
                }
            )
        if method == "POST":
            user = scim.user_create(organization=organization, data=_body(request))
            response = _response(scim.resource(user, f"{base}/{user.pk}"), 201)
            response["Location"] = f"{base}/{user.pk}"
            return response
        raise scim.ScimError(405, f"{method} is not allowed here.")
    user = scim.person(organization, user_id)
    location = f"{base}/{user.pk}"
    if method == "GET":
        return _response(scim.resource(user, location))
    if method == "PUT":
        user = scim.user_replace(organization=organization, user=user, data=_body(request))
        return _response(scim.resource(user, location))
    if method == "PATCH":
        user = scim.user_patch(organization=organization, user=user, data=_body(request))
        return _response(scim.resource(user, location))
    if method == "DELETE":
        scim.user_set_active(organization=organization, user=user, active=False)
        return _response(None, 204)
    raise scim.ScimError(405, f"{method} is not allowed here.")
