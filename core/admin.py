"""Admin pieces shared by every app."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, never touch: for rows that are evidence (the audit log, custody records). Every change to them
    goes through a service that logs it; a change here would leave no event, so the admin cannot add,
    change or delete them (nor delete what cascades to them)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
