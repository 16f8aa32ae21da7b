"""Reads of the reviews app; always given the engagement or the user."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from accounts.models import User
from engagements.access import engagements_for
from engagements.models import Engagement
from engagements.selectors import members_of as engagement_members
from recruiting.models import Application, HiringPlanLine
from reviews.models import (
    OPEN_STATUSES,
    ActionItem,
    AgendaItem,
    Cadence,
    CalendarToken,
    Decision,
    Meeting,
    MeetingStatus,
    Risk,
    RiskStatus,
    Tier,
)
from reviews.quarters import quarter_end, quarter_of_period


def cadences_of(*, engagement: Engagement) -> QuerySet[Cadence]:
    order = {tier: i for i, tier in enumerate(Tier.values)}
    cadences = Cadence.objects.filter(engagement=engagement).prefetch_related("participants")
    return sorted(cadences, key=lambda c: order[c.tier])


def meetings_of(
    *, engagement: Engagement, upcoming: bool, tier: str | None = None, limit: int = 20
) -> list[Meeting]:
    now = timezone.now()
    meetings = Meeting.objects.filter(engagement=engagement).annotate(
        item_count=Count("agenda_items")
    )
    if tier:
        meetings = meetings.filter(tier=tier)
    if upcoming:
        meetings = meetings.filter(starts_at__gte=now, status=MeetingStatus.SCHEDULED)
        return list(meetings.order_by("starts_at")[:limit])
    meetings = meetings.filter(Q(starts_at__lt=now) | ~Q(status=MeetingStatus.SCHEDULED))
    return list(meetings.order_by("-starts_at")[:limit])


def next_meeting_per_tier(*, engagement: Engagement) -> list[Meeting]:
    """The next scheduled meeting of each tier, operational first. One query."""
    order = {tier: i for i, tier in enumerate(Tier.values)}
    meetings = (
        Meeting.objects.filter(
            engagement=engagement, starts_at__gte=timezone.now(), status=MeetingStatus.SCHEDULED
        )
        .order_by("tier", "starts_at")
        .distinct("tier")
    )
    return sorted(meetings, key=lambda m: order[m.tier])


def meetings_for_feed(*, engagement: Engagement, tier: str, since) -> QuerySet[Meeting]:
    """A tier's meetings from `since` on, cancelled ones included so calendars drop them."""
    return (
        Meeting.objects.filter(engagement=engagement, tier=tier, starts_at__gte=since)
        .select_related("engagement")
        .order_by("starts_at")
    )


def meetings_for_choice(*, engagement: Engagement) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(engagement=engagement)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-starts_at")
    )


def meeting_get(*, engagement: Engagement, meeting_id: int) -> Meeting:
    return (
        Meeting.objects.select_related("cadence", "organiser", "engagement", "cancelled_by")
        .prefetch_related("attendees")
        .get(pk=meeting_id, engagement=engagement)
    )


def agenda_items_of(*, meeting: Meeting) -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(
        engagement_id=meeting.engagement_id, meeting=meeting
    ).select_related(
        "action_item__owner",
        "risk",
        "breach__clause",
        "carried_from__meeting",
        "escalated_from__meeting",
    )


def item_trail(*, item: AgendaItem, limit: int = 10) -> list[AgendaItem]:
    """The item's history: where it was carried or escalated from, newest first."""
    trail = []
    current = item
    while len(trail) < limit:
        previous_id = current.carried_from_id or current.escalated_from_id
        if previous_id is None:
            break
        current = AgendaItem.objects.select_related("meeting").get(
            pk=previous_id, engagement_id=item.engagement_id
        )
        trail.append(current)
    return trail


def action_items_of(
    *, engagement: Engagement, status: str = "open", owner_id: int | None = None
) -> QuerySet[ActionItem]:
    items = ActionItem.objects.filter(engagement=engagement).select_related("owner", "meeting")
    if status == "open":
        items = items.filter(status__in=OPEN_STATUSES)
    elif status:
        items = items.filter(status=status)
    if owner_id:
        items = items.filter(owner_id=owner_id)
    return items.order_by("due_date", "id")


