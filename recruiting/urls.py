from django.urls import path

from recruiting import views

app_name = "recruiting"
urlpatterns = [
    path("engagements/<int:engagement_id>/data/", views.data_overview, name="data"),
    path(
        "engagements/<int:engagement_id>/data/records/<str:kind>/",
        views.record_list,
        name="records",
    ),
    path("engagements/<int:engagement_id>/data/import/", views.import_upload, name="import"),
    path(
        "engagements/<int:engagement_id>/data/imports/", views.import_history, name="import-history"
    ),
    path(
        "engagements/<int:engagement_id>/data/imports/<int:run_id>/",
        views.import_run_detail,
        name="import-run",
    ),
    path(
        "engagements/<int:engagement_id>/data/imports/<int:run_id>/confirm/",
        views.import_confirm,
        name="import-confirm",
    ),
    path(
        "engagements/<int:engagement_id>/data/imports/<int:run_id>/discard/",
        views.import_discard,
        name="import-discard",
    ),
]
