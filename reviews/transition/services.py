"""Every write of the transition plan: making it from a template, adding, editing and removing
milestones, and telling both parties' leads when a milestone turns late or slips.

Each write checks the whole plan before it saves: dependencies only within the plan and
without a cycle, and no milestone planned before one it depends on. A refused write changes
nothing (one transaction).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from engagements.models import Engagement, EngagementModel
from notifications.models import Notification
from notifications.selectors import leads_of
from notifications.services import notify
from reviews.models.transition import (
    Milestone,
    MilestoneStatus,
    TemplateMilestone,
    TransitionPlan,
    TransitionTemplate,
)
from rpo_portal import fanout, formats

PLAN = "reviews.plan_transition"
EDITABLE = (
    "position",
    "phase",
    "title",
    "responsible_party",
    "responsible_person",
    "planned_on",
    "forecast_on",
    "actual_on",
    "evidence_url",
    "evidence_note",
)

# The default templates: (phase, title, party, days after the plan's start, depends on).
# Project-based engagements run a shorter mobilisation for a defined set of roles; hybrid ones
# keep the client's own team in the process, so its design and hand-over take longer.
_COMMON = [
    ("Contract", "Contract signed", "client", 0, ""),
    ("Mobilisation", "Kickoff meeting held", "provider", 7, "1"),
    ("Mobilisation", "ATS access granted", "client", 21, "2"),
    ("Design", "Process design signed off", "client", 42, "2"),
    ("Launch", "First requisitions opened", "provider", 56, "3,4"),
    ("Launch", "Go-live", "provider", 63, "5"),
    ("Stabilisation", "First hires started", "provider", 105, "6"),
    ("Stabilisation", "Steady state reached", "provider", 180, "7"),
]
_PROJECT = [
    ("Contract", "Contract signed", "client", 0, ""),
    ("Mobilisation", "Kickoff meeting held", "provider", 5, "1"),
    ("Mobilisation", "ATS access granted", "client", 14, "2"),
    ("Design", "Role profiles and process signed off", "client", 21, "2"),
    ("Launch", "First requisitions opened", "provider", 28, "3,4"),
    ("Launch", "Go-live", "provider", 30, "5"),
    ("Delivery", "First hires started", "provider", 75, "6"),
    ("Delivery", "Project hiring complete", "provider", 150, "7"),
]
_HYBRID = [
    ("Contract", "Contract signed", "client", 0, ""),
    ("Mobilisation", "Kickoff meeting held", "provider", 7, "1"),
    ("Mobilisation", "ATS access granted", "client", 21, "2"),
    ("Design", "Split of roles between the teams agreed", "client", 35, "2"),
    ("Design", "Process design signed off", "client", 56, "4"),
    ("Launch", "First requisitions opened", "provider", 70, "3,5"),
    ("Launch", "Go-live", "provider", 77, "6"),
    ("Stabilisation", "First hires started", "provider", 120, "7"),
    ("Stabilisation", "Steady state reached", "provider", 210, "8"),
]
DEFAULT_TEMPLATES = {
    EngagementModel.END_TO_END: ("End-to-end transition", _COMMON),
    EngagementModel.PROJECT_BASED: ("Project-based transition", _PROJECT),
    EngagementModel.HYBRID: ("Hybrid transition", _HYBRID),
}


def templates_ensure() -> None:
    """Each engagement model's template, made from the defaults if it has none; templates
    that exist (edited by staff in the admin) are left as they are."""
    with transaction.atomic():
        for model, (name, rows) in DEFAULT_TEMPLATES.items():
            template, created = TransitionTemplate.objects.get_or_create(
                engagement_model=model, defaults={"name": name}
            )
            if not created:
                continue
            for position, (phase, title, party, offset, depends) in enumerate(rows, start=1):
                row = TemplateMilestone(
                    template=template,
                    position=position,
                    phase=phase,
                    title=title,
                    responsible_party=party,
                    offset_days=offset,
                    depends_on=depends,
                )
                row.full_clean()
                row.save()


def _allowed(actor, engagement: Engagement) -> None:
    if not actor.has_perm(PLAN, engagement):
        raise PermissionDenied("Your role does not allow changing the transition plan.")


@transaction.atomic
def transition_plan_create(*, actor, engagement: Engagement, starts_on: date) -> TransitionPlan:
    """The engagement's plan, made from its engagement model's template: every milestone
    planned its template's offset after `starts_on`, with the template's dependencies."""
    _allowed(actor, engagement)
    if TransitionPlan.objects.filter(engagement=engagement).exists():
        raise ValidationError({"starts_on": "This engagement already has a transition plan."})
    templates_ensure()
    template = TransitionTemplate.objects.get(engagement_model=engagement.model)
    plan = TransitionPlan(
        engagement=engagement, template_name=template.name, starts_on=starts_on, created_by=actor
    )
    plan.full_clean()
    with pghistory.context(user=actor.pk):
        plan.save()
        made: dict[int, Milestone] = {}
        for row in template.milestones.all():
            milestone = Milestone(
                engagement=engagement,
                plan=plan,
                position=row.position,
                phase=row.phase,
                title=row.title,
                responsible_party=row.responsible_party,
                planned_on=starts_on + timedelta(days=row.offset_days),
                updated_by=actor,
            )
            milestone.full_clean()
            milestone.save()
            made[row.position] = milestone
            milestone.depends_on.set([made[p] for p in row.dependency_positions() if p in made])
    return plan


def _plan_of(engagement: Engagement) -> TransitionPlan:
    plan = TransitionPlan.objects.filter(engagement=engagement).first()
    if plan is None:
        raise ValidationError("Make the transition plan first.")
    return plan


def _check_dependencies(milestone: Milestone, depends_on: Iterable[Milestone]) -> None:
    """Dependencies of the same plan, without a cycle, none planned after the milestone; and
    no milestone that depends on this one planned before it."""
    depends_on = list(depends_on)
    for other in depends_on:
        if other.engagement_id != milestone.engagement_id or other.plan_id != milestone.plan_id:
            raise ValidationError(
                {"depends_on": "A milestone depends only on milestones of the same plan."}
            )
        if other.pk == milestone.pk:
            raise ValidationError({"depends_on": "A milestone cannot depend on itself."})
    # The plan's graph with this milestone's new dependencies: a path back to it is a cycle.
    edges: dict[int, set[int]] = {}
    links = Milestone.depends_on.through.objects.filter(
        from_milestone__plan_id=milestone.plan_id
    ).values_list("from_milestone_id", "to_milestone_id")
    for source, target in links:
        edges.setdefault(source, set()).add(target)
    edges[milestone.pk] = {other.pk for other in depends_on}
    titles = dict(Milestone.objects.filter(plan_id=milestone.plan_id).values_list("pk", "title"))
    for start in edges[milestone.pk]:
        seen, stack = set(), [start]
        while stack:
            node = stack.pop()
            if node == milestone.pk:
                raise ValidationError(
                    {
                        "depends_on": (
                            f"“{titles.get(start, start)}” already depends on "
                            f"“{milestone.title}”: the dependencies would go round in a circle."
                        )
                    }
                )
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, ()))
    for other in depends_on:
        if other.planned_on > milestone.planned_on:
            raise ValidationError(
                {
                    "planned_on": (
                        f"Planned {formats.day(milestone.planned_on)}, before "
                        f"“{other.title}” it depends on (planned {formats.day(other.planned_on)})."
                        " Plan it on or after that day, or remove the dependency."
                    )
                }
            )
    later = Milestone.objects.filter(
        depends_on=milestone, planned_on__lt=milestone.planned_on
    ).exclude(pk=milestone.pk)
    first = later.order_by("planned_on").first()
    if first is not None:
        raise ValidationError(
            {
                "planned_on": (
                    f"“{first.title}” depends on this milestone and is planned "
                    f"{formats.day(first.planned_on)}, before {formats.day(milestone.planned_on)}."
                )
            }
        )


def _check_dates(milestone: Milestone, today: date) -> None:
    if milestone.actual_on is not None and milestone.actual_on > today:
        raise ValidationError(
            {"actual_on": "The actual date is when it was met: today or earlier."}
        )


def _events(milestone: Milestone | None, today: date) -> set[tuple[str, date]]:
    """What a milestone's state announces: late for its planned date, or slipping to its
    forecast."""
    if milestone is None:
        return set()
    status = milestone.status_on(today)
    if status == MilestoneStatus.LATE:
        return {("late", milestone.planned_on)}
    if status == MilestoneStatus.AT_RISK:
        return {("slipping", milestone.forecast_on)}
    return set()


def _save(milestone: Milestone, depends_on, actor, before: Milestone | None = None) -> Milestone:
    today = timezone.localdate()
    milestone.updated_by = actor
    milestone.full_clean()
    _check_dates(milestone, today)
    with pghistory.context(user=actor.pk):
        milestone.save()
        if depends_on is not None:
            _check_dependencies(milestone, depends_on)
            milestone.depends_on.set(depends_on)
        else:
            _check_dependencies(milestone, milestone.depends_on.all())
    # Only what this change brought is announced: an edit of a milestone already late or
    # slipping (its evidence, say) tells nobody again, and never its author.
    if _events(milestone, today) - _events(before, today):
        milestone_alert(milestone=milestone, actor=actor, today=today)
    return milestone


@transaction.atomic
def milestone_create(
    *,
    actor,
    engagement: Engagement,
    phase: str,
    title: str,
    responsible_party: str,
    planned_on: date,
    responsible_person=None,
    forecast_on: date | None = None,
    actual_on: date | None = None,
    depends_on: Iterable[Milestone] = (),
    evidence_url: str = "",
    evidence_note: str = "",
    position: int | None = None,
) -> Milestone:
    _allowed(actor, engagement)
    plan = _plan_of(engagement)
    if position is None:
        last = plan.milestones.order_by("-position").values_list("position", flat=True).first()
        position = min((last or 0) + 1, 999)
    milestone = Milestone(
        engagement=engagement,
        plan=plan,
        position=position,
        phase=phase,
        title=title,
        responsible_party=responsible_party,
        responsible_person=responsible_person,
        planned_on=planned_on,
        forecast_on=forecast_on,
        actual_on=actual_on,
        evidence_url=evidence_url,
        evidence_note=evidence_note,
    )
    return _save(milestone, list(depends_on), actor)


@transaction.atomic
def milestone_update(*, actor, milestone: Milestone, **changes) -> Milestone:
    """Change any of a milestone's fields (`EDITABLE`) and its dependencies (`depends_on`)."""
    _allowed(actor, milestone.engagement)
    locked = Milestone.objects.select_for_update().get(pk=milestone.pk)
    before = Milestone(
        planned_on=locked.planned_on, forecast_on=locked.forecast_on, actual_on=locked.actual_on
    )
    depends_on = changes.pop("depends_on", None)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    for name, value in changes.items():
        setattr(locked, name, value)
    saved = _save(locked, None if depends_on is None else list(depends_on), actor, before)
    milestone.refresh_from_db()
    return saved


