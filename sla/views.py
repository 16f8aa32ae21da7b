from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from engagements.access import get_engagement_for, party_of
from kpis.models import Grain
from sla import selectors, services
from sla.forms import ClauseForm, ResponseForm, ScheduleConfirmForm, ScheduleUploadForm
from sla.models import SlaClause, SlaSchedule
from sla.schedule import COLUMN_NAMES, clauses_sign, clauses_unsign, schedule_read

PROPOSE = services.PROPOSE
AGREE = services.AGREE


def _schedule_or_404(engagement, schedule_id: int) -> SlaSchedule:
    try:
        return selectors.schedule_get(engagement=engagement, schedule_id=schedule_id)
    except SlaSchedule.DoesNotExist:
        raise Http404("No such schedule.") from None


def _schedule_url(schedule: SlaSchedule) -> str:
    return reverse("sla:schedule_detail", args=[schedule.engagement_id, schedule.pk])


def _done(request, url: str):
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
def overview(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    clauses = list(selectors.clauses_in_force(engagement=engagement))
    context = {
        "engagement": engagement,
        "clauses": selectors.clause_states(engagement=engagement, clauses=clauses),
        "schedules": selectors.schedules(engagement=engagement),
        "warnings": selectors.warnings_raised(engagement=engagement),
        "last_run": selectors.last_run(engagement=engagement),
        "can_propose": request.user.has_perm(PROPOSE, engagement),
    }
    return render(request, "sla/overview.html", context)


@login_required
def clause_detail(request, engagement_id: int, clause_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    try:
        clause = selectors.clause_get(engagement=engagement, clause_id=clause_id)
    except SlaClause.DoesNotExist:
        raise Http404("No such clause.") from None
    context = {
        "engagement": engagement,
        "clause": clause,
        "outcomes": selectors.clause_outcomes(engagement=engagement, clause=clause),
        "history": selectors.clause_history(engagement=engagement, clause=clause),
    }
    return render(request, "sla/clause_detail.html", context)


@login_required
def clause_new(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, PROPOSE)
    form = ClauseForm(initial={"grain": Grain.MONTH, "dimension": "all", "segment": "all"})
    if request.method == "POST":
        form = ClauseForm(request.POST)
        if form.is_valid():
            try:
                schedule = services.schedule_propose(
                    actor=request.user,
                    engagement=engagement,
                    clauses=[form.terms()],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Clause proposed: the other party can now respond.")
                return _done(request, _schedule_url(schedule))
    return render(request, "sla/clause_new.html", {"engagement": engagement, "form": form})


def _upload_check(request, engagement, replacing=None):
    """A posted schedule file: its check, and the confirm form when it can be proposed."""
    form = ScheduleUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return form, None, None
    upload = form.cleaned_data["file"]
    check = schedule_read(
        data=upload.read(), file_name=upload.name, engagement=engagement, replacing=replacing
    )
    confirm = None
    if check.ok:
        confirm = ScheduleConfirmForm(
            initial={
                "payload": clauses_sign(check.clauses),
                "file_name": upload.name,
                "note": form.cleaned_data["note"],
                "replaces": replacing.pk if replacing else None,
            }
        )
    return form, check, confirm


@login_required
def schedule_upload(request, engagement_id: int):
    """Upload a schedule: every error with row, column and reason, or a preview to confirm."""
    engagement = get_engagement_for(request.user, engagement_id, PROPOSE)
    form, check, confirm = ScheduleUploadForm(), None, None
    if request.method == "POST":
        form, check, confirm = _upload_check(request, engagement)
    context = {
        "engagement": engagement,
        "form": form,
        "check": check,
        "confirm": confirm,
        "columns": COLUMN_NAMES,
        "action": reverse("sla:schedule_upload", args=[engagement.pk]),
    }
    template = "sla/schedule_upload.html"
    if request.htmx and request.method == "POST":
        template += "#panel"
    return render(request, template, context)


@login_required
def schedule_confirm(request, engagement_id: int):
    """Propose the previewed schedule (or counter the one it replaces)."""
    engagement = get_engagement_for(request.user, engagement_id, PROPOSE)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ScheduleConfirmForm(request.POST)
    if not form.is_valid():
        raise Http404("No such preview.")
    try:
        clauses = clauses_unsign(form.cleaned_data["payload"])
    except signing.BadSignature:
        messages.error(request, "This preview has expired: upload the file again.")
        return redirect("sla:schedule_upload", engagement_id=engagement.pk)
    data = form.cleaned_data
    try:
        if data["replaces"]:
            replaced = _schedule_or_404(engagement, data["replaces"])
            engagement = get_engagement_for(request.user, engagement_id, AGREE)
            schedule = services.schedule_counter(
                actor=request.user,
                schedule=replaced,
                clauses=clauses,
                source_name=data["file_name"],
                note=data["note"],
            )
        else:
            schedule = services.schedule_propose(
                actor=request.user,
                engagement=engagement,
                clauses=clauses,
                source_name=data["file_name"],
                note=data["note"],
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("sla:overview", engagement_id=engagement.pk)
    messages.success(request, "Schedule proposed: the other party can now respond.")
    return _done(request, _schedule_url(schedule))


@login_required
def schedule_detail(request, engagement_id: int, schedule_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    schedule = _schedule_or_404(engagement, schedule_id)
    my_party = party_of(request.user, engagement)
    can_respond = (
        schedule.is_open
        and my_party != schedule.proposed_by_party
        and request.user.has_perm(AGREE, engagement)
    )
    response_form, upload_form, check, confirm = ResponseForm(), ScheduleUploadForm(), None, None
    if request.method == "POST":
        engagement = get_engagement_for(request.user, engagement_id, AGREE)
        if "counter" in request.POST:
            upload_form, check, confirm = _upload_check(request, engagement, replacing=schedule)
            if request.htmx:
                context = {"engagement": engagement, "form": upload_form, "check": check}
                context |= {"confirm": confirm, "columns": COLUMN_NAMES}
                return render(request, "sla/_upload_panel.html", context)
        else:
            response_form = ResponseForm(request.POST)
            if response_form.is_valid():
                respond = (
                    services.schedule_agree
                    if response_form.cleaned_data["decision"] == "agree"
                    else services.schedule_reject
                )
                try:
                    respond(
                        actor=request.user,
                        schedule=schedule,
                        note=response_form.cleaned_data["note"],
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(request, "Response recorded.")
                return _done(request, _schedule_url(schedule))
    context = {
        "engagement": engagement,
        "schedule": schedule,
        "can_respond": can_respond,
        "response_form": response_form,
        "form": upload_form,
        "check": check,
        "confirm": confirm,
        "columns": COLUMN_NAMES,
        "action": _schedule_url(schedule),
    }
    return render(request, "sla/schedule_detail.html", context)


@login_required
def scorecard(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    grain = request.GET.get("grain", Grain.MONTH)
    if grain not in Grain.values:
        grain = Grain.MONTH
    context = {
        "engagement": engagement,
        "grain": grain,
        "card": selectors.scorecard(engagement=engagement, grain=grain),
        "last_run": selectors.last_run(engagement=engagement),
    }
    template = "sla/scorecard.html"
    if request.htmx and not request.htmx.boosted:
        template += "#grid"
    return render(request, template, context)


def _by_period(lines) -> list[tuple[str, list, Decimal]]:
    """A quarter's lines by period (its months, then the quarter itself), each with the
    subtotal it adds to the net."""
    groups: dict[str, list] = {}
    for line in lines:
        groups.setdefault(line.period.key, []).append(line)
    return [
        (key, group, sum((line.counts_in_net for line in group), Decimal("0.00")))
        for key, group in sorted(groups.items())
    ]


@login_required
def ledger(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    book = selectors.ledger(engagement=engagement)
    quarters = book.quarters()
    wanted = request.GET.get("quarter")
    shown = [q for q in quarters if q[0] == wanted] if wanted else quarters
    context = {
        "engagement": engagement,
        "quarters": [(q, _by_period(lines), net) for q, lines, net in shown],
        "all_quarters": [q[0] for q in quarters],
        "quarter": wanted or "",
        "last_run": selectors.last_run(engagement=engagement),
    }
    return render(request, "sla/ledger.html", context)
