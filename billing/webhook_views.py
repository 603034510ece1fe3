"""`/stripe/webhook/`: Stripe's door (outside /app/ and /p/). No session, no CSRF token: the signature is
the only credential. Answers carry no detail: 400 for anything unverified, 500 when Stripe could not be
read back (Stripe retries), 200 otherwise, including replays and types we do not handle."""

from __future__ import annotations

import logging

import stripe
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing import webhooks

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    event = webhooks.verify(request.body, request.headers.get("Stripe-Signature"))
    if event is None:
        return HttpResponse(status=400)
    try:
        outcome = webhooks.handle(event)
    except stripe.StripeError as exc:
        logger.warning(
            "Stripe event %s not applied yet (Stripe unreadable: %s); Stripe will retry", event.get("id"), exc
        )
        return HttpResponse(status=500)
    logger.info("Stripe event %s %s: %s", event.get("id"), event.get("type"), outcome)
    return HttpResponse(status=200)
