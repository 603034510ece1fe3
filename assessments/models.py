"""Evidence workflow: assessments, evidence requests, their files and message threads, and who may see them.

Every queryset a view uses starts from `for_workspace(ws)` (staff) or `for_contact(contact)` (portal).
Status changes go through `assessments.workflow.transition`, never a bare `save()` from a view.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from accounts.models import portal_open, section_hidden
from assessments.markup import render_markdown
from core.threads import AuthoredByStaffOrContact
from files.models import StoredFile


class AssessmentType(models.TextChoices):
    ROC = "roc", "ROC"
    SAQ_D = "saq_d", "SAQ D"
    SAQ_A = "saq_a", "SAQ A"
    SAQ_A_EP = "saq_a_ep", "SAQ A-EP"
    GAP = "gap", "Gap assessment"
    OTHER = "other", "Other"


class AssessmentStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    ARCHIVED = "archived", "Archived"


class Priority(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class Status(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    ACCEPTED = "accepted", "Accepted"
    WAIVED = "waived", "Waived"


FINAL_STATUSES = (Status.ACCEPTED, Status.WAIVED)
# The client can add or remove files only while the ball is in their court.
CLIENT_EDITABLE_STATUSES = (Status.OPEN, Status.CHANGES_REQUESTED)


def requirement_sort_key(requirement: str) -> str:
    """Natural-order key stored on the row, so sorting 300 requests is an ORDER BY, not Python.

    Every run of digits is zero-padded to 8: "1.9" -> "00000001.00000009" sorts before "1.10".
    """
    return re.sub(r"\d+", lambda m: m.group().zfill(8), requirement.strip().lower())[:200]


# --- assessments and access --------------------------------------------------------------------------


class AssessmentQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> AssessmentQuerySet:
        return self.filter(workspace=workspace)

    def for_contact(self, contact) -> AssessmentQuerySet:
        """Assessments a contact was invited to, while their client shows the Assessments section."""
        return self.exclude(section_hidden("assessments", prefix="client__")).filter(
            portal_open(contact),
            workspace_id=contact.workspace_id,
            client_id=contact.client_id,
            pk__in=AssessmentAccess.objects.filter(contact=contact, contact__revoked_at__isnull=True).values(
                "assessment_id"
            ),
        )


class Assessment(models.Model):
    # Denormalised from client (as Contact does) so the tenant filter never needs a join.
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="assessments")
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE, related_name="assessments")
    name = models.CharField(max_length=160)
    type = models.CharField(max_length=20, choices=AssessmentType.choices, default=AssessmentType.ROC)
    organization = models.CharField(
        max_length=160, blank=True, help_text="The entity being assessed, as the client should see it."
    )
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.IN_PROGRESS
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The assessor who is emailed when evidence is submitted (unless a request has an assignee).",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.workspace_id = self.client.workspace_id
        super().save(*args, **kwargs)

    @property
    def audit_chain_key(self) -> str:
        """Events about this assessment and everything in it form one hash chain (activity.services)."""
        return f"assessment:{self.pk}"


class AssessmentAccess(models.Model):
    """A contact invited to one assessment. Deleting the row ends that access at once."""

    tenant_via = ("assessment", "")  # its workspace and client, for core.fragments

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="accesses")
    contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.CASCADE, related_name="assessment_accesses"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "contact"], name="uniq_assessment_access")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} → {self.assessment_id}"


# --- evidence requests -------------------------------------------------------------------------------


class EvidenceRequestQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> EvidenceRequestQuerySet:
        return self.filter(assessment__workspace=workspace)

    def for_contact(self, contact) -> EvidenceRequestQuerySet:
        return self.filter(assessment__in=Assessment.objects.for_contact(contact))

    def overdue(self, today: date | None = None) -> EvidenceRequestQuerySet:
        today = today or timezone.localdate()
        return self.filter(due_date__lt=today).exclude(status__in=FINAL_STATUSES)

    def natural_order(self, descending: bool = False) -> EvidenceRequestQuerySet:
        key = "-requirement_key" if descending else "requirement_key"
        return self.order_by(key, "id")


class EvidenceRequest(models.Model):
    tenant_via = ("assessment", "")  # its workspace and client, for core.fragments
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="requests")
    requirement = models.CharField(
        "Requirement", max_length=40, help_text="PCI DSS requirement number, e.g. 1.2.1"
    )
    requirement_key = models.CharField(max_length=200, editable=False, db_index=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    # `description` rendered and sanitised (assessments.markup) whenever it is saved: pages show this and
    # never parse Markdown while answering a request.
    description_html = models.TextField(blank=True, editable=False)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    due_date = models.DateField(null=True, blank=True)
    tags = models.JSONField(default=list, blank=True)
    reviewer_notes = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # How many times the client has submitted. Files with a round above this are not submitted yet.
    submission_round = models.PositiveIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EvidenceRequestQuerySet.as_manager()

    class Meta:
        ordering = ["requirement_key", "id"]
        indexes = [models.Index(fields=["assessment", "status"])]

    def __str__(self) -> str:
        return f"{self.requirement} {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.requirement = self.requirement.strip()
        self.requirement_key = requirement_sort_key(self.requirement)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "description" in update_fields:
            self.description_html = render_markdown(self.description)
        if update_fields is not None:
            derived = {"requirement_key", "updated_at"}
            if "description" in update_fields:
                derived.add("description_html")
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    @property
    def description_rendered(self) -> SafeString:
        """The stored HTML, safe to show: it was sanitised with nh3's allow-list when it was saved."""
        return mark_safe(self.description_html)  # noqa: S308 - sanitised by assessments.markup on save

    @property
    def audit_chain_key(self) -> str:
        return f"assessment:{self.assessment_id}"

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.due_date and self.due_date < timezone.localdate() and self.status not in FINAL_STATUSES
        )

    @property
    def is_overdue_for_client(self) -> bool:
        """Overdue as the client reads it: past due and still theirs to act on (not handed in)."""
        return bool(
            self.due_date and self.due_date < timezone.localdate() and self.status in CLIENT_EDITABLE_STATUSES
        )

    @property
    def is_final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def client_can_edit(self) -> bool:
        return self.status in CLIENT_EDITABLE_STATUSES

    @property
    def current_round(self) -> int:
        """The round that files uploaded now belong to."""
        return self.submission_round + 1

    @property
    def priority_rank(self) -> int:
        return PRIORITY_RANK.get(self.priority, 9)


