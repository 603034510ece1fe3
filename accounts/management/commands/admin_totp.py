"""Enrol a superuser's TOTP device for the Django admin and print its otpauth:// URI.

    manage.py admin_totp root@example.com          # first device
    manage.py admin_totp root@example.com --reset  # replace a lost one

Scan the URI (or type its secret) into an authenticator app; the admin sign-in then asks for its code.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User


class Command(BaseCommand):
    help = "Create (or with --reset, replace) a superuser's TOTP device and print its otpauth URI."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--reset", action="store_true", help="Delete the user's existing devices first.")

    def handle(self, *args, email: str, reset: bool, **options):
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None or not user.is_superuser:
            raise CommandError(f"{email} is not a superuser.")
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=None)
        if devices.exists():
            if not reset:
                raise CommandError(f"{email} already has a TOTP device; use --reset to replace it.")
            devices.delete()
        device = TOTPDevice.objects.create(user=user, name="admin", confirmed=True)
        self.stdout.write(device.config_url)
