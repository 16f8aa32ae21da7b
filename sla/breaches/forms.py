from django import forms

from engagements.action_items import ActionItemStatus
from engagements.forms import MemberField
from rpo_portal.date_rules import bound_form_dates
from rpo_portal.text_rules import refuse_formula, validate_one_line
from sla.models import ReliefReason


class NoteForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Note (optional)"
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


def _owner_field(members):
    return MemberField(queryset=members, label="Owner")


class CorrectiveActionForm(forms.Form):
    title = forms.CharField(
        max_length=200, label="Corrective action", validators=[validate_one_line, refuse_formula]
    )
    owner = MemberField(queryset=None)
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Details (optional)"
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"] = _owner_field(members)
        bound_form_dates(self, "due_date")


class RemediationPlanForm(CorrectiveActionForm):
    root_cause = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["root_cause", "title", "owner", "due_date", "description"]

    def __init__(self, *args, members, has_actions: bool = False, **kwargs):
        super().__init__(*args, members=members, **kwargs)
        if has_actions:  # revising a plan: another action is optional
            for name in ("title", "owner", "due_date"):
                self.fields[name].required = False

    def clean(self):
        data = super().clean()
        names = ("title", "owner", "due_date")
        given = [name for name in names if data.get(name)]
        if given:  # an action is all three or none: each one missing says so on its field
            for name in names:
                if name not in given and name not in self.errors:
                    self.add_error(
                        name,
                        f"An action needs its {self[name].label.lower()} too: give it, "
                        "or leave the action's title, owner and due date all blank.",
                    )
        return data


class ActionStatusForm(forms.Form):
    corrective_action = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=ActionItemStatus.choices)


class ReliefClaimForm(forms.Form):
    reason = forms.ChoiceField(choices=ReliefReason.choices, label="Client-side cause")
    explanation = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="What happened")
    requisitions = forms.CharField(
        required=False,
        label="Affected requisitions",
        help_text="Their ids, separated by commas or spaces (e.g. REQ-0012, REQ-0031).",
    )
    days_lost = forms.IntegerField(min_value=1, label="Days lost")

    def clean_requisitions(self) -> list[str]:
        text = self.cleaned_data["requisitions"].replace(",", " ")
        return [part for part in text.split() if part]


class ReliefAnswerForm(forms.Form):
    claim = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Note (a reason is required to reject)",
    )
