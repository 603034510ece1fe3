"""Staff preview opens the client's portal in a new tab, read-only, and shows what the client would see
even while the portal is disabled; only the preview skips the portal-on check."""

from __future__ import annotations

from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse

from accounts.models import Client
from activity.mail import send_templated_email
from tests.conftest import staff_client


def test_preview_shows_the_clients_assessments_while_the_portal_is_off(world, ev, contact_http):
    Client.objects.filter(pk=world.client.pk).update(portal_enabled=False)
    owner = staff_client(world.owner)
    hub = owner.get(reverse("accounts:client-detail", kwargs={"client_id": world.client.pk})).content.decode()
    preview_form = hub[
        hub.index(reverse("accounts:portal-preview", args=[world.client.pk, world.contact.pk])) :
    ]
    assert 'target="_blank"' in preview_form[:120]  # a new tab: the back-office stays open
    owner.post(reverse("accounts:portal-preview", args=[world.client.pk, world.contact.pk]))
    page = owner.get(reverse("portal:request-detail", args=["alpha", ev.request.pk]))
    assert page.status_code == 200 and "Preview Mode" in page.content.decode()
    # The contact themself is out while the portal is off.
    assert (
        contact_http.get(reverse("portal:request-detail", args=["alpha", ev.request.pk])).status_code != 200
    )


def test_every_email_carries_the_firms_logo_when_it_has_one(world):
    world.ws.logo.save("logo", ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 64), save=True)
    send_templated_email(
        to="pat@secretco.example", template="login_link", context={"workspace": world.ws, "link": "https://x"}
    )
    html = mail.outbox[-1].alternatives[0][0]
    assert reverse("portal:logo", args=[world.ws.slug]) in html and 'alt="Alpha Assurance"' in html
