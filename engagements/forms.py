from datetime import date

from django import forms

from accounts.models import User
from engagements.commercial import CommercialTerms
from engagements.models import NOT_A_MEMBER, Engagement
from engagements.services import (
    GO_LIVE_REFUSAL,
    NEGOTIATED_FIELDS,
    negotiated_refusal,
    negotiated_value,
    same_go_live,
)
from rpo_portal.date_rules import bound_form_dates
from rpo_portal.text_rules import refuse_formulas

# Django's own answers differ for a multiple choice (they quote the id); a person field gives
# the same words whatever id it was sent.
MEMBER_ERRORS = {"invalid_choice": NOT_A_MEMBER, "invalid_pk_value": NOT_A_MEMBER}


class MemberField(forms.ModelChoiceField):
    """One person of the engagement's parties; the view gives the queryset (its members)."""

    default_error_messages = MEMBER_ERRORS

    def label_from_instance(self, user):
        return str(user)


class MembersField(forms.ModelMultipleChoiceField):
    """People of the engagement's parties, as `MemberField`."""

    default_error_messages = MEMBER_ERRORS

    def label_from_instance(self, user):
        return str(user)


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
        field_classes = {"program_manager": MemberField, "account_lead": MemberField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        engagement = self.instance
        members = User.objects.filter(
            memberships__organization_id__in=[engagement.client_id, engagement.provider_id]
        ).order_by("full_name", "email")
        self.fields["program_manager"].queryset = members
        self.fields["account_lead"].queryset = members
        refuse_formulas(self.fields, ["name"])  # the QBR pack's cover names it
        bound_form_dates(self, "start_date", "end_date")

    def clean(self):
        data = super().clean()
        # The fee and the at-risk % are not fields here: a form that sends a different value
        # anyway (an old page, a script) is told where they change rather than ignored.
        sent = [
            field
            for field in NEGOTIATED_FIELDS
            if field in self.data
            and negotiated_value(self.data[field]) != getattr(self.instance, field)
        ]
        if sent:
            raise forms.ValidationError(negotiated_refusal(sent))
        if "go_live_date" in self.data and not same_go_live(
            self.data["go_live_date"], self.instance
        ):
            raise forms.ValidationError(GO_LIVE_REFUSAL)
        return data


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


class CommercialTermsForm(forms.ModelForm):
    """New terms to propose: a monthly fee and an at-risk % from the first of a month."""

    effective_from = forms.DateField(
        label="Effective from",
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        help_text="The month the terms apply from: this month or a later one.",
    )

    class Meta:
        model = CommercialTerms
        fields = ["effective_from", "monthly_fee", "at_risk_pct", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def clean_effective_from(self) -> date:
        return self.cleaned_data["effective_from"].replace(day=1)


class GoLiveForm(forms.Form):
    """A go-live date to propose; it applies once the other party agrees."""

    go_live_date = forms.DateField(
        label="Go-live date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The first day the provider runs recruiting.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["id"] = "id_go_live_note"
        bound_form_dates(self, "go_live_date")


class AnswerForm(forms.Form):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
