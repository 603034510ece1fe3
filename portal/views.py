"""Every client-facing view lives here, under /p/<slug>/."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from accounts import services
from accounts.forms import PortalLoginForm
from accounts.kept_pages import kept_whole
from accounts.ratelimits import post_email_key
from core.fragments import cached_html
from core.http import client_ip
from core.types import PortalRequest
from portal.decorators import contact_required
from portal.middleware import portal_cookie_path
from portal.sections import client_feed, dashboard_widgets

INVALID_LINK_TEXT = {
    "expired": "This sign-in link has expired. Links work for 15 minutes.",
    "used": "This sign-in link has already been used. Each link works once.",
    "invalid": "This sign-in link is not valid.",
    "no_access": "This sign-in link no longer works.",
}


@require_http_methods(["GET", "POST"])
@kept_whole
@ratelimit(key="ip", rate=settings.LOGIN_RATE_PER_IP, method="POST", block=False, group="portal-login-ip")
@ratelimit(
    key=post_email_key("email"),
    rate=settings.LOGIN_RATE_PER_EMAIL,
    method="POST",
    block=False,
    group="portal-login-email",
)
def login(request: PortalRequest, slug: str) -> HttpResponse:
    workspace = request.portal_workspace
    if request.contact is not None and request.method == "GET":
        return redirect("portal:dashboard", slug=slug)
    form = PortalLoginForm(request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST":
        if getattr(request, "limited", False):
            return render(request, "portal/login.html", {"form": form, "limited": True}, status=429)
        if form.is_valid():
            services.request_login_link(workspace=workspace, email=form.cleaned_data["email"])
            return render(request, "portal/login_sent.html", {"email": form.cleaned_data["email"]})
        return render(request, "portal/login.html", {"form": form})
    # The page as first shown is the same for every visitor: kept whole per workspace (@kept_whole).
    return render(request, "portal/login.html", {"form": form})


def _no_store(response: HttpResponse) -> HttpResponse:
    """Sign-in pages are never cached. (The site-wide Referrer-Policy is same-origin; "no-referrer" would
    make Chromium send `Origin: null` on the Sign in POST, which CSRF protection rightly refuses.)"""
    response["Cache-Control"] = "no-store"
    return response


def _safe_next(request: PortalRequest, next_url: str) -> str:
    workspace = request.portal_workspace
    if next_url.startswith(portal_cookie_path(workspace)) and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return ""


MAX_TOKEN_LENGTH = 128


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate="30/5m", method="POST", block=True, group="portal-magic")
def magic_link(request: PortalRequest, slug: str) -> HttpResponse:
    """Sign in with an emailed link, in three steps of which only the last spends it.

    The emailed URL carries the token in its fragment (`…/auth#t=…`), which the browser never sends,
    so no access log, proxy or Referer ever sees it. GET serves a page whose script moves the token
    from the fragment into a form and posts it (`step=check`); without JavaScript the person types
    the code from the email into the same form. The check answers with the confirmation page (or why
    the link does not work) and spends nothing, so neither mail scanners that prefetch links nor ones
    that run scripts can use it up. Only the POST from its Sign in button (`step=sign-in`) signs in.
    """
    workspace = request.portal_workspace
    next_url = _safe_next(request, request.POST.get("next", "") or request.GET.get("next", ""))
    if request.method == "GET":
        return _no_store(render(request, "portal/magic_open.html", {"next": next_url}))
    token = request.POST.get("token", "").strip()[:MAX_TOKEN_LENGTH]
    try:
        if request.POST.get("step") == "check":
            link = services.peek_magic_link(workspace=workspace, raw_token=token)
            return _no_store(
                render(
                    request,
                    "portal/magic_confirm.html",
                    {"link": link, "contact": link.contact, "token": token, "next": next_url},
                )
            )
        sign_in = services.consume_magic_link(
            workspace=workspace,
            raw_token=token,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
            previous_session_token=request.COOKIES.get(settings.PORTAL_SESSION_COOKIE),
        )
    except services.InvalidLink as exc:
        return _no_store(
            render(
                request,
                "portal/link_invalid.html",
                {"reason": exc.reason, "message": INVALID_LINK_TEXT[exc.reason], "form": PortalLoginForm()},
                status=400,
            )
        )
    response = redirect(next_url or reverse("portal:dashboard", kwargs={"slug": slug}))
    response.set_cookie(
        settings.PORTAL_SESSION_COOKIE,
        sign_in.raw_token,
        max_age=settings.PORTAL_SESSION_DAYS * 86400,
        path=portal_cookie_path(workspace),
        secure=settings.PORTAL_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    request.portal_cookie_set = True
    return response


@require_POST
def logout(request: PortalRequest, slug: str) -> HttpResponse:
    if request.portal_session is not None:
        services.logout_portal(session=request.portal_session)
    response = redirect("portal:login", slug=slug)
    response.delete_cookie(settings.PORTAL_SESSION_COOKIE, path=portal_cookie_path(request.portal_workspace))
    request.portal_cookie_set = True
    messages.info(request, "You are signed out.")
    return response


@require_GET
@kept_whole
@contact_required
def dashboard(request: PortalRequest, slug: str) -> HttpResponse:
    contact = request.contact

    def widgets_and_feed() -> str:
        context = {"events": client_feed(contact), "widgets": dashboard_widgets(request)}
        return render_to_string("portal/_dashboard_body.html", context, request=request)

    # Kept per contact until anything in the workspace changes (core/fragments.py): the widgets and the
    # feed are most of the page's cost; the layout around them (CSRF token, CSP nonce) is fresh.
    body = cached_html(request, "portal-dashboard", [], widgets_and_feed)
    return render(request, "portal/dashboard.html", {"client": contact.client, "body": body})


@require_GET
def logo(request: PortalRequest, slug: str) -> HttpResponse:
    workspace = request.portal_workspace
    if not workspace.logo:
        raise Http404("No logo")
    response = FileResponse(
        workspace.logo.open("rb"), content_type=workspace.logo_content_type or "application/octet-stream"
    )
    response["Cache-Control"] = "public, max-age=300"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
