from django.contrib import admin

from core.admin import ReadOnlyAdmin
from proposals.models import (
    Contract,
    ContractFile,
    ContractView,
    Proposal,
    ProposalItem,
    ProposalVersion,
    ProposalView,
    Signature,
    SignatureFile,
)


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ["title", "client", "workspace", "status", "start_date", "end_date", "signed_at"]
    list_filter = ["status"]
    search_fields = ["title", "client__name"]
    raw_id_fields = ["client", "workspace", "project", "proposal", "current_file", "created_by"]
    readonly_fields = ["signed_at", "sent_at", "body_html"]

    # A contract signed in the portal is a record (the model refuses changes too): look, never touch.
    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.signed_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.signed_at is not None:
            return False
        return super().has_delete_permission(request, obj)


@admin.register(ContractFile)
class ContractFileAdmin(admin.ModelAdmin):
    """Read-only: a contract's files are a record."""

    list_display = ["original_name", "contract", "content_type", "size", "uploaded_at"]
    search_fields = ["original_name", "sha256"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # The contract's current file, and every file of a signed contract, stay (the model refuses too).
        if obj is not None and (
            obj.contract.signed_at is not None or Contract.objects.filter(current_file=obj).exists()
        ):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    """Proposals change only through their services (each change is an event in the proposal's chain)."""

    list_display = ["title", "client", "workspace", "status", "total", "currency", "expires_on", "updated_at"]
    list_filter = ["status"]
    search_fields = ["title", "client__name"]


@admin.register(ProposalVersion)
class ProposalVersionAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "number", "total", "currency", "sent_at", "content_sha256"]
    search_fields = ["title", "content_sha256"]


@admin.register(ProposalItem)
class ProposalItemAdmin(ReadOnlyAdmin):
    list_display = ["description", "version", "quantity", "unit_price", "optional"]


@admin.register(ProposalView)
class ProposalViewAdmin(ReadOnlyAdmin):
    list_display = ["proposal", "version", "contact", "viewed_at", "ip"]


@admin.register(ContractView)
class ContractViewAdmin(ReadOnlyAdmin):
    list_display = ["contract", "contact", "viewed_at", "ip"]


@admin.register(Signature)
class SignatureAdmin(ReadOnlyAdmin):
    """Signatures (proposal acceptances and contract signatures) are evidence: never added, changed or
    deleted here."""

    list_display = ["certificate_id", "kind", "signer_name", "signer_email", "signed_at", "ip"]
    list_filter = ["kind"]
    search_fields = ["signer_name", "signer_email", "certificate_id", "content_sha256"]


@admin.register(SignatureFile)
class SignatureFileAdmin(ReadOnlyAdmin):
    list_display = ["original_name", "kind", "signature", "size", "sha256", "uploaded_at"]
