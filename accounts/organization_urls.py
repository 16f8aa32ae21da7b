from django.urls import path

from accounts import views

app_name = "organizations"
urlpatterns = [
    path("<slug:slug>/api-keys/", views.api_keys, name="api-keys"),
    path("<slug:slug>/api-keys/<int:key_id>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
