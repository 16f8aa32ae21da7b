"""Two-factor authentication after a password: allauth.mfa's TOTP authenticator and recovery
codes, the organization's policy of who must use them, and the record of every change."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code
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
    if totp_of(user) is None:
        raise ValidationError("Turn on two-factor authentication first.")
    Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).delete()
    codes = RecoveryCodes.activate(user).get_unused_codes()
    _record(user, SignInMethod.RECOVERY, "New recovery codes made (the old ones no longer work)")
    return codes


@transaction.atomic
def totp_deactivate(*, user: User, code: str) -> None:
    """Turn off the second factor, proven with a current code; refused where it is required."""
    if required_for(user=user):
        raise ValidationError({"code": "Your organization requires two-factor authentication."})
    if second_factor_check(user=user, code=code) is None:
        raise ValidationError({"code": "That code is not right."})
    Authenticator.objects.filter(user=user).delete()
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
