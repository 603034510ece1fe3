"""Projects, their deliverables, each deliverable's versions (stored files), client approval decisions per
version and a comment thread per deliverable.

Every queryset a view uses starts from `for_workspace(ws)` (staff) or `for_contact(contact)` (portal).
Approval changes go through `projects.approval.transition`, never a bare `save()` from a view.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import portal_open, section_hidden
from core.threads import AuthoredByStaffOrContact
from files.models import StoredFile

PROJECTS_SECTION = "projects"
DELIVERABLES_SECTION = "deliverables"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class ApprovalStatus(models.TextChoices):
    NOT_REQUIRED = "not_required", "No approval needed"
    PENDING = "pending", "Awaiting approval"
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"


# --- projects ------------------------------------------------------------------------------------------


class ProjectQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ProjectQuerySet:
        return self.filter(workspace=workspace)

    def for_contact(self, contact) -> ProjectQuerySet:
        """Every project of the contact's client, while its portal is on and it shows Projects."""
        if contact.revoked_at is not None:
            return self.none()
        return self.exclude(section_hidden(PROJECTS_SECTION, prefix="client__")).filter(
            portal_open(contact), workspace_id=contact.workspace_id, client_id=contact.client_id
        )


class Project(models.Model):
    # Denormalised from client (as Contact does) so the tenant filter never needs a join.
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="projects")
    client = models.ForeignKey("accounts.Client", on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True, help_text="Markdown.")
    status = models.CharField(
        max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED, db_index=True
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    budget = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "status"])]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.workspace_id = self.client.workspace_id
        super().save(*args, **kwargs)


# --- deliverables --------------------------------------------------------------------------------------


class DeliverableQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> DeliverableQuerySet:
        return self.filter(project__workspace=workspace)

    def for_contact(self, contact) -> DeliverableQuerySet:
        """Deliverables of the contact's client's projects, while the client shows Deliverables (hiding
        Projects does not hide deliverables: they are their own section)."""
        if contact.revoked_at is not None:
            return self.none()
        return self.exclude(section_hidden(DELIVERABLES_SECTION, prefix="project__client__")).filter(
            portal_open(contact, prefix="project__client__"),
            project__workspace_id=contact.workspace_id,
            project__client_id=contact.client_id,
            current_version__isnull=False,  # a deliverable exists for the client once it has a file
        )


class Deliverable(models.Model):
    tenant_via = ("project", "")  # its workspace and client, for core.fragments
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="deliverables")
    title = models.CharField(max_length=200)
    note = models.TextField(blank=True, max_length=5000)
    approval_status = models.CharField(
        max_length=20, choices=ApprovalStatus.choices, default=ApprovalStatus.NOT_REQUIRED, db_index=True
    )
    # Denormalised so lists of hundreds of deliverables need no per-row query.
    current_version = models.ForeignKey(
        "DeliverableVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    version_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)  # last version uploaded

    objects = DeliverableQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_approval(self) -> bool:
        return self.approval_status != ApprovalStatus.NOT_REQUIRED

    @property
    def awaiting_client(self) -> bool:
        return self.approval_status == ApprovalStatus.PENDING


def deliverable_key() -> str:
    # Never derived from the uploaded name: that is attacker-controlled. Sharded to keep directories small.
    token = uuid.uuid4().hex
    return f"deliverables/{token[:2]}/{token}"


class DeliverableVersionQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> DeliverableVersionQuerySet:
        return self.filter(deliverable__project__workspace=workspace)

    def for_contact(self, contact) -> DeliverableVersionQuerySet:
        return self.filter(deliverable__in=Deliverable.objects.for_contact(contact))


class DeliverableVersion(StoredFile):
    """One uploaded file of a deliverable. A new version supersedes the previous one, which is kept."""

    tenant_via = ("deliverable", "project__")  # its workspace and client, for core.fragments

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    note = models.TextField(blank=True, max_length=5000)

    objects = DeliverableVersionQuerySet.as_manager()

    class Meta(StoredFile.Meta):
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["deliverable", "number"], name="uniq_deliverable_version")
        ]

    @property
    def label(self) -> str:
        return f"v{self.number}"


class ApprovalDecisionQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> ApprovalDecisionQuerySet:
        return self.filter(deliverable__project__workspace=workspace)


class ApprovalDecision(models.Model):
    """A client's decision on one version: who, when, and the comment (required to request changes)."""

    tenant_via = ("deliverable", "project__")  # its workspace and client, for core.fragments

    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="decisions")
    version = models.ForeignKey(DeliverableVersion, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    comment = models.TextField(blank=True, max_length=5000)
    contact = models.ForeignKey("accounts.Contact", on_delete=models.SET_NULL, null=True, related_name="+")
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ApprovalDecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One decision per version: a new decision needs a new version.
            models.UniqueConstraint(fields=["version"], name="uniq_decision_per_version"),
            models.CheckConstraint(
                condition=~Q(decision="changes_requested") | ~Q(comment=""),
                name="changes_requested_has_comment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} v{self.version_id}"


class DeliverableCommentQuerySet(models.QuerySet):
    def for_workspace(self, workspace) -> DeliverableCommentQuerySet:
        return self.filter(deliverable__project__workspace=workspace)


class DeliverableComment(AuthoredByStaffOrContact, models.Model):
    tenant_via = ("deliverable", "project__")  # its workspace and client, for core.fragments
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="comments")
    author_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DeliverableCommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(author_contact__isnull=True) | Q(author_user__isnull=True),
                name="deliverable_comment_one_author",
            )
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on {self.deliverable_id}"
