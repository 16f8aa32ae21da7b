"""Two-factor authentication after a password: allauth.mfa's TOTP authenticator and recovery
codes, the organization's policy of who must use them, and the record of every change."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code
from allauth.mfa.webauthn.internal import auth as webauthn
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Membership, Organization, User
from accounts.rules import ADMIN_ROLES
from identity import services
from identity.models import MfaPolicy, MfaRequirement, SignInMethod, SignInOutcome


def policy_of(*, organization: Organization) -> str:
    policy = MfaPolicy.objects.filter(organization=organization).first()
    return policy.required_for if policy else MfaRequirement.NOBODY


def required_for(*, user: User) -> bool:
    """Whether an organization of the user requires a second factor of them."""
    memberships = Membership.objects.filter(user=user).values_list("organization_id", "role")
    policies = dict(
        MfaPolicy.objects.filter(organization_id__in=[org for org, _ in memberships]).values_list(
            "organization_id", "required_for"
        )
    )
    for organization_id, role in memberships:
        requirement = policies.get(organization_id, MfaRequirement.NOBODY)
        if requirement == MfaRequirement.EVERYONE:
            return True
        if requirement == MfaRequirement.ADMINS and role in ADMIN_ROLES:
            return True
    return False


def totp_of(user: User) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()


def recovery_of(user: User) -> Authenticator | None:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()


def unused_recovery_codes(user: User) -> int:
    recovery = recovery_of(user)
    return len(RecoveryCodes(recovery).get_unused_codes()) if recovery else 0


def _record(user: User, method: str, action: str, outcome: str = SignInOutcome.FACTOR_CHANGED):
    services.sign_in_record(
        user=user, email=user.email, method=method, outcome=outcome, action=action
    )


@transaction.atomic
def totp_activate(*, user: User, secret: str, code: str) -> list[str]:
    """Turn on the authenticator app once a code from it proves it holds `secret`; the new
    recovery codes (shown once)."""
    if totp_of(user) is not None:
        raise ValidationError({"code": "An authenticator app is already set up."})
    if not validate_totp_code(secret, code.strip()):
        raise ValidationError({"code": "That code is not right: enter the app's current code."})
    TOTP.activate(user, secret)
    Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).delete()
    codes = RecoveryCodes.activate(user).get_unused_codes()
    _record(user, SignInMethod.TOTP, "Two-factor authentication turned on")
    return codes


@transaction.atomic
def recovery_codes_regenerate(*, user: User) -> list[str]:
    if not has_factor(user):
        raise ValidationError("Turn on two-factor authentication first.")
    Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).delete()
    codes = RecoveryCodes.activate(user).get_unused_codes()
    _record(user, SignInMethod.RECOVERY, "New recovery codes made (the old ones no longer work)")
    return codes


@transaction.atomic
def totp_deactivate(*, user: User, code: str) -> None:
    """Remove the authenticator app, proven with a current code; refused where a second factor
    is required and the app is the last one. Recovery codes go with the last factor."""
    keys = Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN)
    if required_for(user=user) and not keys.exists():
        raise ValidationError({"code": "Your organization requires two-factor authentication."})
    if second_factor_check(user=user, code=code) is None:
        raise ValidationError({"code": "That code is not right."})
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    if not keys.exists():
        Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).delete()
    _record(user, SignInMethod.TOTP, "Two-factor authentication turned off")


def second_factor_check(*, user: User, code: str) -> str | None:
    """The method a code proves (an app's code, or an unused recovery code, then used up), or
    None. An app's code is accepted once."""
    code = code.strip().replace(" ", "")
    if not code:
        return None
    totp = totp_of(user)
    if totp is not None and TOTP(totp).validate_code(code):
        return SignInMethod.TOTP
    recovery = recovery_of(user)
    if recovery is not None and RecoveryCodes(recovery).validate_code(code):
        return SignInMethod.RECOVERY
    return None


@transaction.atomic
def policy_set(*, actor: User, organization: Organization, required_for: str) -> MfaPolicy:
    policy = MfaPolicy.objects.filter(organization=organization).first() or MfaPolicy(
        organization=organization
    )
    policy.required_for = required_for
    policy.full_clean()
    policy.save()
    return policy


# --- Security keys and passkeys (WebAuthn, allauth.mfa with python-fido2) ---------------------


def keys_of(user: User) -> list[Authenticator]:
    return list(
        Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).order_by("pk")
    )


def has_factor(user: User) -> bool:
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def key_registration_options(*, user: User) -> dict:
    """The browser's `navigator.credentials.create` options; the challenge waits in the
    session."""
    return webauthn.begin_registration(user, passwordless=False)


@transaction.atomic
def key_add(*, user: User, name: str, credential: dict) -> list[str] | None:
    """Add the key whose attestation answers the session's challenge. New recovery codes
    (shown once) if the person had none."""
    try:
        webauthn.complete_registration(credential)
    except (ValidationError, ValueError, TypeError, KeyError) as error:
        raise ValidationError({"name": "The security key's answer could not be used."}) from error
    webauthn.WebAuthn.add(user, name.strip()[:100] or "Security key", credential)
    codes = None
    if recovery_of(user) is None:
        codes = RecoveryCodes.activate(user).get_unused_codes()
    _record(user, SignInMethod.WEBAUTHN, f"Security key added: {name.strip()[:100]}")
    return codes


@transaction.atomic
def key_remove(*, user: User, key_id: int) -> None:
    key = Authenticator.objects.filter(
        user=user, type=Authenticator.Type.WEBAUTHN, pk=key_id
    ).first()
    if key is None:
        raise ValidationError("No such security key.")
    others = Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exclude(pk=key.pk)
    if required_for(user=user) and not others.exists():
        raise ValidationError("Your organization requires a second factor: add another first.")
    name = key.data.get("name", "")
    key.delete()
    if not others.exists():
        Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).delete()
    _record(user, SignInMethod.WEBAUTHN, f"Security key removed: {name}")


def key_sign_in_options(*, user: User) -> dict:
    return webauthn.begin_authentication(user)


def key_check(*, user: User, response: dict) -> bool:
    """Whether the assertion answers the session's challenge with one of the user's keys."""
    try:
        webauthn.complete_authentication(user, response)
    except (ValidationError, ValueError, TypeError, KeyError):
        return False
    return True
