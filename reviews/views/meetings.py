"""The Reviews tab, its calendar feeds, cadences, meetings and their agenda items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.tenant_middleware import principal_tenant
from engagements.access import get_engagement_for
from reviews import selectors, services
from reviews.calendars import calendar_ics
from reviews.forms import (
    AgendaItemForm,
    AgendaOutcomeForm,
    CadenceForm,
    CancelForm,
    MeetingForm,
    MinutesForm,
    ReopenForm,
)
from reviews.heatmap import heat_map_svg
from reviews.models import HOLD_EARLY, Cadence, MeetingStatus, Tier, tier_above
from reviews.views.common import (
    CADENCE,
    CANCEL_MEETING,
    RECORD,
    action_panel,
    form_write,
    get_or_404,
    meeting_url,
    post_only,
)
from rpo_portal import tenant_db

TOKEN_SESSION_KEY = "reviews-calendar-token"  # noqa: S105 - a session key, not a secret


# --- the tab -------------------------------------------------------------------------------


@login_required
def reviews_home(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    if not Cadence.objects.filter(engagement=engagement).exists():
        services.cadences_ensure(engagement=engagement)
    today = timezone.localdate()
    context = {
        "engagement": engagement,
        "cadences": selectors.cadences_of(engagement=engagement),
        "upcoming": selectors.meetings_of(engagement=engagement, upcoming=True, limit=8),
        "past": selectors.meetings_of(engagement=engagement, upcoming=False, limit=8),
        "decisions": selectors.decisions_search(engagement=engagement)[:5],
        "risks": selectors.risks_of(engagement=engagement)[:5],
        "heat_map": heat_map_svg(selectors.heat_map(engagement=engagement)),
        "today": today,
        "has_token": selectors.has_calendar_token(engagement=engagement, user=request.user),
        "new_token": request.session.pop(TOKEN_SESSION_KEY, None),
        "can_change_cadence": request.user.has_perm(CADENCE, engagement),
        "can_record": request.user.has_perm(RECORD, engagement),
        **action_panel(request, engagement, meeting=None),
    }
    return render(request, "reviews/home.html", context)


@login_required
def calendar_token(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    token = services.calendar_token_regenerate(user=request.user, engagement=engagement)
    request.session[TOKEN_SESSION_KEY] = token
    messages.success(request, "New calendar links: links with the old key no longer work.")
    return redirect(reverse("reviews:home", args=[engagement.pk]) + "#calendars")


def calendar_feed(request, engagement_id: int):
    """A cadence's meetings for calendar apps, which authenticate by the URL's token alone."""
    from engagements.models import Engagement

    token = request.GET.get("token", "")
    tier = request.GET.get("tier", "")
    # The request is anonymous: the token is checked within the engagement's own tenant (its
    # parties, found by id alone), and its owner is then the request's tenant.
    with tenant_db.tenant_transaction(tenant_db.engagement_parties(engagement_id)):
        engagement = Engagement.objects.filter(pk=engagement_id).first()
        user = (
            selectors.calendar_token_user(
                engagement=engagement, token_hash=services.token_hash(token)
            )
            if engagement and token
            else None
        )
    if user is None or tier not in Tier.values:
        raise Http404("No such calendar.")
    principal_tenant(request, user)
    since = timezone.now() - timezone.timedelta(days=90)
    meetings = selectors.meetings_for_feed(engagement=engagement, tier=tier, since=since)
    pairs = [(m, request.build_absolute_uri(meeting_url(m))) for m in meetings]
    name = f"{engagement.name}: {Tier(tier).label} reviews"
    return _ics_response(calendar_ics(pairs, name), f"{tier}-reviews.ics")


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


# --- cadences and meetings -----------------------------------------------------------------


@login_required
def cadence_edit(request, engagement_id: int, cadence_id: int):
    engagement = get_engagement_for(request.user, engagement_id, CADENCE)
    cadence = get_or_404(Cadence.objects.get, pk=cadence_id, engagement=engagement)
    members = selectors.members_of(engagement=engagement)
    form = CadenceForm(request.POST or None, instance=cadence, members=members)

    def write(data):
        participants = list(data.pop("participants"))
        return services.cadence_update(
            actor=request.user,
            cadence=Cadence.objects.get(pk=cadence.pk),
            participants=participants,
            **data,
        )

    saved = form_write(
        request,
        form,
        write,
        f"{cadence.get_tier_display()} cadence saved.",
        lambda _: reverse("reviews:home", args=[engagement.pk]),
    )
    if saved:
        return saved
    context = {
        "engagement": engagement,
        "cadence": cadence,
        "form": form,
        "history": selectors.record_history(record=cadence),
    }
    return render(request, "reviews/cadence_edit.html", context)


@login_required
def meeting_new(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECORD)
    members = selectors.members_of(engagement=engagement)
    form = MeetingForm(request.POST or None, members=members)

    def write(data):
        return services.meeting_create(
            actor=request.user,
            engagement=engagement,
            tier=data["tier"],
            title=data["title"],
            starts_at=form.starts_at(),
            duration_minutes=data["duration_minutes"],
            timezone_name=data["timezone"],
            location=data["location"],
            attendees=list(data["attendees"]),
        )

    return form_write(request, form, write, "", meeting_url) or render(
        request, "reviews/meeting_new.html", {"engagement": engagement, "form": form}
    )


def _meeting_context(request, engagement, meeting, **extra) -> dict:
    members = selectors.members_of(engagement=engagement)
    agenda = meeting.frozen_agenda
    if agenda is None and meeting.status == MeetingStatus.SCHEDULED:
        from reviews.agenda import agenda_build

        agenda = agenda_build(meeting=meeting)
    items = list(selectors.agenda_items_of(meeting=meeting))
    can_record = request.user.has_perm(RECORD, engagement)
    return {
        "engagement": engagement,
        "meeting": meeting,
        "agenda": agenda,
        "frozen": meeting.frozen_agenda is not None,
        "agenda_items": [(item, AgendaOutcomeForm(initial=_outcome(item))) for item in items],
        "item_form": AgendaItemForm(),
        "minutes_form": MinutesForm(
            initial={"minutes": meeting.minutes, "attendees": meeting.attendees.all()},
            members=members,
        ),
        "reopen_form": ReopenForm(),
        "versions": meeting.versions.select_related("closed_by", "reopened_by"),
        "decisions": meeting.decisions.filter(engagement=engagement).select_related("decided_by"),
        "history": selectors.record_history(record=meeting),
        "can_record": can_record,
        "can_close": can_record and (meeting.organiser_id in (None, request.user.pk)),
        "can_cancel": request.user.has_perm(CANCEL_MEETING, meeting),
        "hold_early_minutes": HOLD_EARLY.seconds // 60,
        "tier_above": tier_above(meeting.tier),
        **action_panel(request, engagement, meeting=meeting),
        **extra,
    }


def _outcome(item) -> dict:
    return {"outcome": item.outcome, "status": item.status, "escalate": item.escalate}


@login_required
def meeting_detail(request, engagement_id: int, meeting_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    meeting = get_or_404(selectors.meeting_get, engagement=engagement, meeting_id=meeting_id)
    return render(request, "reviews/meeting.html", _meeting_context(request, engagement, meeting))


@login_required
def meeting_ics(request, engagement_id: int, meeting_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    meeting = get_or_404(selectors.meeting_get, engagement=engagement, meeting_id=meeting_id)
    url = request.build_absolute_uri(meeting_url(meeting))
    body = calendar_ics([(meeting, url)], meeting.title)
    return _ics_response(body, f"meeting-{meeting.pk}.ics")


def _meeting_write(request, engagement_id, meeting_id, perm=RECORD):
    engagement = get_engagement_for(request.user, engagement_id, perm)
    meeting = get_or_404(selectors.meeting_get, engagement=engagement, meeting_id=meeting_id)
    return engagement, meeting


def _back(request, engagement, meeting, error: ValidationError | None, success: str):
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect(meeting_url(meeting))


@login_required
@post_only
def meeting_hold(request, engagement_id: int, meeting_id: int):
    engagement, meeting = _meeting_write(request, engagement_id, meeting_id)
    try:
        services.meeting_hold(actor=request.user, meeting=meeting)
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, "Meeting held: its agenda is frozen.")


@login_required
def meeting_cancel(request, engagement_id: int, meeting_id: int):
    """Cancelling asks for the reason first (a page of its own, so it is never one click)."""
    engagement = get_engagement_for(request.user, engagement_id)
    meeting = get_or_404(selectors.meeting_get, engagement=engagement, meeting_id=meeting_id)
    _may_cancel(request, meeting)
    form = CancelForm(request.POST or None)

    def write(data):
        return services.meeting_cancel(actor=request.user, meeting=meeting, reason=data["reason"])

    saved = form_write(request, form, write, "Meeting cancelled.", meeting_url)
    return saved or render(
        request,
        "reviews/meeting_cancel.html",
        {"engagement": engagement, "meeting": meeting, "form": form},
    )


@login_required
@post_only
def meeting_reinstate(request, engagement_id: int, meeting_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    meeting = get_or_404(selectors.meeting_get, engagement=engagement, meeting_id=meeting_id)
    _may_cancel(request, meeting)
    try:
        services.meeting_reinstate(actor=request.user, meeting=meeting)
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, "Meeting reinstated: it is on again.")


def _may_cancel(request, meeting) -> None:
    if not request.user.has_perm(CANCEL_MEETING, meeting):
        raise PermissionDenied(
            "Only the leads of the side that organises this meeting may cancel or reinstate it."
        )


@login_required
@post_only
def meeting_minutes(request, engagement_id: int, meeting_id: int):
    engagement, meeting = _meeting_write(request, engagement_id, meeting_id)
    form = MinutesForm(request.POST, members=selectors.members_of(engagement=engagement))
    if not form.is_valid():
        return _back(request, engagement, meeting, ValidationError("Check the attendees."), "")
    try:
        services.meeting_minutes_save(
            actor=request.user,
            meeting=meeting,
            minutes=form.cleaned_data["minutes"],
            attendees=list(form.cleaned_data["attendees"]),
        )
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, "Minutes saved.")


@login_required
@post_only
def meeting_close(request, engagement_id: int, meeting_id: int):
    engagement, meeting = _meeting_write(request, engagement_id, meeting_id)
    try:
        version = services.meeting_close(actor=request.user, meeting=meeting)
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, f"Minutes closed (version {version.number}).")


@login_required
@post_only
def meeting_reopen(request, engagement_id: int, meeting_id: int):
    engagement, meeting = _meeting_write(request, engagement_id, meeting_id)
    try:
        services.meeting_reopen(
            actor=request.user, meeting=meeting, reason=request.POST.get("reason", "")
        )
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, "Minutes reopened.")


@login_required
@post_only
def agenda_item_add(request, engagement_id: int, meeting_id: int):
    engagement, meeting = _meeting_write(request, engagement_id, meeting_id)
    form = AgendaItemForm(request.POST)
    if not form.is_valid():
        return _back(request, engagement, meeting, ValidationError("An item needs a title."), "")
    try:
        services.agenda_item_add(actor=request.user, meeting=meeting, **form.cleaned_data)
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, "Agenda item added.")


@login_required
@post_only
def agenda_item_update(request, engagement_id: int, meeting_id: int, item_id: int):
    engagement, meeting = _meeting_write(request, engagement_id, meeting_id)
    item = get_or_404(
        selectors.agenda_items_of(meeting=meeting).get, pk=item_id, engagement=engagement
    )
    form = AgendaOutcomeForm(request.POST)
    if not form.is_valid():
        return _back(request, engagement, meeting, ValidationError("Check the item."), "")
    try:
        services.agenda_item_update(actor=request.user, item=item, **form.cleaned_data)
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, f"“{item.title}” updated.")