def my_action_items(*, user: User, include_closed: bool = False) -> QuerySet[ActionItem]:
    """The user's items in every engagement they still belong to."""
    items = ActionItem.objects.filter(
        owner=user, engagement__in=engagements_for(user)
    ).select_related("engagement", "meeting")
    if not include_closed:
        items = items.filter(status__in=OPEN_STATUSES)
    return items.order_by("due_date", "id")


def action_item_get(*, engagement: Engagement, item_id: int) -> ActionItem:
    return ActionItem.objects.select_related("owner", "meeting", "risk", "created_by").get(
        pk=item_id, engagement=engagement
    )


def comments_of(*, item: ActionItem):
    return item.comments.filter(engagement_id=item.engagement_id).select_related("author")


def decisions_search(
    *,
    engagement: Engagement,
    text: str = "",
    party: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    meeting_id: int | None = None,
    kpi: str = "",
) -> QuerySet[Decision]:
    """The decision log, full-text searched (what and why) and filtered."""
    decisions = Decision.objects.filter(engagement=engagement).select_related(
        "decided_by", "meeting"
    )
    if party:
        decisions = decisions.filter(party=party)
    if date_from:
        decisions = decisions.filter(decided_on__gte=date_from)
    if date_to:
        decisions = decisions.filter(decided_on__lte=date_to)
    if meeting_id:
        decisions = decisions.filter(meeting_id=meeting_id)
    if kpi:
        decisions = decisions.filter(kpi=kpi)
    if text.strip():
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "rationale", weight="B", config="english"
        )
        query = SearchQuery(text, search_type="websearch", config="english")
        decisions = (
            decisions.annotate(search=vector, rank=SearchRank(vector, query))
            .filter(search=query)
            .order_by("-rank", "-decided_on", "-id")
        )
    return decisions


def decision_get(*, engagement: Engagement, decision_id: int) -> Decision:
    return (
        Decision.objects.select_related("decided_by", "meeting", "created_by")
        .prefetch_related(
            Prefetch("action_items", queryset=ActionItem.objects.filter(engagement=engagement)),
            Prefetch("risks", queryset=Risk.objects.filter(engagement=engagement)),
        )
        .get(pk=decision_id, engagement=engagement)
    )


def risks_of(*, engagement: Engagement, include_closed: bool = False) -> QuerySet[Risk]:
    risks = Risk.objects.filter(engagement=engagement).select_related("owner")
    if not include_closed:
        risks = risks.exclude(status=RiskStatus.CLOSED)
    return risks


def risk_get(*, engagement: Engagement, risk_id: int) -> Risk:
    return Risk.objects.select_related("owner", "created_by").get(pk=risk_id, engagement=engagement)


def heat_map(*, engagement: Engagement) -> list[list[int]]:
    """Open risks per cell: [impact 1..5][likelihood 1..5] counts."""
    grid = [[0] * 5 for _ in range(5)]
    cells = (
        risks_of(engagement=engagement)
        .values_list("impact", "likelihood")
        .annotate(n=Count("id"))
        .order_by()
    )
    for impact, likelihood, n in cells:
        grid[impact - 1][likelihood - 1] = n
    return grid


def members_of(*, engagement: Engagement) -> QuerySet[User]:
    """People who may own items or attend: members of either party."""
    return engagement_members(engagement=engagement)


def calendar_token_user(*, engagement: Engagement, token_hash: str) -> User | None:
    """The owner of a feed token, if it is current and they still belong to the engagement."""
    token = (
        CalendarToken.objects.filter(engagement=engagement, token_hash=token_hash)
        .select_related("user")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if not engagements_for(token.user).filter(pk=engagement.pk).exists():
        return None
    return token.user


def has_calendar_token(*, engagement: Engagement, user: User) -> bool:
    return CalendarToken.objects.filter(engagement=engagement, user=user).exists()


# Who cancelled a meeting and when are the entry's own who and when.
HIDDEN_HISTORY_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "frozen_agenda",
    "slot",
    "cancelled_at",
    "cancelled_by",
    "cancelled_by_id",
}


