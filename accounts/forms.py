from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.models import ROLES_BY_KIND, Organization, Role, default_api_key_role
from rpo_portal.text_rules import validate_one_line


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100,
        help_text="What the key is for, e.g. “Workday sync”.",
        label="Name",
        validators=[validate_one_line],
    )
    role = forms.ChoiceField(
        label="Role", help_text="The key acts with this role in your organization's engagements."
    )

    def __init__(self, *args, organization: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = ROLES_BY_KIND[organization.kind]
        self.fields["role"].choices = [(r.value, r.label) for r in Role if r in allowed]
        self.fields["role"].initial = default_api_key_role(organization.kind)
