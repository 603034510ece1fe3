"""The Invite Client dialog flow, shared by the client hub (accounts.views) and the assessment page
(assessments.views). A view helper, not a views module: each caller does its own access check first."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import services
from accounts.forms import InviteContactForm
from accounts.models import Client


def invite_dialog(
    request: HttpRequest,
    *,
    client: Client,
    send: Callable[..., services.InviteResult],
    done_url: str,
    success_template: str,
    success_context: Callable[[], dict],
    page_template: str,
    extra: dict | None = None,
    sent_note: str = "",
    offer_sharing: bool = False,
) -> HttpResponse:
    """The Invite Client dialog, shared by the client hub and the assessment page.

    htmx gets the dialog fragment (errors re-render it with 200: htmx only swaps 2xx answers); without
    JavaScript it is a full page. `send(email=, name=, job_title=, actor=)` does the inviting.
    """
    form = InviteContactForm(request.POST or None, client=client, offer_sharing=offer_sharing)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                result = send(
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    job_title=form.cleaned_data["job_title"],
                    actor=request.user,
                )
                for section, values in form.shares():
                    section.share(contact=result.contact, values=values, actor=request.user)
        except services.ServiceError as exc:
            form.add_error(None, str(exc))
        else:
            note = f"Invitation sent to {result.contact.email}{sent_note}."
            if result.portal_enabled_now:
                note += f" The portal is now enabled for {client.name}."
            messages.success(request, note)
            if request.htmx:
                response = render(request, success_template, success_context())
                response["HX-Trigger-After-Swap"] = "invite-sent"  # after the swap, or afterSwap reopens it
                return response
            return redirect(done_url)
    context = {"client": client, "form": form, **(extra or {})}
    return render(request, "accounts/_invite_dialog.html" if request.htmx else page_template, context)
