from identity.urls import provider_urlpatterns

urlpatterns = provider_urlpatterns
