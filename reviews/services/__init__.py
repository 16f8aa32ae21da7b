"""Every write of the reviews app: keyword-only, atomic, validated, and on record (pghistory).

The services live in modules by concern (scheduling, meetings, agendas, records, personal);
this package names them all, so `from reviews import services` serves every caller.
"""

from reviews.services.agendas import (
    agenda_escalate,
    agenda_item_add,
    agenda_item_update,
    meeting_carry_over,
)
from reviews.services.meetings import (
    NOT_STARTED,
    meeting_cancel,
    meeting_close,
    meeting_create,
    meeting_hold,
    meeting_minutes_save,
    meeting_reinstate,
    meeting_reopen,
)
from reviews.services.personal import calendar_token_regenerate, reminders_send, token_hash
from reviews.services.records import (
    LOG_ACTION_ITEM,
    action_item_comment_add,
    action_item_create,
    action_item_update,
    decision_create,
    decision_update,
    risk_create,
    risk_update,
)
from reviews.services.scheduling import (
    MEETING_TITLES,
    ScheduleResult,
    cadence_update,
    cadences_ensure,
    meetings_schedule,
    reviews_schedule,
)

__all__ = [
    "LOG_ACTION_ITEM",
    "MEETING_TITLES",
    "NOT_STARTED",
    "ScheduleResult",
    "action_item_comment_add",
    "action_item_create",
    "action_item_update",
    "agenda_escalate",
    "agenda_item_add",
    "agenda_item_update",
    "cadence_update",
    "cadences_ensure",
    "calendar_token_regenerate",
    "decision_create",
    "decision_update",
    "meeting_cancel",
    "meeting_carry_over",
    "meeting_close",
    "meeting_create",
    "meeting_hold",
    "meeting_minutes_save",
    "meeting_reinstate",
    "meeting_reopen",
    "meetings_schedule",
    "reminders_send",
    "reviews_schedule",
    "risk_create",
    "risk_update",
    "token_hash",
]
