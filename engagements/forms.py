from django import forms

from accounts.models import User
from engagements.models import Engagement
from rpo_portal.date_rules import bound_form_dates


class _ListField(forms.CharField):
    """A comma-separated list of names (regions, departments, job families)."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        return [part.strip() for part in (value or "").split(",") if part.strip()]


class EngagementForm(forms.ModelForm):
    regions = _ListField(required=False, help_text="Comma-separated; blank means all.")
    departments = _ListField(required=False, help_text="Comma-separated; blank means all.")
    job_families = _ListField(required=False, help_text="Comma-separated; blank means all.")

    class Meta:
        model = Engagement
        fields = [
            "name",
            "model",
            "status",
            "start_date",
            "end_date",
            "currency",
            "monthly_fee",
            "at_risk_pct",
            "regions",
            "departments",
            "job_families",
            "program_manager",
            "account_lead",
            "exclude_on_hold",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        engagement = self.instance
        members = User.objects.filter(
            memberships__organization_id__in=[engagement.client_id, engagement.provider_id]
        ).order_by("full_name", "email")
        self.fields["program_manager"].queryset = members
        self.fields["account_lead"].queryset = members
        bound_form_dates(self, "start_date", "end_date")


class AuditFilterForm(forms.Form):
    """Who, what and when of the audit page (a GET form; every field may be left blank)."""

    who = forms.ChoiceField(required=False)
    model = forms.ChoiceField(required=False, label="What")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actors, models, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = [("", "Anyone"), *actors]
        self.fields["model"].choices = [("", "Everything"), *models]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The end date is before the start date.")
        return data
