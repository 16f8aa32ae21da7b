from django.urls import path

from reviews import views

app_name = "reviews"
base = "engagements/<int:engagement_id>/reviews/"
meeting = f"{base}meetings/<int:meeting_id>/"
action = f"{base}actions/<int:item_id>/"
urlpatterns = [
    path(base, views.reviews_home, name="home"),
    path(f"{base}calendar.ics", views.calendar_feed, name="calendar_feed"),
    path(f"{base}calendar-token/", views.calendar_token, name="calendar_token"),
    path(f"{base}cadences/<int:cadence_id>/", views.cadence_edit, name="cadence_edit"),
    path(f"{base}meetings/new/", views.meeting_new, name="meeting_new"),
    path(meeting, views.meeting_detail, name="meeting"),
    path(f"{meeting}meeting.ics", views.meeting_ics, name="meeting_ics"),
    path(f"{meeting}hold/", views.meeting_hold, name="meeting_hold"),
    path(f"{meeting}cancel/", views.meeting_cancel, name="meeting_cancel"),
    path(f"{meeting}minutes/", views.meeting_minutes, name="meeting_minutes"),
    path(f"{meeting}close/", views.meeting_close, name="meeting_close"),
    path(f"{meeting}reopen/", views.meeting_reopen, name="meeting_reopen"),
    path(f"{meeting}items/", views.agenda_item_add, name="agenda_item_add"),
    path(f"{meeting}items/<int:item_id>/", views.agenda_item_update, name="agenda_item_update"),
    path(f"{base}actions/", views.action_items, name="action_items"),
    path(action, views.action_item_detail, name="action_item"),
    path(f"{action}status/", views.action_item_status, name="action_item_status"),
    path(f"{action}comments/", views.action_item_comment, name="action_item_comment"),
    path(f"{action}escalate/", views.action_item_escalate, name="action_item_escalate"),
    path(f"{base}decisions/", views.decisions, name="decisions"),
    path(f"{base}decisions/new/", views.decision_new, name="decision_new"),
    path(f"{base}decisions/<int:decision_id>/", views.decision_detail, name="decision"),
    path(f"{base}risks/", views.risks, name="risks"),
    path(f"{base}risks/new/", views.risk_new, name="risk_new"),
    path(f"{base}risks/<int:risk_id>/", views.risk_detail, name="risk"),
    path(f"{base}risks/<int:risk_id>/escalate/", views.risk_escalate, name="risk_escalate"),
    path(f"{base}plan/", views.plan_page, name="plan"),
    path("action-items/mine/", views.my_action_items, name="my_action_items"),
]
