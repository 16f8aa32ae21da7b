from django.urls import path

from forecasts import capacity_views as views

app_name = "capacity"
base = "engagements/<int:engagement_id>/capacity/"
urlpatterns = [
    path(base, views.capacity, name="page"),
    path(f"{base}<int:terms_id>/agree/", views.capacity_agree, name="agree"),
    path(f"{base}<int:terms_id>/reject/", views.capacity_reject, name="reject"),
    path(f"{base}demand.csv", views.capacity_demand_csv, name="demand_csv"),
    path(f"{base}loads.csv", views.capacity_loads_csv, name="loads_csv"),
]
