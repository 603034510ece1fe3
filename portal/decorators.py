from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


def contact_required(view):
    """A signed-in contact of this workspace whose client's portal is on."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.contact is None:
            url = reverse("portal:login", kwargs={"slug": request.portal_workspace.slug})
            if request.method == "GET":
                url += "?" + urlencode({"next": request.get_full_path()})
            if getattr(request, "htmx", False):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return redirect(url)
        return view(request, *args, **kwargs)

    return wrapper
