from django.urls import path

from engagements import views

app_name = "engagements"
urlpatterns = [
    path("", views.home, name="home"),
    path("engagements/<int:engagement_id>/", views.engagement_detail, name="detail"),
    path("engagements/<int:engagement_id>/edit/", views.engagement_edit, name="edit"),
]
