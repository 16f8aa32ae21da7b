"""An organization's single sign-on, and the record of every sign-in.

The identity provider's client settings (discovery URL, client id and secret) live in
django-allauth's `SocialApp`, one per organization, which allauth's OpenID Connect flow reads;
`SsoConnection` binds that app to its organization and holds what the portal decides with it:
the organization's e-mail domain, whether single sign-on is required, the break-glass admin
and how group claims map to roles. The client secret is only in the `SocialApp` row and is
never shown back nor kept in the audit history.
"""

import pghistory
from allauth.socialaccount.models import SocialApp
from django.core.exceptions import ValidationError
from django.db import models

from accounts.models import Organization, User
from rpo_portal.text_rules import OneLineCharField

PROVIDER = "org_oidc"


def provider_id_for(organization: Organization) -> str:
    """The allauth provider id of the organization's identity provider (its URLs carry it)."""
    return f"org-{organization.pk}"


def validate_domain(value: str) -> None:
    labels = value.split(".")
    if (
        len(labels) < 2
        or value != value.lower()
        or not all(
            label
            and len(label) <= 63
            and label.replace("-", "").isalnum()
            and label.isascii()
            and not label.startswith("-")
            and not label.endswith("-")
            for label in labels
        )
    ):
        raise ValidationError(f"“{value}” is not a domain name such as example.com.")


@pghistory.track(exclude=["social_app"])
class SsoConnection(models.Model):
    """One organization's OpenID Connect identity provider."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="sso_connection"
    )
    social_app = models.OneToOneField(
        SocialApp, on_delete=models.PROTECT, related_name="sso_connection", editable=False
    )
    domain = models.CharField(
        max_length=253,
        unique=True,
        validators=[validate_domain],
        help_text="The e-mail domain of the organization's people, e.g. acme.com.",
    )
    discovery_url = models.URLField(
        max_length=500,
        help_text="The provider's issuer or its /.well-known/openid-configuration address.",
    )
    client_id = OneLineCharField(max_length=255)
    secret_changed_at = models.DateTimeField(editable=False)
    enabled = models.BooleanField(default=True)
    sso_required = models.BooleanField(
        default=False,
        help_text="Members must sign in through the identity provider; passwords are refused.",
    )
    break_glass_user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The one admin who may still sign in with a password when the provider is down.",
    )
    group_claim = OneLineCharField(
        max_length=100, blank=True, help_text="The ID token's claim that lists groups, e.g. groups."
    )
    role_mapping = models.JSONField(
        default=dict, blank=True, help_text="Group name to role, applied at each sign-in."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "single sign-on connection"

    def __str__(self) -> str:
        return f"Single sign-on of {self.organization}"


class SignInMethod(models.TextChoices):
    PASSWORD = "password", "Password"
    SSO = "sso", "Single sign-on"
    TOTP = "totp", "Password and authenticator code"
    RECOVERY = "recovery", "Password and recovery code"
    WEBAUTHN = "webauthn", "Password and security key"


class SignInOutcome(models.TextChoices):
    SIGNED_IN = "signed_in", "Signed in"
    REFUSED = "refused", "Refused"
    FACTOR_CHANGED = "factor_changed", "Factor changed"


class MfaRequirement(models.TextChoices):
    NOBODY = "nobody", "Nobody (each person chooses)"
    ADMINS = "admins", "Admins"
    EVERYONE = "everyone", "Every member"


@pghistory.track()
class MfaPolicy(models.Model):
    """Who in the organization must sign in with a second factor after their password."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="mfa_policy"
    )
    required_for = models.CharField(
        max_length=10, choices=MfaRequirement.choices, default=MfaRequirement.NOBODY
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "two-factor policy"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(required_for__in=MfaRequirement.values),
                name="mfa_policy_required_for_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Two-factor policy of {self.organization}"


@pghistory.track()
class SignInEvent(models.Model):
    """A sign-in, a refused one, or a change of a person's factors, under each organization of
    the person.

    Tracked, so it appears in the audit trail of the organization's engagements.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField()
    method = models.CharField(max_length=10, choices=SignInMethod.choices)
    outcome = models.CharField(max_length=20, choices=SignInOutcome.choices)
    action = OneLineCharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(method__in=SignInMethod.values), name="sign_in_method_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=SignInOutcome.values), name="sign_in_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.action


# The hash stays out of history; so does the time of last use (not a change of the token).
@pghistory.track(exclude=["secret_hash", "last_used_at"])
class ScimToken(models.Model):
    """The bearer token an organization's identity provider provisions users with (SCIM 2.0).

    The token is `scim_<prefix>_<secret>`; only the SHA-256 of the 256-bit secret is stored.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    name = OneLineCharField(max_length=100)
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "provisioning token"
        ordering = ["revoked_at", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organization})"


@pghistory.track()
class ScimCall(models.Model):
    """One request of the identity provider to the organization's SCIM endpoint."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(ScimToken, on_delete=models.SET_NULL, null=True, related_name="+")
    action = OneLineCharField(max_length=200)
    status = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "provisioning call"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.action


class UserSession(models.Model):
    """A signed-in session of a person, so they can see where they are signed in and end any
    one of them. The session itself is Django's (the row names its key)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    method = models.CharField(max_length=10, choices=SignInMethod.choices)
    user_agent = OneLineCharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user} since {self.created_at}"
