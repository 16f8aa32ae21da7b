"""Platform staff's admin of the reviews app: the transition templates (each engagement
model's phases and milestones), which every new transition plan copies."""

from django.contrib import admin

from reviews.models import TemplateMilestone, TransitionTemplate


class TemplateMilestoneInline(admin.TabularInline):
    model = TemplateMilestone
    extra = 1
    fields = ["position", "phase", "title", "responsible_party", "offset_days", "depends_on"]


@admin.register(TransitionTemplate)
class TransitionTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "engagement_model"]
    inlines = [TemplateMilestoneInline]
