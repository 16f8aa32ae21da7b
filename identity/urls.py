from django.urls import path

from identity import provider, scim_views, views
from identity.models import PROVIDER

app_name = "identity"
urlpatterns = [
    # Before accounts/ in the root URLconf: the sign-in page that also routes to single sign-on.
    path("accounts/login/", views.login, name="login"),
    path("accounts/login/second-factor/", views.mfa_verify, name="mfa-verify"),
    path("accounts/login/set-up-second-factor/", views.mfa_enroll, name="mfa-enroll"),
    path("accounts/two-factor/", views.two_factor, name="two-factor"),
    path("accounts/sessions/", views.my_sessions, name="sessions"),
    path("organizations/<slug:slug>/sign-in/two-factor/", views.mfa_policy, name="mfa-policy"),
    path("scim/v2/<slug:slug>/Users", scim_views.users, name="scim-users"),
    path("scim/v2/<slug:slug>/Users/<str:user_id>", scim_views.users, name="scim-user"),
    path("organizations/<slug:slug>/sign-in/scim-tokens/", views.scim_tokens, name="scim-tokens"),
    path(
        "organizations/<slug:slug>/sign-in/scim-tokens/<int:token_id>/revoke/",
        views.scim_token_revoke,
        name="scim-token-revoke",
    ),
    path("sso/start/", views.sso_start, name="sso-start"),
    path("organizations/<slug:slug>/sign-in/", views.sso_settings, name="sso-settings"),
    path("organizations/<slug:slug>/sign-in/remove/", views.sso_remove, name="sso-remove"),
]

# allauth's names for the provider's views (it reverses "<provider>_login" / "_callback").
provider_urlpatterns = [
    path("sso/oidc/<str:provider_id>/login/", provider.login, name=f"{PROVIDER}_login"),
    path("sso/oidc/<str:provider_id>/callback/", provider.callback, name=f"{PROVIDER}_callback"),
]
