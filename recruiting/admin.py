"""Read-only admin views: recruiting records change only through the importer."""

from django.contrib import admin

from recruiting.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "started_at",
        "engagement",
        "actor_label",
        "file_name",
        "kind",
        "source",
        "status",
        "created",
        "updated",
        "unchanged",
        "error_count",
        "duration",
    ]
    list_filter = ["status", "source", "kind"]
    search_fields = ["file_name", "actor_label", "engagement__name"]
    list_select_related = ["engagement"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
