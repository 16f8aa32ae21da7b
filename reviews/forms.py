"""Forms of the review pages; services validate again (full_clean) and own every write."""

from __future__ import annotations

import zoneinfo

from django import forms

from engagements.forms import MemberField, MembersField
from kpis.registry import KPI_CHOICES
from reviews.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItemStatus,
    Cadence,
    Frequency,
    Priority,
    Risk,
    Tier,
    validate_timezone,
)
from rpo_portal.date_rules import bound_form_dates
from rpo_portal.text_rules import refuse_formula, refuse_formulas, validate_one_line

DATE = forms.DateInput(attrs={"type": "date"})
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class CadenceForm(forms.ModelForm):
    participants = MembersField(queryset=None, required=False)

    class Meta:
        model = Cadence
        fields = [
            "frequency",
            "weekday",
            "day_of_month",
            "time",
            "timezone",
            "duration_minutes",
            "participants",
            "stalled_after_days",
            "active",
        ]
        widgets = {"time": TIME}
        help_texts = {
            "weekday": "For weekly cadences.",
            "day_of_month": "For monthly and quarterly cadences (1-28); quarterly ones meet in "
            "the first month of each quarter.",
            "timezone": "An IANA time zone, e.g. Europe/Berlin or America/New_York.",
        }

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = members
        self.fields["frequency"].choices = Frequency.choices


class MeetingForm(forms.Form):
    tier = forms.ChoiceField(choices=Tier.choices)
    title = forms.CharField(max_length=200, validators=[validate_one_line, refuse_formula])
    date = forms.DateField(widget=DATE)
    time = forms.TimeField(widget=TIME)
    timezone = forms.CharField(max_length=64, initial="UTC", validators=[validate_timezone])
    duration_minutes = forms.IntegerField(min_value=5, max_value=480, initial=60)
    location = forms.CharField(max_length=200, required=False, validators=[validate_one_line])
    attendees = MembersField(queryset=None, required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members
        bound_form_dates(self, "date")

    def starts_at(self):
        from datetime import UTC, datetime

        data = self.cleaned_data
        tz = zoneinfo.ZoneInfo(data["timezone"])
        return datetime.combine(data["date"], data["time"], tzinfo=tz).astimezone(UTC)


class MinutesForm(forms.Form):
    minutes = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False)
    attendees = MembersField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = members


class AgendaItemForm(forms.Form):
    title = forms.CharField(max_length=200, validators=[validate_one_line])
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)


class AgendaOutcomeForm(forms.Form):
    outcome = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    status = forms.ChoiceField(choices=AgendaItemStatus.choices)
    escalate = forms.BooleanField(required=False)


class ReopenForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is the meeting cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Both parties see the reason on the meeting's page and in its history.",
        error_messages={"required": "Say why the meeting is cancelled."},
    )


class ActionItemQuickForm(forms.Form):
    """The few fields that log an item in seconds; the rest can be edited after."""

    title = forms.CharField(
        max_length=200, label="Action", validators=[validate_one_line, refuse_formula]
    )
    owner = MemberField(queryset=None)
    due_date = forms.DateField(widget=DATE)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.NORMAL, required=False)
    kpi = forms.ChoiceField(choices=[("", "No KPI"), *KPI_CHOICES], required=False, label="KPI")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        bound_form_dates(self, "due_date")

    def clean_priority(self) -> str:
        return self.cleaned_data["priority"] or Priority.NORMAL


class ActionItemForm(forms.ModelForm):
    owner = MemberField(queryset=None)

    class Meta:
        model = ActionItem
        fields = ["title", "description", "owner", "due_date", "priority", "status", "kpi", "risk"]
        widgets = {"due_date": DATE}

    def __init__(self, *args, members, risks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        self.fields["risk"].queryset = risks
        refuse_formulas(self.fields, ["title"])
        self.fields["status"].choices = ActionItemStatus.choices
        bound_form_dates(self, "due_date")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=ActionItemStatus.choices)


class CommentForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Comment")


class DecisionForm(forms.Form):
    title = forms.CharField(
        max_length=200, label="What was decided", validators=[validate_one_line, refuse_formula]
    )
    rationale = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label="Why",
        validators=[refuse_formula],
    )
    decided_by = MemberField(queryset=None)
    decided_on = forms.DateField(widget=DATE)
    meeting = forms.ModelChoiceField(queryset=None, required=False)
    kpi = forms.ChoiceField(choices=[("", "—"), *KPI_CHOICES], required=False, label="KPI")
    action_items = forms.ModelMultipleChoiceField(queryset=None, required=False)
    risks = forms.ModelMultipleChoiceField(queryset=None, required=False)

    def __init__(self, *args, members, meetings, action_items, risks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_by"].queryset = members
        self.fields["meeting"].queryset = meetings
        self.fields["action_items"].queryset = action_items
        self.fields["risks"].queryset = risks
        bound_form_dates(self, "decided_on")


class DecisionSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    party = forms.ChoiceField(
        choices=[("", "Either party"), ("client", "Client"), ("provider", "Provider")],
        required=False,
    )
    date_from = forms.DateField(required=False, widget=DATE, label="From")
    date_to = forms.DateField(required=False, widget=DATE, label="To")
    kpi = forms.ChoiceField(choices=[("", "Any KPI"), *KPI_CHOICES], required=False, label="KPI")


class RiskForm(forms.ModelForm):
    owner = MemberField(queryset=None)

    class Meta:
        model = Risk
        fields = [
            "title",
            "description",
            "category",
            "likelihood",
            "impact",
            "treatment",
            "mitigation",
            "contingency",
            "owner",
            "status",
            "next_review_on",
        ]
        widgets = {"next_review_on": DATE}

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        refuse_formulas(self.fields, ["title", "mitigation"])
        bound_form_dates(self, "next_review_on")
