"""Fixtures of the single sign-on tests: organizations with their identity provider (the real
OpenID Connect provider of `idp.py`, over HTTP on loopback) and a way through its sign-in."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.test import Client
from oauth2_provider.models import Application

from accounts.models import Organization, Role, User
from identity import services
from identity.models import SsoConnection, provider_id_for
from tests.factories import OrganizationFactory, ProviderFactory, UserFactory, member
from tests.identity import idp


@dataclass
class Tenant:
    organization: Organization
    admin: User
    connection: SsoConnection
    application: Application


@pytest.fixture(autouse=True)
def _clean_idp():
    idp.DIRECTORY.clear()
    idp.HOSTILE.clear()
    yield
    idp.DIRECTORY.clear()
    idp.HOSTILE.clear()


def _tenant(live_server, organization: Organization, domain: str, admin_role: str) -> Tenant:
    admin = member(organization, admin_role, user=UserFactory(email=f"admin@{domain}"))
    secret = secrets.token_urlsafe(24)
    client_id = f"portal-{organization.slug}"
    application = Application.objects.create(
        name=f"RPO Portal for {organization}",
        client_id=client_id,
        client_secret=secret,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=f"http://testserver/sso/oidc/{provider_id_for(organization)}/callback/",
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    connection = services.connection_save(
        actor=admin,
        organization=organization,
        domain=domain,
        discovery_url=f"{live_server.url}/idp/o",
        client_id=client_id,
        client_secret=secret,
    )
    return Tenant(organization, admin, connection, application)


@pytest.fixture
def acme(live_server):
    """A client organization whose people are @acme.example, with its identity provider."""
    return _tenant(live_server, OrganizationFactory(name="Acme"), "acme.example", Role.CLIENT_ADMIN)


@pytest.fixture
def beta(live_server):
    """A provider organization whose people are @beta.example, with its own client at the
    same identity provider."""
    return _tenant(live_server, ProviderFactory(name="Beta"), "beta.example", Role.PROVIDER_ADMIN)


def idp_account(email: str, **claims) -> User:
    """An account of the identity provider, which asserts `claims` (email, sub, groups ...)."""
    account = UserFactory(email=f"idp-{secrets.token_hex(4)}@idp.invalid")
    idp.DIRECTORY[account.email] = {
        "sub": f"idp|{account.pk}",
        "email": email,
        "email_verified": True,
        "name": "Pat Example",
        **claims,
    }
    return account


class IdpBrowser:
    """The person's browser at the identity provider, signed in there as their account."""

    def __init__(self, account: User):
        idp_side = Client()
        idp_side.force_login(account)
        self.session = requests.Session()
        self.session.cookies.set(settings.SESSION_COOKIE_NAME, idp_side.cookies["sessionid"].value)

    def authorize(self, url: str) -> str:
        """Follow the portal's redirect to the provider; the provider's redirect back."""
        response = self.session.get(url, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


def start(portal: Client, email: str) -> str:
    """Sign-in by e-mail at the portal: the address of the provider's authorization page."""
    response = portal.post("/sso/start/", {"username": email})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert parts.netloc == "testserver", location
    return f"{parts.path}?{parts.query}"


def sso_sign_in(portal: Client, email: str, account: User):
    """The whole round trip; the portal's answer to the provider's redirect back."""
    browser = IdpBrowser(account)
    location = browser.authorize(start(portal, email))
    return portal.get(callback_path(location))


def query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
