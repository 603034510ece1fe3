from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def staff_required(view):
    """Signed-in staff with a workspace. Contacts have no Django user, so they never pass."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.workspace is None:
            return redirect("accounts:no-workspace")
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view):
    """Owner or admin of the current workspace."""

    @wraps(view)
    @staff_required
    def wrapper(request, *args, **kwargs):
        if not request.membership.can_manage:
            raise PermissionDenied("Only owners and admins can do this.")
        return view(request, *args, **kwargs)

    return wrapper
