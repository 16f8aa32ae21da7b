"""Pages of the Reviews tab: thin views over selectors (reads) and services (writes)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from engagements.access import get_engagement_for
from reviews import selectors, services
from reviews.calendars import calendar_ics
from reviews.forms import (
    ActionItemForm,
    ActionItemQuickForm,
    AgendaItemForm,
    AgendaOutcomeForm,
    CadenceForm,
    CommentForm,
    DecisionForm,
    DecisionSearchForm,
    MeetingForm,
    MinutesForm,
    ReopenForm,
    RiskForm,
    StatusForm,
)
from reviews.heatmap import heat_map_svg
from reviews.models import Cadence, MeetingStatus, Tier, tier_above
from reviews.plan import PLAN_DIMENSIONS, plan_vs_actual

RECORD = "reviews.record_review"
LOG = "reviews.log_action_item"
CADENCE = "reviews.change_cadence"
TOKEN_SESSION_KEY = "reviews-calendar-token"  # noqa: S105 - a session key, not a secret


def post_only(view):
    """POST views: the tenancy gate first (outsiders get 404 for any method), then 405."""

    @wraps(view)
    def wrapper(request, engagement_id: int, **kwargs):
        if request.method != "POST":
            get_engagement_for(request.user, engagement_id)
            return HttpResponseNotAllowed(["POST"])
        return view(request, engagement_id, **kwargs)

    return wrapper


def _render(request, template: str, partial: str | None, context: dict, status: int = 200):
    if partial and request.htmx and not request.htmx.boosted:
        template += f"#{partial}"
    return render(request, template, context, status=status)


def _get(getter, **kwargs):
    """A record of the engagement, or 404 (another engagement's id is as unknown as none)."""
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist:
        raise Http404("No such record.") from None


def _apply_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


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
        **_action_panel(request, engagement, meeting=None),
    }
    return render(request, "reviews/home.html", context)


def _action_panel(request, engagement, meeting, form=None) -> dict:
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

    engagement = Engagement.objects.filter(pk=engagement_id).first()
    token = request.GET.get("token", "")
    tier = request.GET.get("tier", "")
    user = (
        selectors.calendar_token_user(engagement=engagement, token_hash=services.token_hash(token))
        if engagement and token
        else None
    )
    if user is None or tier not in Tier.values:
        raise Http404("No such calendar.")
    since = timezone.now() - timezone.timedelta(days=90)
    meetings = selectors.meetings_for_feed(engagement=engagement, tier=tier, since=since)
    pairs = [(m, request.build_absolute_uri(_meeting_url(m))) for m in meetings]
    name = f"{engagement.name}: {Tier(tier).label} reviews"
    return _ics_response(calendar_ics(pairs, name), f"{tier}-reviews.ics")


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _meeting_url(meeting) -> str:
    return reverse("reviews:meeting", args=[meeting.engagement_id, meeting.pk])


# --- cadences and meetings -----------------------------------------------------------------


@login_required
def cadence_edit(request, engagement_id: int, cadence_id: int):
    engagement = get_engagement_for(request.user, engagement_id, CADENCE)
    cadence = _get(Cadence.objects.get, pk=cadence_id, engagement=engagement)
    members = selectors.members_of(engagement=engagement)
    form = CadenceForm(request.POST or None, instance=cadence, members=members)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        participants = list(data.pop("participants"))
        try:
            services.cadence_update(
                actor=request.user,
                cadence=Cadence.objects.get(pk=cadence.pk),
                participants=participants,
                **data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, f"{cadence.get_tier_display()} cadence saved.")
            return redirect("reviews:home", engagement_id=engagement.pk)
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
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_create(
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
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            return redirect(_meeting_url(meeting))
    return render(request, "reviews/meeting_new.html", {"engagement": engagement, "form": form})


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
        "tier_above": tier_above(meeting.tier),
        **_action_panel(request, engagement, meeting=meeting),
        **extra,
    }


def _outcome(item) -> dict:
    return {"outcome": item.outcome, "status": item.status, "escalate": item.escalate}


