from django.urls import path

from engagements import go_live_views, terms_views
from orchestration import views

app_name = "engagements"
base = "engagements/<int:engagement_id>/"
urlpatterns = [
    path("", views.home, name="home"),
    path(base, views.engagement_dashboard, name="detail"),
    path(f"{base}panels/<slug:panel>/", views.dashboard_panel, name="panel"),
    path(f"{base}action-items/add/", views.action_item_add, name="action_item_add"),
    path(f"{base}recompute/", views.dashboard_recompute, name="recompute"),
    path(f"{base}contract/", views.engagement_contract, name="contract"),
    path(f"{base}edit/", views.engagement_edit, name="edit"),
    path(f"{base}terms/", terms_views.engagement_terms, name="terms"),
    path(
        f"{base}terms/<int:terms_id>/agree/", terms_views.engagement_terms_agree, name="terms_agree"
    ),
    path(
        f"{base}terms/<int:terms_id>/reject/",
        terms_views.engagement_terms_reject,
        name="terms_reject",
    ),
    path(
        f"{base}go-live/<int:proposal_id>/agree/", go_live_views.go_live_agree, name="go_live_agree"
    ),
    path(
        f"{base}go-live/<int:proposal_id>/reject/",
        go_live_views.go_live_reject,
        name="go_live_reject",
    ),
    path(f"{base}audit/", views.engagement_audit, name="audit"),
    path(f"{base}audit/export/", views.engagement_audit_export, name="audit_export"),
]
