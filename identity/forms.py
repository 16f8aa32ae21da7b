from django import forms
from django.core.exceptions import ValidationError

from accounts.forms import EmailAuthenticationForm
from accounts.models import Organization
from identity import selectors
from identity.models import MfaRequirement
from identity.services import parse_role_mapping
from rpo_portal.text_rules import validate_one_line


class SignInForm(EmailAuthenticationForm):
    """The password sign-in, which tells a person whose organization requires single sign-on
    to use it (the password backend refuses them in any case)."""

    def clean(self):
        email = self.cleaned_data.get("username")
        if email:
            connection = selectors.connection_for_email(email=email)
            if connection is not None and connection.sso_required:
                glass = connection.break_glass_user
                if glass is None or glass.email != email.strip().lower():
                    raise ValidationError(
                        f"{connection.organization} signs in with single sign-on: use "
                        "“Continue with single sign-on”.",
                        code="sso_required",
                    )
        return super().clean()


class SsoStartForm(forms.Form):
    username = forms.EmailField(label="E-mail")


class SsoConnectionForm(forms.Form):
    domain = forms.CharField(
        label="E-mail domain",
        max_length=253,
        help_text="Your people's addresses end in @ this domain, e.g. acme.com. It must be "
        "the domain of your own address.",
        validators=[validate_one_line],
    )
    discovery_url = forms.URLField(
        label="Discovery URL",
        max_length=500,
        help_text="The provider's issuer address, or its /.well-known/openid-configuration.",
        assume_scheme="https",
    )
    client_id = forms.CharField(label="Client ID", max_length=255, validators=[validate_one_line])
    client_secret = forms.CharField(
        label="Client secret",
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Stored, never shown again. Leave empty to keep the stored secret.",
    )
    enabled = forms.BooleanField(label="Single sign-on is on", required=False, initial=True)
    sso_required = forms.BooleanField(
        label="Require single sign-on (passwords are refused, except the break-glass admin's)",
        required=False,
    )
    break_glass_user = forms.ModelChoiceField(
        label="Break-glass admin",
        queryset=None,
        required=False,
        empty_label="Nobody",
        help_text="The one admin who may still sign in with a password if the provider fails.",
    )
    group_claim = forms.CharField(
        label="Group claim",
        required=False,
        max_length=100,
        help_text="The ID token's claim that lists the person's groups, e.g. groups. Optional.",
        validators=[validate_one_line],
    )
    role_mapping = forms.CharField(
        label="Groups to roles",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One “group = role” a line, e.g. “portal-admins = Client admin”. People who "
        "join without a mapped group get the least role; an admin promotes them.",
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["break_glass_user"].queryset = selectors.admins_of(organization=organization)
        self.fields["break_glass_user"].label_from_instance = lambda user: user.email

    def clean_domain(self):
        return self.cleaned_data["domain"].strip().lower()

    def clean_role_mapping(self):
        return parse_role_mapping(
            self.cleaned_data.get("role_mapping") or "", organization=self.organization
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=64,
        help_text="The 6-digit code your authenticator app shows now, or one of your recovery "
        "codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class MfaPolicyForm(forms.Form):
    required_for = forms.ChoiceField(
        label="Two-factor authentication is required of",
        choices=MfaRequirement.choices,
        help_text="Asked after a password; people who sign in by single sign-on use the "
        "identity provider's.",
    )


class KeyForm(forms.Form):
    name = forms.CharField(
        label="Name of the key",
        max_length=100,
        initial="Security key",
        help_text="So you can tell your keys apart, e.g. “YubiKey” or “Laptop passkey”.",
        validators=[validate_one_line],
    )
    credential = forms.CharField(widget=forms.HiddenInput, max_length=20000)


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=100,
        help_text="What uses it, e.g. “Okta provisioning”.",
        validators=[validate_one_line],
    )
