"""django-allauth's adapters: who a sign-in through an organization's identity provider may
reach, and how the account it opens is filled in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import render

from accounts.models import Membership, User
from identity import selectors, services
from identity.models import SignInMethod, SignInOutcome
from rpo_portal.text_rules import email_canonical

SSO_BACKEND = "identity.backends.SingleSignOnBackend"


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        # Nobody signs up with a password; accounts come from admins or single sign-on.
        return False

    def get_login_stages(self) -> list[str]:
        # A sign-in through the identity provider: its second factor is the provider's.
        return [stage for stage in super().get_login_stages() if ".mfa." not in stage]

    def login(self, request, user) -> None:
        user.backend = SSO_BACKEND
        super().login(request, user)


def _refuse(request, connection, email: str, reason: str, user: User | None = None):
    organizations = [connection.organization] if connection is not None else []
    services.sign_in_record(
        user=user,
        email=email or "unknown@unknown.invalid",
        method=SignInMethod.SSO,
        outcome=SignInOutcome.REFUSED,
        action=f"Single sign-on refused: {reason}",
        organizations=organizations,
    )
    response = render(request, "identity/sso_refused.html", {"reason": reason}, status=403)
    raise ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin) -> bool:
        # Checked in pre_social_login: a verified address of the organization's own domain.
        return True

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return True

    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse a sign-in that this organization's provider may not make.

        The provider may only sign in verified addresses of its organization's domain, and only
        people who belong to no other organization: an identity provider of one organization
        never opens a session in another's.
        """
        connection = selectors.connection_for_provider(
            provider_id=sociallogin.provider.app.provider_id
        )
        verified = [e.email for e in sociallogin.email_addresses if e.verified]
        email = email_canonical(verified[0]) if verified else ""
        if not email:
            asserted = [e.email for e in sociallogin.email_addresses]
            _refuse(
                request,
                connection,
                email_canonical(asserted[0]) if asserted else "",
                "the identity provider sent no verified address.",
            )
        if connection is None or not connection.enabled:
            _refuse(request, connection, email, "this organization's single sign-on is off.")
        if selectors.email_domain(email) != connection.domain:
            _refuse(
                request,
                connection,
                email,
                f"{email} is not an address of {connection.organization}'s domain.",
            )
        user = sociallogin.user if sociallogin.is_existing else None
        if user is None:
            user = User.objects.filter(email=email).first()
        if user is not None:
            if user.email != email:
                _refuse(request, connection, email, "the address no longer matches.", user)
            if not user.is_active:
                _refuse(request, connection, email, "the account is deactivated.", user)
            others = Membership.objects.filter(user=user).exclude(
                organization=connection.organization
            )
            if others.exists():
                _refuse(
                    request,
                    connection,
                    email,
                    "the account belongs to another organization; sign in with its password.",
                    user,
                )
        claims = sociallogin.account.extra_data.get("id_token") or {}
        request.identity_sso = (connection, claims)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = email_canonical(user.email or "")
        user.full_name = (data.get("name") or "").strip()[:200]
        return user
