from django.urls import path

from sla import views
from sla.forecasting import views as forecasting_views

app_name = "sla"
base = "engagements/<int:engagement_id>/sla/"
urlpatterns = [
    path(base, views.overview, name="overview"),
    path(f"{base}clauses/new/", views.clause_new, name="clause_new"),
    path(f"{base}clauses/<int:clause_id>/", views.clause_detail, name="clause_detail"),
    path(f"{base}schedules/upload/", views.schedule_upload, name="schedule_upload"),
    path(f"{base}schedules/confirm/", views.schedule_confirm, name="schedule_confirm"),
    path(f"{base}schedules/<int:schedule_id>/", views.schedule_detail, name="schedule_detail"),
    path(f"{base}scorecard/", views.scorecard, name="scorecard"),
    path(f"{base}ledger/", views.ledger, name="ledger"),
    path(f"{base}forecast/", forecasting_views.forecast, name="forecast"),
]
