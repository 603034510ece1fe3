from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import (
    Client,
    Contact,
    MagicLink,
    Membership,
    PortalSession,
    StaffInvite,
    User,
    Workspace,
)

# admin.site is accounts.admin_site.PortalAdminSite: superusers with a verified TOTP device only.


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_superuser", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = (
        (None, {"fields": ("email", "password", "full_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "plan", "created_at"]
    list_filter = ["plan"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "workspace", "role", "created_at"]
    list_filter = ["role"]
    raw_id_fields = ["user", "workspace"]


@admin.register(StaffInvite)
class StaffInviteAdmin(admin.ModelAdmin):
    list_display = ["email", "workspace", "role", "created_at", "accepted_at", "revoked_at"]
    exclude = ["token_hash"]


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "portal_enabled", "created_at"]
    list_filter = ["portal_enabled", "workspace"]
    search_fields = ["name"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "client", "workspace", "invited_at", "revoked_at", "last_access_at"]
    search_fields = ["email", "name"]
    raw_id_fields = ["client", "workspace", "invited_by"]

    def get_readonly_fields(self, request, obj=None):
        # A contact stays with the client they were invited for: their sessions, access and history are
        # that client's (and pages kept for them are retired through that client: accounts/kept_pages.py).
        return ["client", "workspace"] if obj is not None else []


@admin.register(MagicLink)
class MagicLinkAdmin(admin.ModelAdmin):
    list_display = ["contact", "purpose", "created_at", "expires_at", "used_at"]
    readonly_fields = ["token_hash"]


@admin.register(PortalSession)
class PortalSessionAdmin(admin.ModelAdmin):
    list_display = ["contact", "created_at", "last_seen_at", "expires_at", "ended_at", "ended_reason"]
    readonly_fields = ["token_hash"]
