"""The transition plan's pages, inside the reviews app's URLs (namespace `reviews`)."""

from django.urls import path

from reviews.transition import views

base = "engagements/<int:engagement_id>/reviews/transition/"
milestone = f"{base}milestones/<int:milestone_id>/"
urlpatterns = [
    path(base, views.transition, name="transition"),
    path(f"{base}create/", views.transition_create, name="transition_create"),
    path(f"{base}milestones/new/", views.milestone_new, name="milestone_new"),
    path(milestone, views.milestone_edit, name="milestone"),
    path(f"{milestone}delete/", views.milestone_delete, name="milestone_delete"),
]
