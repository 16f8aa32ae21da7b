"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit's, served
over HTTP by pytest-django's loopback live server (discovery, authorization, token, JWKS).

The provider's own accounts are users of the test database (it is the same process); what it
asserts about each (sub, email, email_verified, groups) comes from `DIRECTORY`, keyed by the
provider's account, so the provider can speak of people the portal has never seen.

`HOSTILE` makes the provider misbehave the way an attacker or a broken provider would, after
it has built and signed its real ID token: sign it with another key, send it expired, alter
its claims without re-signing, address it to another client, or carry another sign-in's
nonce. The portal's side is never mocked.
"""

from __future__ import annotations

import base64
import json
import time

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from oauth2_provider.oauth2_validators import OAuth2Validator

DIRECTORY: dict[str, dict] = {}
HOSTILE: dict[str, object] = {}


def _resign(token: str, payload: dict, key_pem: str | bytes) -> str:
    header = jwt.get_unverified_header(token)
    return jwt.encode(payload, key_pem, algorithm="RS256", headers={"kid": header["kid"]})


def _other_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class DirectoryValidator(OAuth2Validator):
    oidc_claim_scope = None  # every claim of the directory goes into the ID token

    def get_additional_claims(self, request):
        return dict(DIRECTORY.get(request.user.email, {}))

    def finalize_id_token(self, id_token, token, token_handler, request):
        signed = super().finalize_id_token(id_token, token, token_handler, request)
        mode = HOSTILE.get("mode")
        payload = jwt.decode(signed, options={"verify_signature": False})
        own_key = settings.OAUTH2_PROVIDER["OIDC_RSA_PRIVATE_KEY"]
        if mode == "other_key":
            signed = _resign(signed, payload, _other_key_pem())
        elif mode == "expired":
            payload.update(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
            signed = _resign(signed, payload, own_key)
        elif mode == "forged":
            header, _, signature = signed.split(".")
            payload["email"] = HOSTILE["email"]
            body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
            signed = f"{header}.{body}.{signature}"
        elif mode == "wrong_audience":
            payload["aud"] = HOSTILE["audience"]
            signed = _resign(signed, payload, own_key)
        elif mode == "old_nonce":
            payload["nonce"] = HOSTILE["nonce"]
            signed = _resign(signed, payload, own_key)
        return signed