# --- files and messages ------------------------------------------------------------------------------


class EvidenceFileQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> EvidenceFileQuerySet:
        return self.filter(request__assessment__workspace=workspace)

    def for_contact(self, contact) -> EvidenceFileQuerySet:
        return self.filter(request__assessment__in=Assessment.objects.for_contact(contact))


class EvidenceFile(StoredFile):
    """A file handed in for a request; which submission round it belongs to."""

    tenant_via = ("request", "assessment__")  # its workspace and client, for core.fragments

    request = models.ForeignKey(EvidenceRequest, on_delete=models.CASCADE, related_name="files")
    submission_round = models.PositiveIntegerField(default=1)

    objects = EvidenceFileQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        pass

    def is_submitted(self, request: EvidenceRequest | None = None) -> bool:
        request = request or self.request
        return self.submission_round <= request.submission_round


class RequestMessageQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> RequestMessageQuerySet:
        return self.filter(request__assessment__workspace=workspace)

    def for_contact(self, contact) -> RequestMessageQuerySet:
        return self.filter(request__assessment__in=Assessment.objects.for_contact(contact))


class RequestMessage(AuthoredByStaffOrContact, models.Model):
    tenant_via = ("request", "assessment__")  # its workspace and client, for core.fragments
    request = models.ForeignKey(EvidenceRequest, on_delete=models.CASCADE, related_name="messages")
    author_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RequestMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(author_contact__isnull=True) | Q(author_user__isnull=True),
                name="message_one_author",
            )
        ]

    def __str__(self) -> str:
        return f"message {self.pk} on {self.request_id}"


# --- evidence packages (export) ----------------------------------------------------------------------


class PackageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    BUILDING = "building", "Building"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


def package_key() -> str:
    return f"packages/{uuid.uuid4().hex}.zip"


class EvidencePackageQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> EvidencePackageQuerySet:
        return self.filter(assessment__workspace=workspace)


class EvidencePackage(models.Model):
    """A ZIP of an assessment's accepted evidence with index.pdf and manifest.csv (assessments.package)."""

    tenant_via = ("assessment", "")  # its workspace and client, for core.fragments

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="packages")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=PackageStatus.choices, default=PackageStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(max_length=200, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    file_count = models.PositiveIntegerField(default=0)
    # Why a build failed; on a ready package, a warning (e.g. files whose bytes no longer match their hash).
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = EvidencePackageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Evidence package {self.pk} of {self.assessment_id}"

    @property
    def audit_chain_key(self) -> str:
        return f"assessment:{self.assessment_id}"

    @property
    def is_pending(self) -> bool:
        return self.status in (PackageStatus.QUEUED, PackageStatus.BUILDING)

    @property
    def is_ready(self) -> bool:
        return self.status == PackageStatus.READY
