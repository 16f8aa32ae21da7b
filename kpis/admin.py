from django.contrib import admin

from kpis.models import KpiTarget, MetricRun, MetricValue, TargetEvent


@admin.register(MetricValue)
class MetricValueAdmin(admin.ModelAdmin):
    list_display = ["engagement", "kpi", "grain", "period", "dimension", "segment", "value", "n"]
    list_filter = ["kpi", "grain", "status"]
    list_select_related = ["engagement"]
    search_fields = ["engagement__slug", "segment", "period"]

    def has_change_permission(self, request, obj=None):
        return False  # computed values change only through a recompute

    def has_delete_permission(self, request, obj=None):
        return False  # a recompute compares with what it wrote last (MetricRun.fingerprint)


@admin.register(KpiTarget)
class KpiTargetAdmin(admin.ModelAdmin):
    list_display = ["engagement", "kpi", "grain", "dimension", "segment", "state", "effective_from"]
    list_filter = ["kpi", "state"]
    list_select_related = ["engagement"]

    def has_change_permission(self, request, obj=None):
        return False  # targets change only through the negotiation, which keeps every step


@admin.register(TargetEvent)
class TargetEventAdmin(admin.ModelAdmin):
    list_display = ["engagement", "target", "action", "actor", "party", "at"]
    list_select_related = ["engagement", "target", "actor"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(MetricRun)
class MetricRunAdmin(admin.ModelAdmin):
    list_display = ["engagement", "as_of", "started_at", "value_count", "inserted", "updated"]
    list_select_related = ["engagement"]