def _history_value(model, name: str, value):
    """A choice's label rather than its stored key."""
    try:
        choices = dict(model._meta.get_field(name).flatchoices)
    except FieldDoesNotExist:
        return value
    return choices.get(value, value) if choices and isinstance(value, str | int) else value


def record_history(*, record: Any, limit: int = 50) -> list[dict]:
    """Who changed what and when, from the record's history triggers (newest first)."""
    from pghistory.models import Events

    events = list(Events.objects.tracks(record).order_by("-pgh_created_at", "-pgh_id")[:limit])
    user_ids = {(e.pgh_context or {}).get("user") for e in events} - {None}
    users = User.objects.in_bulk(user_ids)
    history = []
    for event in events:
        if event.pgh_model != f"{record._meta.app_label}.{record._meta.object_name}Event":
            continue
        diff = event.pgh_diff or {}
        model = type(record)
        changes = [
            (
                name.replace("_", " "),
                _history_value(model, name, before),
                _history_value(model, name, after),
            )
            for name, (before, after) in sorted(diff.items())
            if name not in HIDDEN_HISTORY_FIELDS
        ]
        created = event.pgh_label == "insert"
        if created or changes:
            history.append(
                {
                    "when": event.pgh_created_at,
                    "who": users.get((event.pgh_context or {}).get("user")),
                    "created": created,
                    "changes": changes,
                }
            )
    return history


# --- QBR packs ---------------------------------------------------------------------------------

ALL_DEPARTMENTS = "All departments"


@dataclass(frozen=True)
class PlanActual:
    """Planned hires against hires of one month and one department (or all departments)."""

    month: str
    department: str
    planned: int
    hired: int

    @property
    def attainment(self) -> float | None:
        """100 x hires / planned, as the plan_attainment KPI; none when nothing is planned."""
        return 100.0 * self.hired / self.planned if self.planned else None

    @property
    def variance(self) -> int:
        return self.hired - self.planned


def plan_vs_actual(*, engagement: Engagement, months: list[str], as_of: date) -> list[PlanActual]:
    """Per month: all departments, then each department the plan names or that hired.

    A hire is an application with a start date (on or before `as_of`, like the KPI engine);
    a plan row with no department counts only in the all-departments line, as the data
    contract's plan slices do. Two queries.
    """
    first = date.fromisoformat(months[0] + "-01")
    last_plan_month = min(date.fromisoformat(months[-1] + "-01"), as_of)
    last_start = min(quarter_end(quarter_of_period(months[-1])), as_of)
    planned: dict[tuple[str, str], int] = defaultdict(int)
    plan = (
        HiringPlanLine.objects.filter(
            engagement=engagement, month__gte=first, month__lte=last_plan_month
        )
        .values("month", "department")
        .annotate(total=Sum("planned_hires"))
    )
    for row in plan:
        month = row["month"].strftime("%Y-%m")
        planned[(month, ALL_DEPARTMENTS)] += row["total"]
        if row["department"]:
            planned[(month, row["department"])] += row["total"]
    hired: dict[tuple[str, str], int] = defaultdict(int)
    hires = (
        Application.objects.filter(
            engagement=engagement, started_on__gte=first, started_on__lte=last_start
        )
        .annotate(month=TruncMonth("started_on"), department=F("requisition__department"))
        .values("month", "department")
        .annotate(total=Count("id"))
    )
    for row in hires:
        month = row["month"].strftime("%Y-%m")
        hired[(month, ALL_DEPARTMENTS)] += row["total"]
        hired[(month, row["department"] or "(none)")] += row["total"]
    rows = []
    for month in months:
        departments = {d for (m, d) in (*planned, *hired) if m == month} - {ALL_DEPARTMENTS}
        for department in [ALL_DEPARTMENTS, *sorted(departments)]:
            rows.append(
                PlanActual(
                    month,
                    department,
                    planned.get((month, department), 0),
                    hired.get((month, department), 0),
                )
            )
    return rows


def open_action_items(*, engagement: Engagement):
    """Open and in-progress items, soonest due first, with their owners."""
    return (
        ActionItem.objects.filter(engagement=engagement, status__in=OPEN_STATUSES)
        .select_related("owner")
        .order_by("due_date", "id")
    )
