"""The transition plan on review agendas: late and slipping milestones at the tactical
review (the next one lists them, since agendas are built from live data until held)."""

from __future__ import annotations

from reviews.agenda import SECTION_ROW_LIMIT, AgendaContext, Section, register_section
from reviews.models import Meeting, Tier
from reviews.transition import selectors
from rpo_portal import formats


@register_section(
    Tier.TACTICAL, key="transition_milestones", title="Transition milestones late or slipping"
)
def late_or_slipping(meeting: Meeting, ctx: AgendaContext) -> Section:
    found = selectors.milestones_needing_attention(
        engagement_id=meeting.engagement_id, today=ctx.today
    )
    rows = [
        [
            m.phase,
            m.title,
            f"{formats.label(m.responsible_party)}"
            + (f", {m.responsible_person}" if m.responsible_person else ""),
            formats.day(m.planned_on),
            formats.day(m.forecast_on),
            formats.label(m.status_on(ctx.today)),
        ]
        for m in found[:SECTION_ROW_LIMIT]
    ]
    columns = ["Phase", "Milestone", "Responsible", "Planned", "Forecast", "Status"]
    note = "Late: planned date passed, not done. At risk: forecast after the planned date."
    return Section("", "", columns, rows, note)
