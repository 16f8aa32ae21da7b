"""The portal's URLs, plus the test identity provider's under /idp/o/."""

from django.urls import include, path

from orchestration.urls import handler404, handler500
from orchestration.urls import urlpatterns as portal

urlpatterns = [
    path("idp/o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    *portal,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
