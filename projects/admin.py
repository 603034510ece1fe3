from django.contrib import admin

from projects.models import ApprovalDecision, Deliverable, DeliverableComment, DeliverableVersion, Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "workspace", "status", "start_date", "end_date"]
    list_filter = ["status"]
    search_fields = ["name", "client__name"]
    raw_id_fields = ["client", "workspace", "created_by"]


@admin.register(Deliverable)
class DeliverableAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "approval_status", "version_count", "updated_at"]
    list_filter = ["approval_status"]
    search_fields = ["title", "project__name"]
    raw_id_fields = ["project", "current_version", "created_by"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Files and decisions are a record: the admin shows them, never edits them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DeliverableVersion)
class DeliverableVersionAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "deliverable", "number", "content_type", "size", "uploaded_at"]
    search_fields = ["original_name", "sha256"]


@admin.register(ApprovalDecision)
class ApprovalDecisionAdmin(ReadOnlyAdmin):
    list_display = ["deliverable", "version", "decision", "contact", "created_at"]
    list_filter = ["decision"]


@admin.register(DeliverableComment)
class DeliverableCommentAdmin(admin.ModelAdmin):
    list_display = ["deliverable", "author_user", "author_contact", "created_at"]
    raw_id_fields = ["deliverable", "author_user", "author_contact"]
