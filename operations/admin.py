from django.contrib import admin

from operations.models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    """When each scheduled job was sent, and by which scheduler. Written by beat alone."""

    list_display = ["job", "slot", "task", "sent_at", "sent_by"]
    list_filter = ["job"]
    readonly_fields = ["job", "slot", "task", "sent_at", "sent_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
