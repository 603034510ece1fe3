"""Contracts: a contract per client, as a PDF (uploaded by staff) and/or a text (drafted here or generated
from an accepted proposal). Sent for signature, the client signs it in the portal with a typed signature
(proposals.signing); once signed it is immutable: its text, file, dates and parties never change.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
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


# What the client sees in the portal: contracts sent for signature and contracts in force. Drafts and ended
# contracts stay in the back-office.
CLIENT_VISIBLE = (ContractStatus.SENT, ContractStatus.ACTIVE, ContractStatus.SIGNED)
# What a signed contract can no longer change.
FROZEN_WHEN_SIGNED = (
    "title",
    "body_markdown",
    "body_html",
    "current_file_id",
    "start_date",
    "end_date",
    "client_id",
    "project_id",
    "proposal_id",
)


class ContractFrozenError(RuntimeError):
    """A signed contract's content was about to change."""


# The same, as `QuerySet.update()` keywords may name them (a foreign key by its name or its column).
_FROZEN_UPDATE_KEYS = frozenset(
    {*FROZEN_WHEN_SIGNED, "signed_at", "workspace", "workspace_id"}
    | {name.removesuffix("_id") for name in FROZEN_WHEN_SIGNED}
)


class ContractQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ContractQuerySet:
        return self.filter(workspace=workspace)

    def update(self, **kwargs):
        """`save()` guards one contract; this guards the bulk path (and `bulk_update`, which comes here):
        a signed contract's content and signature date cannot change (its status still may: it can end)."""
        if _FROZEN_UPDATE_KEYS & set(kwargs) and self.filter(signed_at__isnull=False).exists():
            raise ContractFrozenError("This contract is signed: its content can no longer change.")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        # Checked before Django opens its transaction (the refusal then leaves the caller's one usable).
        objs = list(objs)
        pks = [o.pk for o in objs if o.pk]
        if _FROZEN_UPDATE_KEYS & set(fields) and self.filter(pk__in=pks, signed_at__isnull=False).exists():
            raise ContractFrozenError("This contract is signed: its content can no longer change.")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def delete(self):
        if self.filter(signed_at__isnull=False).exists():
            raise ContractFrozenError("A signed contract is a record: it cannot be deleted.")
        return super().delete()

    def for_contact(self, contact) -> ContractQuerySet:
        if contact.revoked_at is not None:
            return self.none()
        return self.exclude(section_hidden(CONTRACTS_SECTION, prefix="client__")).filter(
            portal_open(contact),
            Q(current_file__isnull=False) | ~Q(body_markdown=""),
            workspace_id=contact.workspace_id,
            client_id=contact.client_id,
            status__in=CLIENT_VISIBLE,
        )


class Contract(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="contracts")
    # RESTRICT, not CASCADE or SET_NULL: deleting a client or project (the admin can) must not delete a
    # signed contract or change its frozen fields; closing the whole workspace still removes everything.
    client = models.ForeignKey("accounts.Client", on_delete=models.RESTRICT, related_name="contracts")
    # A string reference: proposals never imports projects (import-linter), the database still links them.
    project = models.ForeignKey(
        "projects.Project", on_delete=models.RESTRICT, null=True, blank=True, related_name="contracts"
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
    # The contract's text (Markdown, rendered and sanitised when saved): drafted here or generated from an
    # accepted proposal. A contract has a text, a PDF, or both.
    body_markdown = models.TextField(blank=True, max_length=100_000)
    body_html = models.TextField(blank=True)
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.SET_NULL, null=True, blank=True, related_name="contracts"
    )
    sent_at = models.DateTimeField(null=True, blank=True)  # sent to the client for signature
    signed_at = models.DateTimeField(null=True, blank=True)  # signed in the portal (proposals.signing)
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
        if self.pk:
            stored = Contract.objects.filter(pk=self.pk).values("signed_at", *FROZEN_WHEN_SIGNED).first()
            if stored and stored["signed_at"] is not None:
                changed = [f for f in FROZEN_WHEN_SIGNED if stored[f] != getattr(self, f)]
                if changed or self.signed_at != stored["signed_at"]:
                    raise ContractFrozenError("This contract is signed: its content can no longer change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and Contract.objects.filter(pk=self.pk, signed_at__isnull=False).exists():
            raise ContractFrozenError("A signed contract is a record: it cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def client_visible(self) -> bool:
        return self.status in CLIENT_VISIBLE and bool(self.current_file_id or self.body_markdown)

    @property
    def is_signed_here(self) -> bool:
        """Signed in the portal (a signature record exists), not just marked signed by staff."""
        return self.signed_at is not None

    @property
    def awaiting_signature(self) -> bool:
        return self.status == ContractStatus.SENT and self.signed_at is None and self.client_visible

    @property
    def audit_chain_key(self) -> str:
        """Contract events chain per contract, signature evidence included."""
        return f"contract:{self.pk}"


def contract_key() -> str:
    token = uuid.uuid4().hex
    return f"contracts/{token[:2]}/{token}"


class ContractFileQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ContractFileQuerySet:
        return self.filter(contract__workspace=workspace)

    def for_contact(self, contact) -> ContractFileQuerySet:
        return self.filter(contract__in=Contract.objects.for_contact(contact))

    def update(self, **kwargs):
        if self.filter(contract__signed_at__isnull=False).exists():
            raise ContractFrozenError("The files of a signed contract are a record: they cannot change.")
        return super().update(**kwargs)

    def delete(self):
        if (
            self.filter(contract__signed_at__isnull=False).exists()
            or Contract.objects.filter(current_file__in=self).exists()
        ):
            raise ContractFrozenError("A contract's current or signed file cannot be deleted.")
        return super().delete()


class ContractFile(StoredFile):
    """A PDF of a contract. A replacement keeps the earlier file on record; the contract points at the
    current one."""

    tenant_via = ("contract", "")  # its workspace and client, for core.fragments

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="files")

    objects = ContractFileQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        pass

    def save(self, *args, **kwargs) -> None:
        if self.pk and ContractFile.objects.filter(pk=self.pk, contract__signed_at__isnull=False).exists():
            raise ContractFrozenError("The files of a signed contract are a record: they cannot change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        """A file the contract points at, or any file of a signed contract, stays: the signature's
        evidence names it."""
        if self.pk and (
            Contract.objects.filter(current_file_id=self.pk).exists()
            or Contract.objects.filter(pk=self.contract_id, signed_at__isnull=False).exists()
        ):
            raise ContractFrozenError("A contract's current or signed file cannot be deleted.")
        return super().delete(*args, **kwargs)


class ContractView(models.Model):
    """The first time a contact opened a contract in the portal (later views are not recorded): staff see
    it on the contract, and a signature's timeline names it."""

    tenant_via = ("contract", "")  # its workspace and client, for core.fragments

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="views")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["viewed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "contact"], name="uniq_contract_view_per_contact")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} viewed contract {self.contract_id}"
