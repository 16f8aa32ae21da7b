from django import forms

from forecasts.models import MAX_CAPACITY


class CapacityProposeForm(forms.Form):
    requisitions_per_recruiter = forms.IntegerField(
        label="Requisitions per recruiter at once",
        min_value=1,
        max_value=MAX_CAPACITY,
        help_text="How many open requisitions one recruiter works at the same time.",
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WhatIfForm(forms.Form):
    """Scale one department's plan in one quarter; the page shows the result, nothing is
    saved."""

    department = forms.ChoiceField(label="Department")
    quarter = forms.ChoiceField(label="Quarter")
    percent = forms.DecimalField(
        label="Plan as % of today's",
        min_value=0,
        max_value=1000,
        decimal_places=1,
        initial=200,
        help_text="200 doubles the planned hires; 50 halves them.",
    )

    def __init__(self, *args, departments: list[str], quarters: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [(d, d) for d in departments]
        self.fields["quarter"].choices = [(q, _quarter_words(q)) for q in quarters]


def _quarter_words(key: str) -> str:
    year, quarter = key.split("-")
    return f"{quarter} {year}"
