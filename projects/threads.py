"""A deliverable's comment thread as both front doors show it: one form, one fragment, one way to post.

Not a views module: staff views (projects.views) and portal views (portal.project_views) call these after
their own access checks (the pattern of assessments/threads.py).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from projects import services
from projects.forms import CommentForm
from projects.models import Deliverable, DeliverableComment


def thread_context(deliverable: Deliverable) -> dict:
    return {
        "deliverable": deliverable,
        "thread": DeliverableComment.objects.filter(deliverable=deliverable).select_related(
            "author_user", "author_contact"
        ),
        "comment_form": CommentForm(),
    }


def post_comment_from_form(request: HttpRequest, deliverable: Deliverable, **actor) -> str:
    """Post the comment in request.POST; '' on success, else the error to show."""
    form = CommentForm(request.POST)
    if not form.is_valid():
        return " ".join(form.errors.get("body", ["Write a comment first."]))
    try:
        services.post_comment(deliverable=deliverable, body=form.cleaned_data["body"], **actor)
    except services.ServiceError as exc:
        return str(exc)
    return ""


def render_thread_list(
    request: HttpRequest, deliverable: Deliverable, *, viewer: str, thread_url: str, error: str | None
) -> HttpResponse:
    return render(
        request,
        "projects/_thread_list.html",
        {**thread_context(deliverable), "viewer": viewer, "thread_url": thread_url, "thread_error": error},
    )
