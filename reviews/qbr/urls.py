from django.urls import path

from reviews.qbr import views

app_name = "qbr"
base = "engagements/<int:engagement_id>/qbr/"
urlpatterns = [
    path(base, views.qbr_list, name="list"),
    path(f"{base}start/", views.qbr_start, name="start"),
    path(f"{base}subscription/", views.qbr_subscribe, name="subscribe"),
    path(f"{base}<int:pack_id>/", views.qbr_pack, name="pack"),
    path(f"{base}<int:pack_id>/download/", views.qbr_download, name="download"),
]
