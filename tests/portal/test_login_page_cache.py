"""A portal's sign-in page, as first shown, is kept per workspace (core/fragments.cached_anonymous_page):
a second visitor gets it without a render, with their own CSP nonce (the one the header names) and their
own working CSRF token; a branding change is on the next view; a waiting message, a query string or a
signed-in contact is never served from the cache."""

from __future__ import annotations

import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from core import fragments
from tests.conftest import portal_client

pytestmark = pytest.mark.django_db

LOGIN = reverse("portal:login", kwargs={"slug": "alpha"})


def _nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


def test_a_second_visitor_gets_the_kept_page_with_their_own_nonce_and_token(world, mailoutbox):
    first = HttpClient(enforce_csrf_checks=True).get(LOGIN)
    visitor = HttpClient(enforce_csrf_checks=True)
    second = visitor.get(LOGIN)
    assert first.templates and not second.templates  # the second one was not rendered
    for response in (first, second):
        html = response.content.decode()
        assert fragments.CSRF_PLACEHOLDER not in html and fragments.NONCE_PLACEHOLDER not in html
        nonce = _nonce_of(response)
        assert f'nonce="{nonce}"' in html  # the inline script and style carry the header's nonce
    assert _nonce_of(first) != _nonce_of(second)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second.content.decode()).group(1)
    sent = visitor.post(LOGIN, {"email": world.contact.email, "csrfmiddlewaretoken": token})
    assert sent.status_code == 200 and world.contact.email in sent.content.decode()  # "check your email"


def test_a_branding_change_is_on_the_next_view(world):
    HttpClient().get(LOGIN)
    world.ws.name = "Alpha Renamed"
    world.ws.save()
    assert "Alpha Renamed" in HttpClient().get(LOGIN).content.decode()


def test_a_waiting_message_a_query_string_or_a_contact_is_never_served_from_the_cache(world, contact_http):
    HttpClient().get(LOGIN)  # kept
    assert HttpClient().get(LOGIN, {"email": "pat@secretco.example"}).templates  # rendered
    signed_out = portal_client(world.contact)
    signed_out.post(reverse("portal:logout", kwargs={"slug": "alpha"}))
    page = signed_out.get(LOGIN)
    assert page.templates and "You are signed out." in page.content.decode()
    assert contact_http.get(LOGIN).status_code == 302  # a signed-in contact goes to their dashboard
