"""Every page form that takes a person or text of an engagement, built as its view builds it
(the engagement's members as the choices), for tests that walk their fields."""

from engagements.forms import EngagementForm
from reviews import forms as review_forms
from reviews import selectors as review_selectors
from reviews.models import ActionItem, Cadence, Tier
from sla.breaches import forms as breach_forms
from sla.forms import ClauseForm


def page_forms(engagement) -> dict:
    """{form name: a function of the posted data that builds the form}."""
    members = review_selectors.members_of(engagement=engagement)
    none = ActionItem.objects.none()
    cadence = Cadence.objects.get(engagement=engagement, tier=Tier.TACTICAL)
    return {
        "engagement": lambda data: EngagementForm(data, instance=engagement),
        "clause": ClauseForm,
        "cadence": lambda data: review_forms.CadenceForm(data, instance=cadence, members=members),
        "meeting": lambda data: review_forms.MeetingForm(data, members=members),
        "minutes": lambda data: review_forms.MinutesForm(data, members=members),
        "action_quick": lambda data: review_forms.ActionItemQuickForm(data, members=members),
        "action": lambda data: review_forms.ActionItemForm(data, members=members, risks=none),
        "decision": lambda data: review_forms.DecisionForm(
            data, members=members, meetings=none, action_items=none, risks=none
        ),
        "risk": lambda data: review_forms.RiskForm(data, members=members),
        "corrective_action": lambda data: breach_forms.CorrectiveActionForm(data, members=members),
        "remediation_plan": lambda data: breach_forms.RemediationPlanForm(data, members=members),
    }


def field_errors(form_of, field: str, value) -> list[str] | None:
    """The errors of one field when `value` is posted to it (a list for a multiple choice)."""
    multiple = field in ("participants", "attendees")
    form = form_of({field: [value] if multiple else value})
    form.is_valid()
    return form.errors.get(field)
