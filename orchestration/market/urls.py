from django.urls import path

from orchestration.market import views

app_name = "market"
urlpatterns = [
    path("engagements/<int:engagement_id>/market/", views.market_panel, name="panel"),
    path("market/providers/<int:provider_id>/", views.provider_benchmarks, name="provider"),
]
