"""A request's message thread as both front doors show it: one form, one fragment, one way to post.

Not a views module: staff views (assessments.views) and portal views (portal.evidence_views) call these
after their own access checks.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from assessments import services
from assessments.forms import MessageForm
from assessments.models import EvidenceRequest, RequestMessage


def thread_context(evidence: EvidenceRequest) -> dict:
    return {
        "evidence": evidence,
        "thread": RequestMessage.objects.filter(request=evidence).select_related(
            "author_user", "author_contact"
        ),
        "message_form": MessageForm(),
    }


def post_message_from_form(request: HttpRequest, evidence: EvidenceRequest, **actor) -> str:
    """Post the message in request.POST; '' on success, else the error to show."""
    form = MessageForm(request.POST)
    if not form.is_valid():
        return " ".join(form.errors.get("body", ["Write a message first."]))
    try:
        services.post_message(evidence=evidence, body=form.cleaned_data["body"], **actor)
    except services.ServiceError as exc:
        return str(exc)
    return ""


def render_thread_list(
    request: HttpRequest, evidence: EvidenceRequest, *, viewer: str, thread_url: str, error: str | None
) -> HttpResponse:
    return render(
        request,
        "assessments/_thread_list.html",
        {**thread_context(evidence), "viewer": viewer, "thread_url": thread_url, "thread_error": error},
    )
