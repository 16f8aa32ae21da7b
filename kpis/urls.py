from django.urls import path

from kpis import glidepath_views, views

app_name = "kpis"
base = "engagements/<int:engagement_id>/kpis/"
urlpatterns = [
    path("data-contract/", views.data_contract, name="data_contract"),
    path(base, views.overview, name="overview"),
    path(f"{base}definitions/", views.definitions, name="definitions"),
    path(f"{base}recompute/", views.recompute, name="recompute"),
    path(f"{base}recompute/status/", views.recompute_status, name="recompute_status"),
    path(f"{base}targets/", views.targets, name="targets"),
    path(f"{base}targets/<int:target_id>/", views.target_detail, name="target_detail"),
    path(f"{base}values/<int:value_id>/", views.value_detail, name="value_detail"),
    path(
        f"{base}values/<int:value_id>/records-<int:section_index>.csv",
        views.value_records_csv,
        name="value_records_csv",
    ),
    path(f"{base}glidepaths/", glidepath_views.glidepaths, name="glidepaths"),
    path(
        f"{base}glidepaths/<int:glidepath_id>/",
        glidepath_views.glidepath_detail,
        name="glidepath_detail",
    ),
    path(f"{base}<slug:kpi>/", views.kpi_detail, name="kpi_detail"),
]
