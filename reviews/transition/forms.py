"""Forms of the transition pages; the services check everything again and own every write."""

from __future__ import annotations

from django import forms

from engagements.agreement import Party
from engagements.forms import MemberField
from rpo_portal.date_rules import bound_form_dates
from rpo_portal.text_rules import refuse_formula, validate_one_line

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanForm(forms.Form):
    starts_on = forms.DateField(
        label="Plan starts on",
        widget=DATE,
        help_text="Day 0 of the template: usually the day the contract was signed.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_form_dates(self, "starts_on")


class MilestoneForm(forms.Form):
    position = forms.IntegerField(min_value=1, max_value=999, help_text="Order in the plan.")
    phase = forms.CharField(max_length=100, validators=[validate_one_line, refuse_formula])
    title = forms.CharField(
        label="Milestone", max_length=200, validators=[validate_one_line, refuse_formula]
    )
    responsible_party = forms.ChoiceField(choices=Party.choices)
    responsible_person = MemberField(
        queryset=None, required=False, help_text="A member of the responsible party."
    )
    planned_on = forms.DateField(label="Planned date", widget=DATE)
    forecast_on = forms.DateField(
        label="Forecast date", widget=DATE, required=False, help_text="When it is now expected."
    )
    actual_on = forms.DateField(
        label="Actual date", widget=DATE, required=False, help_text="When it was met."
    )
    depends_on = forms.ModelMultipleChoiceField(
        queryset=None,
        required=False,
        label="Depends on",
        widget=forms.CheckboxSelectMultiple,
        help_text="Milestones of this plan that must come first.",
    )
    evidence_url = forms.URLField(
        label="Evidence link", max_length=500, required=False, assume_scheme="https"
    )
    evidence_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        validators=[refuse_formula],
        help_text="What shows it was met (a document, a decision, an e-mail).",
    )

    def __init__(self, *args, members, milestones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_person"].queryset = members
        self.fields["depends_on"].queryset = milestones
        self.fields["depends_on"].label_from_instance = lambda m: f"{m.position}. {m.title}"
        bound_form_dates(self, "planned_on", "forecast_on", "actual_on")

    @classmethod
    def initial_of(cls, milestone) -> dict:
        return {
            **{
                name: getattr(milestone, name)
                for name in (
                    "position",
                    "phase",
                    "title",
                    "responsible_party",
                    "planned_on",
                    "forecast_on",
                    "actual_on",
                    "evidence_url",
                    "evidence_note",
                )
            },
            "responsible_person": milestone.responsible_person_id,
            "depends_on": [m.pk for m in milestone.depends_on.all()],
        }
