"""The organization's OpenID Connect provider: allauth's, made strict.

allauth's OpenID Connect client does the protocol (discovery, the authorization code flow with
PKCE, the token request, JWKS, PyJWT's checks of issuer, audience, expiry, and a token id used
once). On top of it, without handling any token by hand:
- the ID token is required and its signature always checked against the provider's keys
  (allauth skips that check for a token fetched over TLS, which the spec allows);
- a nonce goes with every authorization request and must come back in the ID token;
- the identity is read from the verified ID token only, never from the userinfo endpoint.
"""

from __future__ import annotations

import secrets

from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.utils import build_absolute_uri
from django.http import Http404
from django.urls import reverse

from identity.models import PROVIDER


class OrganizationOIDCAdapter(OpenIDConnectOAuth2Adapter):
    expected_nonce: str | None = None

    def get_callback_url(self, request, app):
        path = reverse(f"{PROVIDER}_callback", kwargs={"provider_id": self.provider_id})
        return build_absolute_uri(request, path, self.redirect_uri_protocol)

    def complete_login(self, request, app, token, **kwargs):
        id_token = kwargs["response"].get("id_token")
        if not id_token:
            raise OAuth2Error("The identity provider sent no ID token.")
        claims = jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )
        nonce = claims.get("nonce")
        if not self.expected_nonce or not nonce:
            raise OAuth2Error("The ID token carries no nonce.")
        if not secrets.compare_digest(str(nonce), self.expected_nonce):
            raise OAuth2Error("The ID token's nonce is not this sign-in's.")
        return self.get_provider().sociallogin_from_response(request, {"id_token": claims})


class OrganizationOIDCCallbackView(OAuth2CallbackView):
    def _get_state(self, request, provider):
        state, response = super()._get_state(request, provider)
        if state is not None:
            self.adapter.expected_nonce = state.get("nonce")
        return state, response


class OrganizationOIDCProvider(OpenIDConnectProvider):
    id = PROVIDER
    name = "Single sign-on"
    oauth2_adapter_class = OrganizationOIDCAdapter
    pkce_enabled_default = True

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        auth_params["nonce"] = nonce
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, nonce=nonce, **kwargs
        )


provider_classes = [OrganizationOIDCProvider]


def _app_missing(view):
    from allauth.socialaccount.models import SocialApp

    def wrapped(request, provider_id):
        try:
            return view(request, provider_id)
        except SocialApp.DoesNotExist as error:
            raise Http404("No such identity provider.") from error

    return wrapped


@_app_missing
def login(request, provider_id):
    adapter = OrganizationOIDCAdapter(request, provider_id)
    return OAuth2LoginView.adapter_view(adapter)(request)


@_app_missing
def callback(request, provider_id):
    adapter = OrganizationOIDCAdapter(request, provider_id)
    return OrganizationOIDCCallbackView.adapter_view(adapter)(request)
