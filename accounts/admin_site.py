"""The Django admin as Portal runs it: superusers only, a second factor (TOTP), sign-in rate-limited.

`config.settings.INSTALLED_APPS` lists `accounts.admin_apps.PortalAdminConfig` instead of `django.contrib.admin`, so
`admin.site` (and every `@admin.register`) is this site.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django_otp.admin import OTPAdminSite

from accounts.ratelimits import StaffLoginThrottle
from core.http import client_ip
from core.views import rate_limited


class PortalAdminSite(OTPAdminSite):
    site_header = "Portal administration"
    site_title = "Portal administration"

    def has_permission(self, request: HttpRequest) -> bool:
        # The admin is a superuser tool (plans are set here for now); firm staff never see it, and a
        # superuser's password alone is not enough: the session must be verified by a TOTP code.
        user = request.user
        is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
        return bool(user.is_active and user.is_superuser and is_verified and is_verified())

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """The same sign-in limits as the staff login (one shared allowance per address and IP)."""
        if request.method != "POST":
            return super().login(request, extra_context)
        throttle = StaffLoginThrottle(address=request.POST.get("username", ""), ip=client_ip(request))
        if not throttle.allow():
            return rate_limited(request)
        response = super().login(request, extra_context)
        if request.user.is_authenticated:  # the admin form signs in only with password *and* TOTP code
            throttle.succeeded()
        return response
