from django import forms

from kpis.forms import ResponseForm  # noqa: F401 - the same answer for targets and schedules
from kpis.registry import ALL
from rpo_portal.date_rules import bound_form_dates
from rpo_portal.text_rules import refuse_formulas
from sla.models import SlaClause, clause_term_errors
from sla.schedule import TERMS

CLAUSE_FORM_FIELDS = ["key", *TERMS]


class ClauseForm(forms.ModelForm):
    """One clause, proposed on its own (a schedule of one)."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    class Meta:
        model = SlaClause
        fields = CLAUSE_FORM_FIELDS
        widgets = {
            "effective_from": forms.DateInput(attrs={"type": "date"}),
            "effective_to": forms.DateInput(attrs={"type": "date"}),
        }
        help_texts = {
            "threshold": "In the KPI's unit: the breach threshold (credit) or the "
            "outperformance threshold (bonus).",
            "segment": "The dimension's value; 'all' when the dimension is all.",
            "pct": "Credit (or bonus) in % of the period's fee.",
            "cap_pct": "The clause's credits in a quarter are at most this % of its fee.",
            "earn_back": "Credit only: earned back after this many met periods in a row.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The upload and the API refuse a formula in these cells; so does the form.
        refuse_formulas(self.fields, ["key", "segment"])
        bound_form_dates(self, "effective_from", "effective_to")

    def clean(self):
        data = super().clean()
        if data.get("dimension") == ALL and (data.get("segment") or "").lower() in ("", ALL):
            data["segment"] = ALL
        errors = clause_term_errors(
            kpi=data.get("kpi"),
            dimension=data.get("dimension") or ALL,
            segment=data.get("segment") or "",
            kind=data.get("kind"),
            pct=data.get("pct"),
            repeat_pct=data.get("repeat_pct"),
            earn_back=data.get("earn_back"),
            effective_from=data.get("effective_from"),
            effective_to=data.get("effective_to"),
        )
        for field, reason in errors.items():
            if field not in self.errors:  # a value refused as given keeps its one reason
                self.add_error(field, reason)
        return data

    def _post_clean(self):
        # The clause gets its engagement and schedule from the service, not from this form.
        pass

    def terms(self) -> dict:
        return {name: self.cleaned_data[name] for name in CLAUSE_FORM_FIELDS}


class ScheduleUploadForm(forms.Form):
    file = forms.FileField(
        label="SLA schedule file", help_text="CSV (UTF-8, header row) or XLSX (first sheet)."
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ScheduleConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)
    file_name = forms.CharField(widget=forms.HiddenInput, required=False)
    note = forms.CharField(widget=forms.HiddenInput, required=False)
    replaces = forms.IntegerField(widget=forms.HiddenInput, required=False)
