from django.contrib import admin

from engagements.models import Engagement


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "provider", "model", "status", "currency", "monthly_fee"]
    list_filter = ["status", "model", "provider"]
    search_fields = ["name", "slug", "client__name", "provider__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["client", "provider", "program_manager", "account_lead"]
    readonly_fields = ["created_at"]
