from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string

from activity import outbox
from core import colour
from core.http import absolute_url


def _plain(name: str, ctx: dict[str, Any]) -> str:
    """Plain-text parts are not HTML: render them without autoescaping, so "R&D" stays "R&D"."""
    return get_template(name).template.render(Context(ctx, autoescape=False))


def send_templated_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    reply_to: str | None = None,
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> None:
    """Render templates/emails/<template>.{subject.txt,txt,html} and send one message.

    Call only from a Celery task (see activity.outbox): never from a request. `attachments` are
    (filename, bytes, content type), e.g. an invoice's stored PDF.
    """
    ctx = {"site_url": settings.SITE_URL, **context}
    # Emails carry the sending workspace's accent colour unless the caller chose one.
    workspace = ctx.get("workspace")
    ctx.setdefault("accent", getattr(workspace, "accent_color", None) or "#4f46e5")
    # Button labels and links that stay readable whatever the accent (a light yellow, say).
    ctx.setdefault("accent_text", colour.text_on(ctx["accent"]))
    ctx.setdefault("link_colour", colour.readable_on(ctx["accent"], colour.LIGHT_SURFACES))
    # The firm's logo heads every mail (served by the portal's public logo view, never a data: URI).
    if getattr(workspace, "logo", None) and getattr(workspace, "slug", None):
        ctx.setdefault("logo_url", absolute_url("portal:logo", slug=workspace.slug))
    subject = " ".join(_plain(f"emails/{template}.subject.txt", ctx).split())
    text = _plain(f"emails/{template}.txt", ctx)
    html = render_to_string(f"emails/{template}.html", ctx)
    msg = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    )
    msg.attach_alternative(html, "text/html")
    for filename, content, content_type in attachments or ():
        msg.attach(filename, content, content_type)
    msg.send()


def mail_each_once(
    delivery_key: str,
    recipients,
    *,
    template: str,
    context: dict[str, Any],
    attachments: list[tuple[str, bytes, str]] | None = None,
) -> int:
    """`send_templated_email` to each recipient (anything with `.email`; the context gains `recipient`),
    at most once per recipient per outbox row (`outbox.once_per_recipient`). Returns how many were sent."""
    sent = 0
    for recipient in recipients:
        sent += outbox.once_per_recipient(
            delivery_key,
            recipient.email,
            lambda recipient=recipient: send_templated_email(
                to=recipient.email,
                template=template,
                context={**context, "recipient": recipient},
                attachments=attachments,
            ),
        )
    return sent
