"""`StoredFile`: the abstract base of every stored document (evidence, deliverable versions, contracts).

A concrete model adds its owner (e.g. `request = ForeignKey(EvidenceRequest)`) and its scoped queryset;
it gets the upload path (files.uploads), downloads, raw and previews (files.views) for free.
Field names match what `assessments.EvidenceFile` already had, so it extends this without a migration.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class StoredFile(models.Model):
    # Our own generated key (never the uploaded name: that is attacker-controlled).
    file = models.FileField(max_length=200)
    original_name = models.CharField(max_length=200)  # sanitised; only ever shown, never a path
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)  # sniffed from the bytes at upload
    sha256 = models.CharField(max_length=64)  # computed while streaming to storage
    uploaded_by_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    uploader_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def uploader_label(self) -> str:
        who = self.uploaded_by_user or self.uploaded_by_contact
        return str(who) if who else "Unknown"
