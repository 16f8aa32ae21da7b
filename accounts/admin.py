from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.template.defaultfilters import pluralize

from accounts import services
from accounts.models import ApiKey, Membership, Organization, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "last_login"]
    search_fields = ["email", "full_name"]
    list_filter = ["is_staff", "is_active"]
    inlines = [MembershipInline]
    actions = ["deactivate", "sign_out_everywhere"]
    fieldsets = [
        (None, {"fields": ["email", "password", "full_name"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]

    @admin.action(description="Deactivate and end their sessions", permissions=["change"])
    def deactivate(self, request, queryset) -> None:
        users = list(queryset)
        for user in users:
            services.user_deactivate(actor=request.user, user=user)
        self.message_user(
            request,
            f"{len(users)} user{pluralize(len(users))} deactivated; their sessions have ended. "
            "Their organizations' API keys keep working until an admin revokes them.",
            messages.SUCCESS,
        )

    @admin.action(description="Sign out everywhere", permissions=["change"])
    def sign_out_everywhere(self, request, queryset) -> None:
        users = list(queryset)
        for user in users:
            services.user_sign_out_everywhere(actor=request.user, user=user)
        self.message_user(
            request,
            f"Every session of {len(users)} user{pluralize(len(users))} has ended.",
            messages.SUCCESS,
        )

    def save_model(self, request, obj, form, change) -> None:
        """Unticking "active" in the form ends the user's sessions too, as the action does."""
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            services.user_deactivate(actor=request.user, user=obj)


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "slug", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__email", "organization__name"]
    autocomplete_fields = ["user", "organization"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are created and revoked by organization admins in the app."""

    list_display = ["name", "organization", "role", "prefix", "created_at", "last_used_at"]
    list_filter = ["role"]
    search_fields = ["name", "prefix", "organization__name"]
    readonly_fields = [f.name for f in ApiKey._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
