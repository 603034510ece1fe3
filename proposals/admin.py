from django.contrib import admin

from proposals.models import Contract, ContractFile


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["title", "client", "workspace", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["title", "client__name"]
    raw_id_fields = ["client", "workspace", "project", "current_file", "created_by"]


@admin.register(ContractFile)
class ContractFileAdmin(admin.ModelAdmin):
    """Read-only: a contract's files are a record."""

    list_display = ["original_name", "contract", "content_type", "size", "uploaded_at"]
    search_fields = ["original_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
