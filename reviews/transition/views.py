"""The transition plan's pages: the plan with its timeline, a milestone's form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from charts.timeline import Bar, timeline_chart
from engagements.access import get_engagement_for
from reviews import selectors as review_selectors
from reviews.models.transition import Milestone, MilestoneStatus
from reviews.transition import selectors, services
from reviews.transition.forms import MilestoneForm, PlanForm
from reviews.views.common import form_write, get_or_404, post_only
from rpo_portal import formats

PLAN = services.PLAN


def _detail(m: Milestone) -> str:
    words = [f"planned {formats.day(m.planned_on)}"]
    if m.forecast_on and not m.actual_on:
        words.append(f"forecast {formats.day(m.forecast_on)}")
    if m.actual_on:
        words.append(f"done {formats.day(m.actual_on)}")
    return ", ".join(words)


def timeline_bars(milestones: list[Milestone], starts_on, today) -> list[Bar]:
    """Each milestone's bar runs from the latest planned date of what it depends on (the
    plan's start when it depends on nothing) to its own planned date."""
    bars = []
    for m in milestones:
        start = max((d.planned_on for d in m.depends_on.all()), default=starts_on)
        status = m.status_on(today)
        bars.append(
            Bar(
                label=f"{m.position}. {m.title}",
                start=min(start, m.planned_on),
                end=m.planned_on,
                status=status,
                status_word=MilestoneStatus(status).label.lower(),
                forecast=m.forecast_on if not m.actual_on else None,
                actual=m.actual_on,
                detail=_detail(m),
            )
        )
    return bars


def timelines(milestones, plan, today) -> dict:
    """The timeline drawn twice: wide for a desktop page, narrow (fewer, larger labels per
    pixel) for a phone; the stylesheet shows one."""
    bars = timeline_bars(milestones, plan.starts_on, today)
    title = "Transition timeline"
    return {
        "timeline_wide": timeline_chart(
            bars, chart_id="timeline-wide", title=title, today=today, width=1000
        ),
        "timeline_narrow": timeline_chart(
            bars,
            chart_id="timeline-narrow",
            title=title,
            today=today,
            width=360,
            label_share=0.45,
            with_table=False,
        ),
    }


@login_required
def transition(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id)
    today = timezone.localdate()
    plan = selectors.plan_of(engagement=engagement)
    milestones = list(selectors.milestones_of(engagement=engagement)) if plan else []
    rows = [(m, MilestoneStatus(m.status_on(today))) for m in milestones]
    context = {
        "engagement": engagement,
        "plan": plan,
        "rows": rows,
        "today": today,
        "can_plan": request.user.has_perm(PLAN, engagement),
        "plan_form": PlanForm(initial={"starts_on": engagement.start_date or today}),
        "statuses": MilestoneStatus,
    }
    if plan:
        context |= timelines(milestones, plan, today)
    return render(request, "reviews/transition/plan.html", context)


def _plan_url(engagement_id: int, milestone=None) -> str:
    url = reverse("reviews:transition", args=[engagement_id])
    return url + (f"#milestone-{milestone.pk}" if milestone else "")


@login_required
@post_only
def transition_create(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, PLAN)
    form = PlanForm(request.POST)
    saved = form_write(
        request,
        form,
        lambda data: services.transition_plan_create(
            actor=request.user, engagement=engagement, **data
        ),
        "Transition plan made from the template: edit each milestone as you go.",
        lambda plan: _plan_url(engagement.pk),
    )
    if saved:
        return saved
    today = timezone.localdate()
    context = {
        "engagement": engagement,
        "plan": selectors.plan_of(engagement=engagement),
        "rows": [],
        "today": today,
        "can_plan": True,
        "plan_form": form,
        "statuses": MilestoneStatus,
    }
    return render(request, "reviews/transition/plan.html", context, status=400)


def _form(request, engagement, data=None, initial=None, exclude=None):
    others = Milestone.objects.filter(engagement=engagement).order_by("position", "id")
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    return MilestoneForm(
        data,
        initial=initial,
        members=review_selectors.members_of(engagement=engagement),
        milestones=others,
    )


@login_required
def milestone_new(request, engagement_id: int):
    engagement = get_engagement_for(request.user, engagement_id, PLAN)
    plan = selectors.plan_of(engagement=engagement)
    if plan is None:
        messages.error(request, "Make the transition plan first.")
        return redirect("reviews:transition", engagement_id=engagement.pk)
    last = plan.milestones.order_by("-position").first()
    initial = {
        "position": min((last.position if last else 0) + 1, 999),
        "phase": last.phase if last else "",
        "responsible_party": "provider",
        "planned_on": last.planned_on if last else plan.starts_on,
    }
    form = _form(request, engagement, request.POST or None, initial)

    def write(data):
        return services.milestone_create(actor=request.user, engagement=engagement, **data)

    saved = form_write(
        request, form, write, "Milestone added.", lambda m: _plan_url(engagement.pk, m)
    )
    context = {"engagement": engagement, "form": form, "milestone": None}
    return saved or render(
        request,
        "reviews/transition/milestone_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
def milestone_edit(request, engagement_id: int, milestone_id: int):
    perm = PLAN if request.method == "POST" else "engagements.view_engagement"
    engagement = get_engagement_for(request.user, engagement_id, perm)
    milestone = get_or_404(
        selectors.milestone_get, engagement=engagement, milestone_id=milestone_id
    )
    form = _form(
        request,
        engagement,
        request.POST or None,
        MilestoneForm.initial_of(milestone),
        exclude=milestone,
    )

    def write(data):
        return services.milestone_update(actor=request.user, milestone=milestone, **data)

    saved = form_write(
        request, form, write, "Milestone saved.", lambda m: _plan_url(engagement.pk, m)
    )
    context = {
        "engagement": engagement,
        "form": form,
        "milestone": milestone,
        "status": MilestoneStatus(milestone.status_on(timezone.localdate())),
        "can_plan": request.user.has_perm(PLAN, engagement),
    }
    return saved or render(
        request,
        "reviews/transition/milestone_form.html",
        context,
        status=400 if request.method == "POST" else 200,
    )


@login_required
@post_only
def milestone_delete(request, engagement_id: int, milestone_id: int):
    engagement = get_engagement_for(request.user, engagement_id, PLAN)
    milestone = get_or_404(
        selectors.milestone_get, engagement=engagement, milestone_id=milestone_id
    )
    services.milestone_delete(actor=request.user, milestone=milestone)
    messages.success(request, f"Milestone “{milestone.title}” removed from the plan.")
    return redirect("reviews:transition", engagement_id=engagement.pk)
