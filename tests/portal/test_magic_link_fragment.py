"""The sign-in token never travels in a request line, so it cannot land in an access log."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import split_link

pytestmark = pytest.mark.django_db


def test_the_emailed_link_carries_the_token_only_in_its_fragment(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:login", kwargs={"slug": "alpha"}), {"email": world.contact.email})
    body = mail.outbox[0].body
    url = re.search(r"http://\S+/p/alpha/auth#t=[-\w]+", body).group(0)
    parts = urlsplit(url)
    token = parts.fragment.removeprefix("t=")
    assert len(token) >= 43 and token not in parts.path and not parts.query  # what a server would log
    assert f"enter: {token}" in body  # the no-JavaScript fallback code

    page = client.get(parts.path)  # everything the browser sends for that URL
    assert page.status_code == 200 and token.encode() not in page.content
    html = page.content.decode()
    assert 'name="token"' in html and 'value="check"' in html and "js/magic_link.js" in html


def test_without_javascript_the_typed_code_reaches_the_same_confirmation(world, client):
    from accounts import services
    from accounts.models import LinkPurpose

    path, token = split_link(services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN))
    confirm = client.post(path, {"step": "check", "token": f"  {token} "})
    assert confirm.status_code == 200 and b"Sign in" in confirm.content
    signed_in = client.post(path, {"step": "sign-in", "token": token})
    assert signed_in.status_code == 302
