"""Small request/URL helpers every app uses: absolute links for emails and the client's IP address."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse


def absolute_url(viewname: str, *args, query: str = "", fragment: str = "", **kwargs) -> str:
    """`SITE_URL` + reverse(...): links in emails and tasks, which have no request to ask for the host."""
    url = settings.SITE_URL + reverse(viewname, args=args or None, kwargs=kwargs or None)
    if query:
        url += "?" + query.lstrip("?")
    if fragment:
        url += "#" + fragment.lstrip("#")
    return url


def site_url(path: str) -> str:
    """`SITE_URL` + an already-built path (e.g. one carrying a freshly minted token)."""
    return settings.SITE_URL + path


def client_ip(request: HttpRequest) -> str | None:
    """The address recorded in custody records and sessions: the configured header, else the peer."""
    return request.META.get(settings.RATELIMIT_IP_META_KEY) or request.META.get("REMOTE_ADDR")
