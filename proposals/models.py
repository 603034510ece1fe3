"""Contracts (and, with the proposals issue, proposals): a contract per client with its PDF files.

Signing with a typed signature arrives with proposals; for now staff upload (signed) PDFs and the client
views and downloads the contracts that are active or signed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import portal_open, section_hidden
from files.models import StoredFile

CONTRACTS_SECTION = "contracts"
PROPOSALS_SECTION = "proposals"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACTIVE = "active", "Active"
    SIGNED = "signed", "Signed"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


# What the client sees in the portal: contracts in force. Drafts and ended contracts stay in the back-office.
CLIENT_VISIBLE = (ContractStatus.ACTIVE, ContractStatus.SIGNED)


class ContractQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ContractQuerySet:
        return self.filter(workspace=workspace)

    def for_contact(self, contact) -> ContractQuerySet:
        if contact.revoked_at is not None:
            return self.none()
        return self.exclude(section_hidden(CONTRACTS_SECTION, prefix="client__")).filter(
            portal_open(contact),
            workspace_id=contact.workspace_id,
            client_id=contact.client_id,
            status__in=CLIENT_VISIBLE,
            current_file__isnull=False,
        )


class Contract(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="contracts")
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE, related_name="contracts")
    # A string reference: proposals never imports projects (import-linter), the database still links them.
    project = models.ForeignKey(
        "projects.Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="contracts"
    )
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=20, choices=ContractStatus.choices, default=ContractStatus.DRAFT, db_index=True
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    current_file = models.ForeignKey(
        "ContractFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.workspace_id = self.client.workspace_id
        super().save(*args, **kwargs)

    @property
    def client_visible(self) -> bool:
        return self.status in CLIENT_VISIBLE

    @property
    def audit_chain_key(self) -> str:
        """Contract events chain per contract (signature evidence will join this chain)."""
        return f"contract:{self.pk}"


def contract_key() -> str:
    token = uuid.uuid4().hex
    return f"contracts/{token[:2]}/{token}"


class ContractFileQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ContractFileQuerySet:
        return self.filter(contract__workspace=workspace)

    def for_contact(self, contact) -> ContractFileQuerySet:
        return self.filter(contract__in=Contract.objects.for_contact(contact))


class ContractFile(StoredFile):
    """A PDF of a contract. A replacement keeps the earlier file on record; the contract points at the
    current one."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="files")

    objects = ContractFileQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        pass
