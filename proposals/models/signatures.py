"""Typed signatures with their evidence: one record model for accepting a proposal and for signing a
contract (proposals.signing writes both), and the PDFs issued for each (certificate, signed document).

A signature row is written once, in the transaction that accepts or signs, and never changes: the model and
its queryset refuse updates and deletes, the admin shows it read-only. One acceptance per proposal and one
signature per contract are database constraints, so a double click or two browsers racing cannot make two.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from files.models import StoredFile


class SignatureRecordError(RuntimeError):
    """A signature record was about to change or vanish: evidence is append-only."""


class SignatureKind(models.TextChoices):
    PROPOSAL = "proposal", "Proposal acceptance"
    CONTRACT = "contract", "Contract signature"


class AuthMethod(models.TextChoices):
    MAGIC_LINK_SESSION = "magic_link_session", "Magic-link session (one-time link sent to the signer's email)"


class SignatureQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> SignatureQuerySet:
        return self.filter(workspace=workspace)

    def update(self, **kwargs):
        raise SignatureRecordError("signatures are a record: they never change")

    def delete(self):
        raise SignatureRecordError("signatures are a record: they are never deleted")


class Signature(models.Model):
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    # RESTRICT: a client's deletion never takes its signature evidence with it (the workspace's does).
    client = models.ForeignKey("accounts.Client", on_delete=models.RESTRICT, related_name="+")
    kind = models.CharField(max_length=20, choices=SignatureKind.choices)
    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.RESTRICT, null=True, blank=True, related_name="signatures"
    )
    proposal_version = models.ForeignKey(
        "proposals.ProposalVersion", on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    contract = models.ForeignKey(
        "proposals.Contract", on_delete=models.RESTRICT, null=True, blank=True, related_name="signatures"
    )
    certificate_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Who: the name as typed, and the portal identity that typed it (kept even if the contact goes).
    signer_name = models.CharField(max_length=200)
    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contact_ref = models.PositiveBigIntegerField()  # the contact's id at signing
    signer_email = models.EmailField()
    # How they were authenticated.
    auth_method = models.CharField(max_length=40, choices=AuthMethod.choices)
    auth_detail = models.CharField(max_length=300, blank=True)
    # What they agreed to: the consent statement shown above the signature, by version and word for word.
    consent_version = models.CharField(max_length=20)
    consent_text = models.TextField()
    # When and from where.
    signed_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=1000, blank=True)
    # What: the SHA-256 of the canonical content of exactly what was signed (proposals.canonical).
    content_sha256 = models.CharField(max_length=64)
    # Proposals: the optional items chosen and the totals computed on the server from them.
    chosen_items = models.JSONField(default=list, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    subtotal = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    discount = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    tax = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=3, null=True, blank=True)
    # The steps before signing (sent, first viewed), each with time, IP and user agent, as they stood.
    timeline = models.JSONField(default=list, blank=True)
    # The activity event that recorded this signature in the document's own hash chain.
    event_id = models.PositiveBigIntegerField(null=True, blank=True)
    event_hash = models.CharField(max_length=64, blank=True)
    event_chain = models.CharField(max_length=60, blank=True)
    event_seq = models.PositiveBigIntegerField(null=True, blank=True)

    objects = SignatureQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="proposal", proposal__isnull=False, proposal_version__isnull=False, contract=None)
                    | Q(kind="contract", contract__isnull=False, proposal=None, proposal_version=None)
                ),
                name="signature_one_document",
            ),
            # One acceptance per proposal, one signature per contract: a race loses at the database.
            models.UniqueConstraint(fields=["proposal"], name="uniq_acceptance_per_proposal"),
            models.UniqueConstraint(fields=["contract"], name="uniq_signature_per_contract"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.signer_name}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise SignatureRecordError("signatures are a record: they never change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SignatureRecordError("signatures are a record: they are never deleted")

    @property
    def document(self):
        return self.proposal if self.kind == SignatureKind.PROPOSAL else self.contract

    def file(self, kind: str):
        for f in getattr(self, "_prefetched_objects_cache", {}).get("files", None) or self.files.all():
            if f.kind == kind:
                return f
        return None


def signature_file_key() -> str:
    token = uuid.uuid4().hex
    return f"signatures/{token[:2]}/{token}"


class SignatureFileKind(models.TextChoices):
    CERTIFICATE = "certificate", "Signature certificate"
    SIGNED_DOCUMENT = "signed_document", "Signed document with certificate"


class SignatureFileQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> SignatureFileQuerySet:
        return self.filter(signature__workspace=workspace)

    def update(self, **kwargs):
        raise SignatureRecordError("signature certificates are a record: they never change")

    def delete(self):
        raise SignatureRecordError("signature certificates are a record: they are never deleted")


class SignatureFile(StoredFile):
    """A PDF issued for a signature: the certificate alone, and the document with the certificate
    appended. Stored through `files` with its SHA-256, which the chain's certificate event records."""

    tenant_via = ("signature", "")  # its workspace and client, for core.fragments

    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(max_length=20, choices=SignatureFileKind.choices)

    objects = SignatureFileQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        constraints = [models.UniqueConstraint(fields=["signature", "kind"], name="uniq_signature_file_kind")]

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and SignatureFile.objects.filter(pk=self.pk).exists():
            raise SignatureRecordError("signature certificates are a record: they never change")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        # The signature it belongs to is never deleted either, so a certificate is always referenced.
        raise SignatureRecordError("signature certificates are a record: they are never deleted")
