from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from PIL import Image, UnidentifiedImageError

from accounts.models import Client, Role, hex_colour
from core.sections import sections
from files.policies import UploadPolicy, register
from files.uploads import human_size


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )


class SignupForm(forms.Form):
    workspace_name = forms.CharField(label="Firm or workspace name", max_length=120)
    full_name = forms.CharField(label="Your name", max_length=150, required=False)
    email = forms.EmailField(label="Work email", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label="Password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters, not a common password.",
    )

    def clean(self):
        data = super().clean()
        if data.get("password"):
            password_validation.validate_password(data["password"])
        return data


class JoinForm(forms.Form):
    full_name = forms.CharField(label="Your name", max_length=150)
    password = forms.CharField(
        label="Choose a password", widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean_password(self):
        password_validation.validate_password(self.cleaned_data["password"])
        return self.cleaned_data["password"]


class ClientForm(forms.Form):
    name = forms.CharField(label="Client name", max_length=160)


class InviteContactForm(forms.Form):
    email = forms.EmailField(label="Email")
    name = forms.CharField(label="Name", max_length=150, required=False)
    company = forms.CharField(label="Company", required=False, disabled=True)
    job_title = forms.CharField(label="Job title", max_length=150, required=False)

    def __init__(self, *args, client: Client, offer_sharing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        # Company is the client itself: shown for context, never taken from the POST body.
        self.fields["company"].initial = client.name
        self.fields["company"].widget.attrs["readonly"] = True
        # From the client page: what to share, per section that is shared per contact (core/sections.py).
        self.share_sections = []
        for section in sections() if offer_sharing else []:
            if section.share_options is None or section.share is None:
                continue
            options = section.share_options(client)
            if not options:
                continue
            self.share_sections.append(section)
            self.fields[f"share_{section.key}"] = forms.MultipleChoiceField(
                label=f"Share {section.label.lower()}",
                choices=[(o.value, o.label) for o in options],
                initial=[o.value for o in options if o.checked],
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text="Open ones are ticked. The contact sees only what is shared with them.",
            )

    def shares(self) -> list[tuple]:
        """[(section, chosen values)] to grant once the contact exists."""
        return [(s, self.cleaned_data.get(f"share_{s.key}") or []) for s in self.share_sections]


class VisibilityForm(forms.Form):
    """One checkbox per registered portal section (core/sections.py), ticked when the client sees it."""

    def __init__(self, *args, client: Client, **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = sections()
        for section in self.sections:
            self.fields[f"show_{section.key}"] = forms.BooleanField(
                label=section.label,
                required=False,
                initial=client.shows(section.key),
                help_text=section.description,
            )

    def hidden_keys(self) -> set[str]:
        return {s.key for s in self.sections if not self.cleaned_data.get(f"show_{s.key}")}


class StaffInviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=[(Role.MEMBER, "Member"), (Role.ADMIN, "Admin")], initial=Role.MEMBER)


# Logos are checked by decoding them with Pillow (below) rather than by files.uploads.sniff.
LOGO = register(
    UploadPolicy(
        key="logo", label="logo", max_bytes_setting="LOGO_MAX_BYTES", types_setting="LOGO_ALLOWED_TYPES"
    )
)


class BrandingForm(forms.Form):
    accent_color = forms.CharField(
        label="Accent colour",
        max_length=7,
        validators=[hex_colour],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text="PNG, JPEG, GIF or WebP, up to 1 MB. Shown in your portal's header.",
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)

    ALLOWED = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}

    def __init__(self, *args, oversize: list[str] | None = None, has_logo: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.oversize = oversize or []  # files the upload handler skipped at LOGO's limit
        if not has_logo:
            del self.fields["remove_logo"]  # nothing to remove

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        too_big = f"That file is larger than {human_size(LOGO.max_bytes)}. Please upload a smaller logo."
        if self.oversize:
            raise forms.ValidationError(too_big)
        if not logo:
            return None
        if logo.size > LOGO.max_bytes:
            raise forms.ValidationError(too_big)
        # Trust the bytes, not the name or the browser's declared type (SVG is refused: it can carry script).
        try:
            with Image.open(logo) as img:
                fmt = img.format
                img.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise forms.ValidationError("That file is not a PNG, JPEG, GIF or WebP image.") from exc
        if fmt not in self.ALLOWED or self.ALLOWED[fmt] not in LOGO.allowed_types:
            raise forms.ValidationError("That file is not a PNG, JPEG, GIF or WebP image.")
        logo.seek(0)
        self.logo_type = self.ALLOWED[fmt]
        return logo


class PortalLoginForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True, "inputmode": "email"}),
    )


class QueuedPasswordResetForm(forms.Form):
    """Django's reset flow, but the mail goes through the outbox and a Celery task.

    The task mints the reset token itself, so no token is stored; unknown addresses are silently
    skipped and the page says the same thing either way.
    """

    email = forms.EmailField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    def save(self, **kwargs) -> None:
        from django.db import transaction

        from accounts.models import User
        from activity import outbox

        with transaction.atomic():
            for user in User.objects.filter(email__iexact=self.cleaned_data["email"], is_active=True):
                if user.has_usable_password():
                    outbox.enqueue("accounts.password_reset_email", user_id=user.pk)
