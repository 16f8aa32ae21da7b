from django import forms

from kpis.models import KpiTarget
from kpis.target_services import TARGET_FIELDS
from rpo_portal.date_rules import bound_form_dates

# The terms of a target are the ones the service records in its history.
TARGET_FORM_FIELDS = list(TARGET_FIELDS)


class TargetForm(forms.ModelForm):
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = KpiTarget
        fields = TARGET_FORM_FIELDS
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"kpi": "KPI"}
        help_texts = {
            "dimension": "Blank: the target applies to every segment without its own target.",
            "at_risk_threshold": "Read in the KPI's direction.",
            "breach_threshold": "Past this value the status is off track.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_form_dates(self, "effective_from", "effective_to")


class ResponseForm(forms.Form):
    decision = forms.ChoiceField(choices=[("agree", "Agree"), ("reject", "Reject")])
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
