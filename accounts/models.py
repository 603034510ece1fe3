"""Tenancy and identity: workspaces, staff users, clients, contacts, magic links, portal sessions.

Every tenant-owned model has a queryset with `for_workspace(ws)` (and, where it applies,
`for_contact(contact)`); views start from those, never from `.objects.all()`.
"""

from __future__ import annotations

import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core import colour


class Plan(models.TextChoices):
    FREE = "free", "Free"
    SOLO = "solo", "Solo"
    TEAM = "team", "Team"


# Limits per plan. None = unlimited.
PORTAL_SEATS = {Plan.FREE: 1, Plan.SOLO: None, Plan.TEAM: None}
STAFF_SEATS = {Plan.FREE: 1, Plan.SOLO: 1, Plan.TEAM: None}

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #4f46e5.")


def logo_upload_to(instance: Workspace, filename: str) -> str:
    # Never reuse the uploaded name as a storage key: it is attacker-controlled.
    return f"workspaces/{instance.pk}/logo/{uuid.uuid4().hex}"


class Workspace(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    plan = models.CharField(max_length=10, choices=Plan.choices, default=Plan.FREE)
    accent_color = models.CharField(max_length=7, default="#4f46e5", validators=[hex_colour])
    logo = models.FileField(upload_to=logo_upload_to, blank=True)
    logo_content_type = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def accent_contrast(self) -> str:
        """Black or white, whichever reads better on the accent colour (button labels)."""
        return colour.text_on(self.accent_color)

    @property
    def link_colour_light(self) -> str:
        """The accent, darkened as little as needed to read (4.5:1) on the light surfaces."""
        return colour.readable_on(self.accent_color, colour.LIGHT_SURFACES)

    @property
    def link_colour_dark(self) -> str:
        """The accent, lightened as little as needed to read (4.5:1) on the dark surfaces."""
        return colour.readable_on(self.accent_color, colour.DARK_SURFACES)

    @property
    def portal_seat_limit(self) -> int | None:
        return PORTAL_SEATS[Plan(self.plan)]

    @property
    def staff_seat_limit(self) -> int | None:
        return STAFF_SEATS[Plan(self.plan)]

    @property
    def shows_powered_by(self) -> bool:
        return self.plan == Plan.FREE

    def portal_seats_used(self) -> int:
        return self.clients.filter(portal_enabled=True).count()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A staff person. `is_staff` here means Django-admin access (superusers), not 'firm staff'."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the person opened the confirmation link mailed at sign-up. A workspace whose owner has not
    # confirmed cannot invite anyone (accounts.services.require_confirmed_owner): no mail to strangers
    # from an address nobody has proven to own.
    email_confirmed_at = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "workspace"], name="uniq_membership")]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.workspace} ({self.role})"

    @property
    def can_manage(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)


class StaffInviteQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> StaffInviteQuerySet:
        return self.filter(workspace=workspace)

    def pending(self) -> StaffInviteQuerySet:
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class StaffInvite(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="staff_invites")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = StaffInviteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.workspace}"


class ClientQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> ClientQuerySet:
        return self.filter(workspace=workspace)

    def showing(self, section_key: str) -> ClientQuerySet:
        return self.exclude(section_hidden(section_key))


class Client(models.Model):
    """A firm's customer (a company). Its contacts are the people who use the portal."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="clients")
    name = models.CharField(max_length=160)
    portal_enabled = models.BooleanField(default=False)
    portal_enabled_at = models.DateTimeField(null=True, blank=True)
    # Keys of the portal sections (core/sections.py) hidden from this client, stored comma-wrapped
    # (",invoices,projects,") so that "is X hidden" is a plain `contains` on every database, SQLite too.
    # All sections are visible by default; a new app's section needs no migration here.
    hidden_sections = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    objects = ClientQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="uniq_client_name_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def hidden_section_keys(self) -> set[str]:
        return {k for k in self.hidden_sections.split(",") if k}

    def shows(self, section_key: str) -> bool:
        return f",{section_key}," not in self.hidden_sections

    @staticmethod
    def encode_hidden(keys) -> str:
        keys = sorted({k for k in keys if k})
        return f",{','.join(keys)}," if keys else ""


def portal_open(contact, prefix: str = "client__") -> models.Q:
    """Q for "this contact's client has the portal on". A staff preview of the portal (the portal
    middleware marks its contact `is_staff_preview`) shows what the client would see even while the portal
    is off; nothing else skips the check."""
    if getattr(contact, "is_staff_preview", False):
        return models.Q()
    return models.Q(**{f"{prefix}portal_enabled": True})


def section_hidden(section_key: str, prefix: str = "") -> models.Q:
    """Q for "the client hides this section"; `prefix` reaches it through a relation ("client__")."""
    return models.Q(**{f"{prefix}hidden_sections__contains": f",{section_key},"})


class ContactQuerySet(models.QuerySet):
    def for_workspace(self, workspace: Workspace) -> ContactQuerySet:
        return self.filter(workspace=workspace)

    def for_client(self, client: Client) -> ContactQuerySet:
        return self.filter(client=client, workspace_id=client.workspace_id)

    def active(self) -> ContactQuerySet:
        return self.filter(revoked_at__isnull=True)


class Contact(models.Model):
    """A person at a client who signs in to the portal by magic link. Never a Django user."""

    # Denormalised from client so that a contact's email is unique within a workspace: the
    # self-service login only knows (workspace, email) and must find exactly one person.
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts")
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    invited_at = models.DateTimeField(default=timezone.now)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_access_at = models.DateTimeField(null=True, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), "workspace", name="uniq_contact_email_per_workspace")
        ]

    def __str__(self) -> str:
        return self.name or self.email

    def save(self, *args, **kwargs) -> None:
        self.email = self.email.strip().lower()
        self.workspace_id = self.client.workspace_id
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def company(self) -> str:
        return self.client.name

    @property
    def display_name(self) -> str:
        return self.name or self.email


class LinkPurpose(models.TextChoices):
    INVITE = "invite", "Invite"
    LOGIN = "login", "Login"
    SUPPORT = "support", "Support (issued by hand)"


class MagicLink(models.Model):
    """A one-time sign-in link. Only the SHA-256 of the token is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="magic_links")
    token_hash = models.CharField(max_length=64, unique=True)
    purpose = models.CharField(max_length=10, choices=LinkPurpose.choices)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.purpose} link for {self.contact_id}"


class PortalSessionQuerySet(models.QuerySet):
    def live(self) -> PortalSessionQuerySet:
        return self.filter(ended_at__isnull=True, expires_at__gt=timezone.now())


class PortalSession(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="portal_sessions")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=40, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    objects = PortalSessionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"session {self.pk} for {self.contact_id}"
