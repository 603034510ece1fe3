"""One helper decides the client's address: X-Forwarded-For counts only when a trusted proxy sent it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.http import client_ip

rf = RequestFactory()


def ip(remote_addr: str, forwarded: str | None = None) -> str:
    meta = {"REMOTE_ADDR": remote_addr}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(rf.get("/", **meta))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    assert ip("198.51.100.7", "1.2.3.4") == "198.51.100.7"


def test_a_peer_that_is_not_a_proxy_cannot_choose_its_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip("198.51.100.7", "1.2.3.4") == "198.51.100.7"


def test_read_right_to_left_skipping_our_proxies(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "192.0.2.10"]
    # The client forged "1.2.3.4"; our proxies appended the address they saw (203.0.113.9), then
    # the inner proxy 192.0.2.10 appended the load balancer 10.0.0.5.
    assert ip("10.0.0.2", "1.2.3.4, 203.0.113.9, 192.0.2.10, 10.0.0.5") == "203.0.113.9"
    assert ip("10.0.0.2", "203.0.113.9") == "203.0.113.9"
    assert ip("10.0.0.2", "") == "10.0.0.2"  # a proxy that sent no header: the proxy is all we know
    assert ip("10.0.0.2", "10.0.0.3, 10.0.0.4") == "10.0.0.3"  # every hop ours: the leftmost we saw


@pytest.mark.parametrize(
    "forwarded, expected",
    [
        ("not-an-ip", "10.0.0.2"),
        ("203.0.113.9, garbage", "10.0.0.2"),  # a malformed hop: nothing left of it is trusted
        ("garbage, 203.0.113.9", "203.0.113.9"),
        (",,,", "10.0.0.2"),
        ("203.0.113.9:51234", "203.0.113.9"),  # a port on IPv4
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("x" * 10_000, "10.0.0.2"),
    ],
)
def test_malformed_headers_never_raise(settings, forwarded, expected):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip("10.0.0.2", forwarded) == expected


def test_no_peer_address_is_not_a_crash(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert ip("", "1.2.3.4") == "0.0.0.0"  # noqa: S104  (an address, not a bind)


@pytest.mark.django_db
def test_rate_limit_keys_and_custody_use_it(settings, world, client):
    """django-ratelimit's "ip" key is core.http.client_ip: a forged header cannot buy fresh buckets."""
    from django.urls import reverse

    settings.TRUSTED_PROXIES = []
    url = reverse("portal:login", kwargs={"slug": "alpha"})
    codes = [
        client.post(
            url, {"email": f"x{i}@example.com"}, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}"
        ).status_code
        for i in range(21)
    ]
    assert codes[-1] == 429


@pytest.mark.django_db(transaction=True)
def test_sessions_record_the_client_behind_a_trusted_proxy(settings, world):
    from django.test import Client

    from accounts import services
    from accounts.models import LinkPurpose, PortalSession
    from tests.conftest import split_link

    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    path, token = split_link(services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN))
    response = Client().post(
        path,
        {"step": "sign-in", "token": token},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9",
    )
    assert response.status_code == 302
    assert PortalSession.objects.get().ip == "203.0.113.9"
