from django.urls import path

from reviews.transition.urls import urlpatterns as transition_urls
from reviews.views import actions, meetings, records

app_name = "reviews"
base = "engagements/<int:engagement_id>/reviews/"
meeting = f"{base}meetings/<int:meeting_id>/"
action = f"{base}actions/<int:item_id>/"
urlpatterns = [
    path(base, meetings.reviews_home, name="home"),
    path(f"{base}calendar.ics", meetings.calendar_feed, name="calendar_feed"),
    path(f"{base}calendar-token/", meetings.calendar_token, name="calendar_token"),
    path(f"{base}cadences/<int:cadence_id>/", meetings.cadence_edit, name="cadence_edit"),
    path(f"{base}meetings/new/", meetings.meeting_new, name="meeting_new"),
    path(meeting, meetings.meeting_detail, name="meeting"),
    path(f"{meeting}meeting.ics", meetings.meeting_ics, name="meeting_ics"),
    path(f"{meeting}hold/", meetings.meeting_hold, name="meeting_hold"),
    path(f"{meeting}cancel/", meetings.meeting_cancel, name="meeting_cancel"),
    path(f"{meeting}reinstate/", meetings.meeting_reinstate, name="meeting_reinstate"),
    path(f"{meeting}minutes/", meetings.meeting_minutes, name="meeting_minutes"),
    path(f"{meeting}close/", meetings.meeting_close, name="meeting_close"),
    path(f"{meeting}reopen/", meetings.meeting_reopen, name="meeting_reopen"),
    path(f"{meeting}items/", meetings.agenda_item_add, name="agenda_item_add"),
    path(f"{meeting}items/<int:item_id>/", meetings.agenda_item_update, name="agenda_item_update"),
    path(f"{base}actions/", actions.action_items, name="action_items"),
    path(action, actions.action_item_detail, name="action_item"),
    path(f"{action}status/", actions.action_item_status, name="action_item_status"),
    path(f"{action}comments/", actions.action_item_comment, name="action_item_comment"),
    path(f"{action}escalate/", actions.action_item_escalate, name="action_item_escalate"),
    path(f"{base}decisions/", records.decisions, name="decisions"),
    path(f"{base}decisions/new/", records.decision_new, name="decision_new"),
    path(f"{base}decisions/<int:decision_id>/", records.decision_detail, name="decision"),
    path(f"{base}risks/", records.risks, name="risks"),
    path(f"{base}risks/new/", records.risk_new, name="risk_new"),
    path(f"{base}risks/<int:risk_id>/", records.risk_detail, name="risk"),
    path(f"{base}risks/<int:risk_id>/escalate/", records.risk_escalate, name="risk_escalate"),
    path(f"{base}plan/", records.plan_page, name="plan"),
    path("action-items/mine/", actions.my_action_items, name="my_action_items"),
    *transition_urls,
]
