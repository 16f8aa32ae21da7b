"""Demo data of enterprise sign-in: Acme Corp's identity provider, set up but off (the demo has
no identity provider to reach; the README tells how to point it at a real one), and sign-ins
of every kind in its record."""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import Organization, User
from identity import services
from identity.models import SignInMethod, SignInOutcome, SsoConnection


def seed_single_sign_on(log: Callable[[str], None]) -> None:
    organization = Organization.objects.filter(name="Acme Corp").first()
    admin = User.objects.filter(email="admin@acme.example").first()
    if organization is None or admin is None:
        return
    if not SsoConnection.objects.filter(organization=organization).exists():
        services.connection_save(
            actor=admin,
            organization=organization,
            domain="acme.example",
            discovery_url="https://login.acme.example/oauth2/default",
            client_id="rpo-portal-demo",
            client_secret="demo-secret-replace-with-the-real-one",  # noqa: S106
            enabled=False,
            group_claim="groups",
            role_mapping={"portal-hr": "hr_lead"},
        )
    viewer = User.objects.filter(email="viewer@acme.example").first()
    for user, email, method, outcome, action in [
        (
            admin,
            admin.email,
            SignInMethod.PASSWORD,
            SignInOutcome.SIGNED_IN,
            "Signed in: password",
        ),
        (
            viewer,
            "viewer@acme.example",
            SignInMethod.SSO,
            SignInOutcome.SIGNED_IN,
            "Signed in by single sign-on (Acme Corp)",
        ),
        (
            None,
            "contractor@gmail.example",
            SignInMethod.SSO,
            SignInOutcome.REFUSED,
            "Single sign-on refused: contractor@gmail.example is not an address of Acme Corp's "
            "domain.",
        ),
    ]:
        services.sign_in_record(
            user=user,
            email=email,
            method=method,
            outcome=outcome,
            action=action,
            organizations=[organization],
        )
    log("Single sign-on: Acme Corp's identity provider (off), and its sign-ins")
