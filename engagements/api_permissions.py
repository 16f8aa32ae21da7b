"""The API's default permission. Kept apart from the views: DRF reads its settings, and so
imports this module, while `rest_framework.views` itself is being imported."""

from rest_framework import permissions

from accounts.tenant_middleware import principal_tenant
from engagements.access import get_engagement_for


class IsEngagementParty(permissions.IsAuthenticated):
    """The API's default permission: signed in, and on a route with `engagement_id`, a party.

    It runs before DRF looks for the method's handler, so an outsider gets 404 for every
    method, even one the endpoint does not offer, and learns nothing; and an endpoint that
    forgets the gate is still behind it. It is also the first step after DRF authenticated the
    caller, so it makes the caller's organizations the request's tenant (row-level security):
    the middleware knew only the session's user, not an API key.
    """

    def has_permission(self, request, view) -> bool:
        principal_tenant(request._request, request.user)
        if not super().has_permission(request, view):
            return False
        engagement_id = view.kwargs.get("engagement_id")
        if engagement_id is not None:
            get_engagement_for(request.user, engagement_id)
        return True
