from django import forms

from kpis.registry import KPI_CHOICES
from reviews.models import Priority


class ActionItemQuickForm(forms.Form):
    """The dashboard's quick-add: who does what by when. Owners are the two parties' members."""

    title = forms.CharField(max_length=200, label="Action")
    owner = forms.TypedChoiceField(coerce=int, label="Owner")
    due_date = forms.DateField(label="Due", widget=forms.DateInput(attrs={"type": "date"}))
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL, required=False)
    kpi = forms.ChoiceField(choices=[("", "No KPI"), *KPI_CHOICES], required=False, label="KPI")

    def __init__(self, *args, team: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {m.user_id: m.user for side in team.values() for m in side}
        self.fields["owner"].choices = [("", "Choose an owner")] + [
            (
                side_label,
                [(m.user_id, f"{m.user} ({m.get_role_display()})") for m in members],
            )
            for side_label, members in (("Client", team["client"]), ("Provider", team["provider"]))
            if members
        ]

    def clean_priority(self):
        return self.cleaned_data["priority"] or Priority.NORMAL

    def clean_owner(self):
        return self.members[self.cleaned_data["owner"]]
