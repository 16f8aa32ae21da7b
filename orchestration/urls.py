from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("orchestration.engagement_urls")),
    path("", include("recruiting.urls")),
    path("", include("kpis.urls")),
    path("", include("reviews.urls")),
    path("", include("orchestration.breach_urls")),
    path("", include("sla.urls")),
    path("", include("forecasts.capacity_urls")),
    path("", include("reviews.qbr.urls")),
    path("", include("forecasts.urls")),
    path("", include("orchestration.market.urls")),
    path("", include("identity.urls")),
    path("", include("identity.provider_urls")),
    path("accounts/", include("accounts.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include("orchestration.api_urls")),
    path("organizations/", include("accounts.organization_urls")),
    path("admin/", admin.site.urls),
]

# Under /api/ a 404 or 500 is the API's JSON error body, like every other API error.
handler404 = "rpo_portal.api_errors.page_not_found"
handler500 = "rpo_portal.api_errors.server_error"
