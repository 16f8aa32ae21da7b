from django.contrib import admin

from engagements.commercial import CommercialTerms
from engagements.models import Engagement


@admin.register(Engagement)
class EngagementAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "provider", "model", "status", "currency", "monthly_fee"]
    list_filter = ["status", "model", "provider"]
    search_fields = ["name", "slug", "client__name", "provider__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["client", "provider", "program_manager", "account_lead"]
    readonly_fields = ["created_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # Terms that move money change only through an agreement of both parties.
        return [*self.readonly_fields, "monthly_fee", "at_risk_pct"]


@admin.register(CommercialTerms)
class CommercialTermsAdmin(admin.ModelAdmin):
    list_display = ["engagement", "effective_from", "monthly_fee", "at_risk_pct", "state"]
    list_filter = ["state"]
    list_select_related = ["engagement"]

    def has_add_permission(self, request):
        return False  # proposed and answered by the parties, every step kept

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