@transaction.atomic
def milestone_delete(*, actor, milestone: Milestone) -> None:
    """Remove a milestone; those that depended on it no longer do."""
    _allowed(actor, milestone.engagement)
    with pghistory.context(user=actor.pk):
        Milestone.objects.filter(pk=milestone.pk, engagement=milestone.engagement).delete()


# --- alerts -------------------------------------------------------------------------------------


def _alert_words(milestone: Milestone, kind: str) -> tuple[str, str]:
    planned = formats.day(milestone.planned_on)
    if kind == "late":
        return (
            f"Milestone late: {milestone.title}",
            f"“{milestone.title}” ({milestone.phase}) was planned for {planned} and is not "
            "done yet. It is on the agenda of the next tactical review.",
        )
    return (
        f"Milestone slipping: {milestone.title}",
        f"“{milestone.title}” ({milestone.phase}) is now forecast for "
        f"{formats.day(milestone.forecast_on)}, after its planned date {planned}. "
        "It is on the agenda of the next tactical review.",
    )


def milestone_alert(*, milestone: Milestone, actor=None, today: date | None = None) -> list:
    """Tell both parties' leads that a milestone is late (its planned date passed undone) or
    slipping (forecast after planned): once per planned date it is late for, once per
    forecast it slips to, and never the person whose change made it so."""
    today = today or timezone.localdate()
    told = []
    for kind, when in sorted(_events(milestone, today)):
        subject, body = _alert_words(milestone, kind)
        told += notify(
            engagement=milestone.engagement,
            event_key=f"milestone:{milestone.pk}:{kind}:{when.isoformat()}",
            kind=f"milestone_{kind}",
            subject=subject,
            body=body,
            url=reverse("reviews:transition", args=[milestone.engagement_id])
            + f"#milestone-{milestone.pk}",
            recipients=[
                lead
                for lead in leads_of(engagement=milestone.engagement)
                if actor is None or lead.pk != actor.pk
            ],
        )
    return told


def milestones_alert_late(*, today: date | None = None) -> int:
    """The daily check: a milestone whose planned date passed undone while nobody changed it
    is announced to every lead (once per planned date). One already announced (by the change
    that made it late, without its author) is left alone. Returns how many were announced."""
    today = today or timezone.localdate()
    late = Milestone.objects.filter(actual_on__isnull=True, planned_on__lt=today).select_related(
        "engagement"
    )
    announced = 0
    for milestone in late:
        key = f"milestone:{milestone.pk}:late:{milestone.planned_on.isoformat()}"
        if Notification.objects.filter(event_key=key).exists():
            continue
        with fanout.item(
            "Milestone alert", engagement=milestone.engagement_id, milestone=milestone.pk
        ):
            announced += bool(milestone_alert(milestone=milestone, today=today))
    return announced
