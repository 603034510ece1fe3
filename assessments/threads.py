"""A request's message thread as both front doors show it: one form, one fragment, one way to post.

Not a views module: staff views (assessments.views) and portal views (portal.evidence_views) call these
after their own access checks.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from activity.verbs import CLIENT, STAFF
from assessments import services
from assessments.forms import MessageForm
from assessments.models import EvidenceRequest, RequestMessage
from assessments.selectors import request_history


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
    response = render(
        request,
        "assessments/_thread_list.html",
        {**thread_context(evidence), "viewer": viewer, "thread_url": thread_url, "thread_error": error},
    )
    if request.method == "POST" and not error:
        response["HX-Trigger"] = "evidence-changed"  # the request's History section refreshes itself
    return response


def render_history(request: HttpRequest, evidence: EvidenceRequest, *, viewer: str) -> HttpResponse:
    """Only the History section (it refreshes itself on `evidence-changed`), worded for `viewer`."""
    audience = CLIENT if viewer == "client" else STAFF
    return render(
        request,
        "assessments/_history.html",
        {"history": request_history(evidence, audience), "viewer": viewer},
    )
