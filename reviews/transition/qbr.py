"""The QBR pack's transition section: every milestone of the plan with its dates and status
on the pack's day, and the counts per status."""

from __future__ import annotations

from collections import Counter

from reviews.models.transition import MilestoneStatus
from reviews.qbr.content import DATE, NUMBER, TEXT, Column, Section, Table
from reviews.qbr.sections import PackContext, section
from reviews.transition import selectors
from rpo_portal import formats


def _iso(day) -> str:
    return day.isoformat() if day else ""


@section("transition")
def transition(context: PackContext) -> Section:
    plan = selectors.plan_of(engagement=context.engagement)
    milestones = list(selectors.milestones_of(engagement=context.engagement)) if plan else []
    rows = []
    for m in milestones:
        slip = (m.forecast_on - m.planned_on).days if m.forecast_on and not m.actual_on else None
        rows.append(
            [
                m.position,
                m.phase,
                m.title,
                formats.label(m.responsible_party),
                str(m.responsible_person) if m.responsible_person else "",
                _iso(m.planned_on),
                _iso(m.forecast_on),
                _iso(m.actual_on),
                slip,
                MilestoneStatus(m.status_on(context.today)).label,
            ]
        )
    table = Table(
        "transition_milestones",
        "Transition milestones, in plan order",
        [
            Column("#", NUMBER, 5),
            Column("Phase", TEXT, 16),
            Column("Milestone", TEXT, 36),
            Column("Responsible party", TEXT, 12),
            Column("Responsible person", TEXT, 24),
            Column("Planned", DATE, 12),
            Column("Forecast", DATE, 12),
            Column("Actual", DATE, 12),
            Column("Days of slip", NUMBER, 8),
            Column("Status", TEXT, 12),
        ],
        rows,
        primary=True,
    )
    if plan is None:
        text = "No transition plan has been made for this engagement."
    else:
        counts = Counter(row[-1] for row in rows)
        text = (
            f"{formats.counted(len(rows), 'milestone')} in the plan made from the "
            f"{plan.template_name.lower()} template, starting {formats.day(plan.starts_on)}; on "
            f"{formats.day(context.today)}: "
            + ", ".join(f"{counts.get(s.label, 0)} {s.label.lower()}" for s in MilestoneStatus)
            + ". Done: an actual date is set; late: the planned date passed undone; at risk: "
            "forecast after the planned date; on track: forecast on or before it; not started: "
            "no forecast yet."
        )
    return Section("transition", "Transition plan", "Transition", [text], [table])
