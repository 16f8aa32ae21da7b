"""The breach pages (sla) with escalation to a review (reviews): wired here, above both."""

from django.urls import path

from reviews.views.escalation import breach_escalate
from sla.breaches import views

app_name = "breaches"
base = "engagements/<int:engagement_id>/sla/breaches/"
urlpatterns = [
    path(base, views.breach_list, name="list"),
    path(f"{base}<int:breach_id>/", views.breach_detail, name="detail"),
    path(f"{base}<int:breach_id>/escalate/", breach_escalate, name="escalate"),
    path(f"{base}<int:breach_id>/<slug:action>/", views.breach_transition, name="transition"),
]