@login_required
def meeting_detail(request, engagement_id: int, meeting_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    meeting = _get(selectors.meeting_get, engagement=engagement, meeting_id=meeting_id)
    return render(request, "reviews/meeting.html", _meeting_context(request, engagement, meeting))


@login_required
def meeting_ics(request, engagement_id: int, meeting_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    meeting = _get(selectors.meeting_get, engagement=engagement, meeting_id=meeting_id)
    url = request.build_absolute_uri(_meeting_url(meeting))
    body = calendar_ics([(meeting, url)], meeting.title)
    return _ics_response(body, f"meeting-{meeting.pk}.ics")


def _meeting_write(request, engagement_id, meeting_id, perm=RECORD):
    engagement = get_engagement_for(request.user, engagement_id, perm)
    meeting = _get(selectors.meeting_get, engagement=engagement, meeting_id=meeting_id)
    return engagement, meeting


def _back(request, engagement, meeting, error: ValidationError | None, success: str):
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect(_meeting_url(meeting))


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
@post_only
def meeting_cancel(request, engagement_id: int, meeting_id: int):
    engagement, meeting = _meeting_write(request, engagement_id, meeting_id)
    try:
        services.meeting_cancel(actor=request.user, meeting=meeting)
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, "Meeting cancelled.")


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
    item = _get(selectors.agenda_items_of(meeting=meeting).get, pk=item_id, engagement=engagement)
    form = AgendaOutcomeForm(request.POST)
    if not form.is_valid():
        return _back(request, engagement, meeting, ValidationError("Check the item."), "")
    try:
        services.agenda_item_update(actor=request.user, item=item, **form.cleaned_data)
    except ValidationError as error:
        return _back(request, engagement, meeting, error, "")
    return _back(request, engagement, meeting, None, f"“{item.title}” updated.")


# --- action items --------------------------------------------------------------------------


@login_required
def action_items(request, engagement_id: int):
    """GET: the engagement's action items. POST: quick add (htmx swaps the list in place)."""
    perm = LOG if request.method == "POST" else "engagements.view_engagement"
    engagement = get_engagement_for(request.user, engagement_id, perm)
    meeting = None
    if request.POST.get("meeting"):
        meeting = _get(
            selectors.meeting_get, engagement=engagement, meeting_id=request.POST["meeting"]
        )
    form = None
    if request.method == "POST":
        members = selectors.members_of(engagement=engagement)
        form = ActionItemQuickForm(request.POST, members=members)
        if form.is_valid():
            try:
                services.action_item_create(
                    actor=request.user, engagement=engagement, meeting=meeting, **form.cleaned_data
                )
            except ValidationError as error:
                _apply_errors(form, error)
            else:
                if not request.htmx:
                    messages.success(request, "Action item logged.")
                    return redirect(_meeting_url(meeting) if meeting else request.path)
                form = None
        if request.htmx:
            context = _action_panel(request, engagement, meeting, form)
            return render(
                request,
                "reviews/_action_items.html",
                {"engagement": engagement, **context},
            )
    status = request.GET.get("status", "open")
    owner = request.GET.get("owner", "")
    context = {
        "engagement": engagement,
        **_action_panel(request, engagement, None, form),
        "status": status,
        "statuses": [("open", "Open"), ("", "All"), ("done", "Done"), ("cancelled", "Cancelled")],
    }
    context["action_items"] = selectors.action_items_of(
        engagement=engagement, status=status, owner_id=int(owner) if owner.isdigit() else None
    )
    return _render(request, "reviews/action_items.html", None, context)


@login_required
def my_action_items(request):
    show_all = request.GET.get("all") == "1"
    items = selectors.my_action_items(user=request.user, include_closed=show_all)
    context = {"items": items, "today": timezone.localdate(), "show_all": show_all}
    return render(request, "reviews/my_action_items.html", context)


@login_required
def action_item_detail(request, engagement_id: int, item_id: int):
    perm = LOG if request.method == "POST" else "engagements.view_engagement"
    engagement = get_engagement_for(request.user, engagement_id, perm)
    item = _get(selectors.action_item_get, engagement=engagement, item_id=item_id)
    members = selectors.members_of(engagement=engagement)
    risks = selectors.risks_of(engagement=engagement, include_closed=True)
    form = ActionItemForm(request.POST or None, instance=item, members=members, risks=risks)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_item_update(
                actor=request.user,
                item=selectors.action_item_get(engagement=engagement, item_id=item.pk),
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Action item saved.")
            return redirect("reviews:action_item", engagement_id=engagement.pk, item_id=item.pk)
    context = {
        "engagement": engagement,
        "item": item,
        "form": form,
        "comment_form": CommentForm(),
        "comments": selectors.comments_of(item=item),
        "history": selectors.record_history(record=item),
        "can_log": request.user.has_perm(LOG, engagement),
        "today": timezone.localdate(),
        "escalation_tiers": [t for t in Tier if t != Tier.OPERATIONAL],
    }
    return render(request, "reviews/action_item.html", context)


@login_required
@post_only
def action_item_status(request, engagement_id: int, item_id: int):
    engagement = get_engagement_for(request.user, engagement_id, LOG)
    item = _get(selectors.action_item_get, engagement=engagement, item_id=item_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        services.action_item_update(actor=request.user, item=item, **form.cleaned_data)
    if request.htmx:
        return render(
            request,
            "reviews/_action_items.html#action_row",
            {
                "engagement": engagement,
                "item": item,
                "today": timezone.localdate(),
                "can_log": True,
            },
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("reviews:action_items", args=[engagement.pk])
    return redirect(back)


@login_required
@post_only
def action_item_comment(request, engagement_id: int, item_id: int):
    engagement = get_engagement_for(request.user, engagement_id, LOG)
    item = _get(selectors.action_item_get, engagement=engagement, item_id=item_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        services.action_item_comment_add(actor=request.user, item=item, **form.cleaned_data)
        messages.success(request, "Comment added.")
    else:
        messages.error(request, "A comment needs some text.")
    return redirect("reviews:action_item", engagement_id=engagement.pk, item_id=item.pk)


def _escalate(request, engagement, tier: str, title: str, **record):
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


@login_required
@post_only
def action_item_escalate(request, engagement_id: int, item_id: int):
    engagement = get_engagement_for(request.user, engagement_id, LOG)
    item = _get(selectors.action_item_get, engagement=engagement, item_id=item_id)
    _escalate(
        request,
        engagement,
        request.POST.get("tier", ""),
        f"Escalated: {item.title}",
        action_item=item,
    )
    return redirect("reviews:action_item", engagement_id=engagement.pk, item_id=item.pk)


# --- decisions -----------------------------------------------------------------------------


@login_required
def decisions(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    form = DecisionSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.decisions_search(
        engagement=engagement,
        text=filters.get("q", ""),
        party=filters.get("party", ""),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
        kpi=filters.get("kpi", ""),
    )[:200]
    context = {
        "engagement": engagement,
        "form": form,
        "decisions": found,
        "can_record": request.user.has_perm(RECORD, engagement),
    }
    return _render(request, "reviews/decisions.html", "results", context)


def _decision_form(request, engagement, data=None, initial=None):
    return DecisionForm(
        data,
        initial=initial,
        members=selectors.members_of(engagement=engagement),
        meetings=selectors.meetings_for_choice(engagement=engagement),
        action_items=selectors.action_items_of(engagement=engagement, status=""),
        risks=selectors.risks_of(engagement=engagement, include_closed=True),
    )


@login_required
def decision_new(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECORD)
    initial = {"decided_on": timezone.localdate(), "decided_by": request.user.pk}
    if request.GET.get("meeting", "").isdigit():
        initial["meeting"] = int(request.GET["meeting"])
    form = _decision_form(request, engagement, request.POST or None, initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["action_items"] = list(data["action_items"])
        data["risks"] = list(data["risks"])
        try:
            decision = services.decision_create(actor=request.user, engagement=engagement, **data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Decision recorded.")
            return redirect(
                "reviews:decision", engagement_id=engagement.pk, decision_id=decision.pk
            )
    return render(request, "reviews/decision_new.html", {"engagement": engagement, "form": form})


@login_required
def decision_detail(request, engagement_id: int, decision_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    decision = _get(selectors.decision_get, engagement=engagement, decision_id=decision_id)
    context = {
        "engagement": engagement,
        "decision": decision,
        "history": selectors.record_history(record=decision),
    }
    return render(request, "reviews/decision.html", context)


# --- risks ---------------------------------------------------------------------------------


@login_required
def risks(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    show_closed = request.GET.get("closed") == "1"
    context = {
        "engagement": engagement,
        "risks": selectors.risks_of(engagement=engagement, include_closed=show_closed),
        "heat_map": heat_map_svg(selectors.heat_map(engagement=engagement)),
        "today": timezone.localdate(),
        "show_closed": show_closed,
        "can_record": request.user.has_perm(RECORD, engagement),
    }
    return render(request, "reviews/risks.html", context)


@login_required
def risk_new(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECORD)
    members = selectors.members_of(engagement=engagement)
    form = RiskForm(request.POST or None, members=members, initial={"owner": request.user.pk})
    if request.method == "POST" and form.is_valid():
        try:
            risk = services.risk_create(
                actor=request.user, engagement=engagement, **form.cleaned_data
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Risk added to the register.")
            return redirect("reviews:risk", engagement_id=engagement.pk, risk_id=risk.pk)
    return render(request, "reviews/risk_form.html", {"engagement": engagement, "form": form})


@login_required
def risk_detail(request, engagement_id: int, risk_id: int):
    perm = RECORD if request.method == "POST" else "engagements.view_engagement"
    engagement = get_engagement_for(request.user, engagement_id, perm)
    risk = _get(selectors.risk_get, engagement=engagement, risk_id=risk_id)
    members = selectors.members_of(engagement=engagement)
    form = RiskForm(request.POST or None, instance=risk, members=members)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_update(
                actor=request.user,
                risk=selectors.risk_get(engagement=engagement, risk_id=risk.pk),
                **form.cleaned_data,
            )
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, "Risk saved.")
            return redirect("reviews:risk", engagement_id=engagement.pk, risk_id=risk.pk)
    context = {
        "engagement": engagement,
        "risk": risk,
        "form": form,
        "history": selectors.record_history(record=risk),
        "action_items": risk.action_items.filter(engagement=engagement).select_related("owner"),
        "can_record": request.user.has_perm(RECORD, engagement),
        "today": timezone.localdate(),
        "escalation_tiers": [t for t in Tier if t != Tier.OPERATIONAL],
    }
    return render(request, "reviews/risk.html", context)


@login_required
@post_only
def risk_escalate(request, engagement_id: int, risk_id: int):
    engagement = get_engagement_for(request.user, engagement_id, RECORD)
    risk = _get(selectors.risk_get, engagement=engagement, risk_id=risk_id)
    _escalate(request, engagement, request.POST.get("tier", ""), f"Risk: {risk.title}", risk=risk)
    return redirect("reviews:risk", engagement_id=engagement.pk, risk_id=risk.pk)


# --- plan vs actual ------------------------------------------------------------------------


@login_required
def plan_page(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    grain = request.GET.get("grain", "month")
    grain = grain if grain in ("month", "quarter") else "month"
    dimension = request.GET.get("dimension", "all")
    dimension = dimension if dimension in PLAN_DIMENSIONS else "all"
    rows = plan_vs_actual(engagement=engagement, grain=grain, dimension=dimension)
    context = {
        "engagement": engagement,
        "grain": grain,
        "dimension": dimension,
        "dimensions": PLAN_DIMENSIONS,
        "rows": rows,
    }
    return _render(request, "reviews/plan.html", "table", context)
