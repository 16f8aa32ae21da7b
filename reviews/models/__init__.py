"""The shared governance log: cadences, meetings and their agendas, decisions, action items
and risks, for both parties of an engagement.

Action items are logged from meetings, breaches (as corrective actions), KPIs and risks; the
link to a breach is added by the SLA app, which owns breaches.

The models live in modules by concern; every one is imported here, where Django looks for
them (and where the migrations find `validate_timezone`).
"""

from reviews.models.agenda import AgendaItem, AgendaItemStatus
from reviews.models.meetings import (
    DEFAULT_FREQUENCY,
    HOLD_EARLY,
    TIER_ORDER,
    Cadence,
    Frequency,
    Meeting,
    MeetingStatus,
    MinutesVersion,
    Tier,
    Weekday,
    tier_above,
)
from reviews.models.personal import CalendarToken, ReminderSent
from reviews.models.qbr import (
    QBR_CONTENT_TYPES,
    QBR_EXTENSIONS,
    QbrDelivery,
    QbrFormat,
    QbrPack,
    QbrPackStatus,
    QbrSubscription,
)
from reviews.models.records import (
    OPEN_STATUSES,
    SCALE,
    ActionItem,
    ActionItemComment,
    ActionItemStatus,
    Decision,
    Priority,
    Risk,
    RiskCategory,
    RiskStatus,
    Treatment,
)
from reviews.models.validation import validate_member, validate_same_engagement, validate_timezone

__all__ = [
    "DEFAULT_FREQUENCY",
    "HOLD_EARLY",
    "OPEN_STATUSES",
    "QBR_CONTENT_TYPES",
    "QBR_EXTENSIONS",
    "SCALE",
    "TIER_ORDER",
    "ActionItem",
    "ActionItemComment",
    "ActionItemStatus",
    "AgendaItem",
    "AgendaItemStatus",
    "Cadence",
    "CalendarToken",
    "Decision",
    "Frequency",
    "Meeting",
    "MeetingStatus",
    "MinutesVersion",
    "Priority",
    "QbrDelivery",
    "QbrFormat",
    "QbrPack",
    "QbrPackStatus",
    "QbrSubscription",
    "ReminderSent",
    "Risk",
    "RiskCategory",
    "RiskStatus",
    "Tier",
    "Treatment",
    "Weekday",
    "tier_above",
    "validate_member",
    "validate_same_engagement",
    "validate_timezone",
]

# The transition plan (reviews/transition/), registered with the app's models.
from reviews.models.transition import (  # noqa: E402, F401
    Milestone,
    TemplateMilestone,
    TransitionPlan,
    TransitionTemplate,
)
