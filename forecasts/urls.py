from django.urls import path

from forecasts import views

app_name = "forecasts"
base = "engagements/<int:engagement_id>/forecast/"
urlpatterns = [
    path(base, views.hiring, name="hiring"),
    path(f"{base}hiring.csv", views.hiring_csv, name="hiring_csv"),
]
