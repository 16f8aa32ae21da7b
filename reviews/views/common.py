"""What the Reviews pages share: the permissions they ask, the POST-only gate, 404s for other
engagements' records, and the one way a form's data go to a service and its refusals back."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from engagements.access import get_engagement_for
from reviews import selectors, services
from reviews.forms import ActionItemQuickForm
from reviews.models import Tier

RECORD = "reviews.record_review"
LOG = "reviews.log_action_item"
CADENCE = "reviews.change_cadence"
CANCEL_MEETING = "reviews.cancel_meeting"


def post_only(view):
    """POST views: the tenancy gate first (outsiders get 404 for any method), then 405."""

    @wraps(view)
    def wrapper(request, engagement_id: int, **kwargs):
        if request.method != "POST":
            get_engagement_for(request.user, engagement_id)
            return HttpResponseNotAllowed(["POST"])
        return view(request, engagement_id, **kwargs)

    return wrapper


def render_page(request, template: str, partial: str | None, context: dict, status: int = 200):
    if partial and request.htmx and not request.htmx.boosted:
        template += f"#{partial}"
    return render(request, template, context, status=status)


def get_or_404(getter, **kwargs):
    """A record of the engagement, or 404 (another engagement's id is as unknown as none)."""
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist:
        raise Http404("No such record.") from None


def apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_write(request, form, write, success: str, url):
    """A valid POSTed form's data (a copy) go to `write`, a service call; what the service
    refuses lands on the form. Returns the redirect to `url(record)` after the write (with
    `success` as the message, if any), or None when the form is to be shown again."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        record = write(dict(form.cleaned_data))
    except ValidationError as error:
        apply_errors(form, error)
        return None
    if success:
        messages.success(request, success)
    return redirect(url(record))


def meeting_url(meeting) -> str:
    return reverse("reviews:meeting", args=[meeting.engagement_id, meeting.pk])


def action_panel(request, engagement, meeting, form=None) -> dict:
    members = selectors.members_of(engagement=engagement)
    if meeting is not None:
        items = selectors.action_items_of(engagement=engagement, status="").filter(meeting=meeting)
    else:
        items = selectors.action_items_of(engagement=engagement)
    return {
        "action_items": items,
        "action_form": form or ActionItemQuickForm(members=members),
        "action_meeting": meeting,
        "can_log": request.user.has_perm(LOG, engagement),
        "today": timezone.localdate(),
    }


def escalate(request, engagement, tier: str, title: str, **record):
    if tier not in Tier.values:
        messages.error(request, "Choose a tier to escalate to.")
        return
    try:
        item = services.agenda_escalate(
            actor=request.user, engagement=engagement, tier=tier, title=title, **record
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, f"Escalated to {item.meeting}.")
