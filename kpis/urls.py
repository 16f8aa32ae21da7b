from django.urls import path

from kpis import funnel_views, glidepath_views, views
from kpis.baselines import views as baseline_views

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
    path(f"{base}baselines/", baseline_views.baselines, name="baselines"),
    path(
        f"{base}baselines/<int:proposal_id>/agree/",
        baseline_views.baselines_agree,
        name="baselines_agree",
    ),
    path(
        f"{base}baselines/<int:proposal_id>/reject/",
        baseline_views.baselines_reject,
        name="baselines_reject",
    ),
    path(f"{base}funnel/", funnel_views.funnel, name="funnel"),
    path(f"{base}glidepaths/", glidepath_views.glidepaths, name="glidepaths"),
    path(
        f"{base}glidepaths/<int:glidepath_id>/",
        glidepath_views.glidepath_detail,
        name="glidepath_detail",
    ),
    path(f"{base}<slug:kpi>/", views.kpi_detail, name="kpi_detail"),
]
