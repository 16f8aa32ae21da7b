from datetime import date

from django import forms

from kpis.baselines.models import BaselineSource
from kpis.registry import KPI_CHOICES
from rpo_portal.text_rules import validate_one_line

MONTH_WIDGET = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class MonthField(forms.DateField):
    widget = MONTH_WIDGET

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m", "%Y-%m-%d"], **kwargs)

    def clean(self, value) -> date:
        day = super().clean(value)
        return day.replace(day=1) if day else day


class WindowForm(forms.Form):
    """A baseline window: whole months before go-live, computed by the KPI engine."""

    window_from = MonthField(label="First month", help_text="The window's first whole month.")
    window_to = MonthField(
        label="Last month", help_text="Its last whole month, before the go-live month."
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        data = super().clean()
        first, last = data.get("window_from"), data.get("window_to")
        if first and last and last < first:
            self.add_error(
                "window_to",
                f"The months are out of order: the last month ({last:%B %Y}) is before the "
                f"first ({first:%B %Y}).",
            )
        return data


class EnteredForm(forms.Form):
    """A baseline entered by hand with its source."""

    kpi = forms.ChoiceField(label="KPI", choices=KPI_CHOICES)
    value = forms.DecimalField(
        max_digits=18, decimal_places=6, min_value=0, help_text="In the KPI's unit."
    )
    source = forms.ChoiceField(
        choices=[(k, v) for k, v in BaselineSource.choices if k != BaselineSource.COMPUTED]
    )
    source_detail = forms.CharField(
        label="Which report or benchmark",
        max_length=200,
        required=False,
        validators=[validate_one_line],
        help_text="For example: 2024 annual recruiting report, page 12.",
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
