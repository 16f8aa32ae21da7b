from django.contrib import admin

from notifications.models import Notification, NotificationDigest, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["subject", "recipient", "engagement", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["subject", "recipient__email", "event_key"]
    raw_id_fields = ["engagement", "recipient", "digest"]
    readonly_fields = ["event_key", "created_at", "emailed_at"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "delivery", "updated_at"]
    raw_id_fields = ["user"]


@admin.register(NotificationDigest)
class NotificationDigestAdmin(admin.ModelAdmin):
    list_display = ["recipient", "day", "notification_count", "sent_at"]
    raw_id_fields = ["recipient"]
