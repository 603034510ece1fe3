"""Views every front door shares."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """`RATELIMIT_VIEW`: the friendly "slow down" page of the front door that was asked, with a 429.

    django-ratelimit's middleware calls this for every `Ratelimited` raised by a `block=True` limit
    (without that middleware Django answers those with a bare 403).
    """
    if getattr(request, "portal_workspace", None) is not None:
        template = "portal/rate_limited.html"
    else:
        template = "accounts/rate_limited.html"
    response = render(request, template, status=429)
    response["Retry-After"] = "60"
    return response
