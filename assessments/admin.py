from django.contrib import admin

from assessments.models import (
    Assessment,
    AssessmentAccess,
    EvidenceFile,
    EvidencePackage,
    EvidenceRequest,
    RequestMessage,
)
from core.admin import ReadOnlyAdmin


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["name", "client", "workspace", "type", "status", "created_at"]
    list_filter = ["type", "status"]
    search_fields = ["name", "client__name"]
    raw_id_fields = ["client", "workspace", "lead", "created_by"]


@admin.register(AssessmentAccess)
class AssessmentAccessAdmin(admin.ModelAdmin):
    list_display = ["assessment", "contact", "granted_by", "created_at"]
    raw_id_fields = ["assessment", "contact", "granted_by"]


@admin.register(EvidenceRequest)
class EvidenceRequestAdmin(ReadOnlyAdmin):
    list_display = ["requirement", "title", "assessment", "priority", "status", "due_date"]
    list_filter = ["status", "priority"]
    search_fields = ["requirement", "title"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "request", "content_type", "size", "uploaded_at", "submission_round"]
    search_fields = ["original_name", "sha256"]


@admin.register(RequestMessage)
class RequestMessageAdmin(ReadOnlyAdmin):
    list_display = ["request", "author_user", "author_contact", "created_at"]


@admin.register(EvidencePackage)
class EvidencePackageAdmin(admin.ModelAdmin):
    list_display = ["assessment", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status"]
    raw_id_fields = ["assessment"]
