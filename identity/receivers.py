"""Every sign-in is recorded; a sign-in through an organization's provider gives membership."""

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from identity import services, sessions
from identity.adapter import SSO_BACKEND
from identity.models import SignInMethod, SignInOutcome


@receiver(user_logged_in, dispatch_uid="identity-sign-in")
def on_sign_in(sender, request, user, **kwargs) -> None:
    sso = getattr(request, "identity_sso", None) if request is not None else None
    if sso is not None and getattr(user, "backend", "") == SSO_BACKEND:
        connection, claims = sso
        services.sso_membership_apply(connection=connection, user=user, claims=claims)
        sessions.session_record(request=request, user=user, method=SignInMethod.SSO)
        services.sign_in_record(
            user=user,
            email=user.email,
            method=SignInMethod.SSO,
            outcome=SignInOutcome.SIGNED_IN,
            action=f"Signed in by single sign-on ({connection.organization})",
        )
        return
    second = getattr(request, "identity_second_factor", None) if request is not None else None
    method = {
        "totp": SignInMethod.TOTP,
        "recovery": SignInMethod.RECOVERY,
        "webauthn": SignInMethod.WEBAUTHN,
    }.get(second, SignInMethod.PASSWORD)
    if request is not None and hasattr(request, "session"):
        sessions.session_record(request=request, user=user, method=method)
    services.sign_in_record(
        user=user,
        email=user.email,
        method=method,
        outcome=SignInOutcome.SIGNED_IN,
        action=f"Signed in: {SignInMethod(method).label.lower()}",
    )


@receiver(user_logged_out, dispatch_uid="identity-sign-out")
def on_sign_out(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        sessions.sessions_forget(session_key=request.session.session_key)
