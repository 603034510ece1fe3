"""A wrong-password storm against one address does not lock its real owner out (ASVS 2.2.1)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.ratelimits import parse_rate

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"  # tests.factories.UserFactory


def pair_limit() -> int:
    return parse_rate(settings.STAFF_LOGIN_RATE_PER_PAIR)[0]


def address_ceiling() -> int:
    return parse_rate(settings.STAFF_LOGIN_RATE_PER_ADDRESS)[0]


def attempt(http: Client, username: str, password: str, ip: str, forwarded: str | None = None) -> int:
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return http.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    ).status_code


def test_a_storm_from_one_network_leaves_the_victim_signing_in_from_theirs(world):
    attacker = Client()
    spellings = ["owner@alpha.example", "OWNER@alpha.example", "Owner@Alpha.Example "]
    codes = [attempt(attacker, spellings[i % 3], "wrong", "203.0.113.66") for i in range(3 * pair_limit())]
    # Case variants share the pair's bucket: the attacker's network is stopped at the pair limit...
    assert codes[: pair_limit()] == [200] * pair_limit()
    assert set(codes[pair_limit() :]) == {429}
    assert attempt(attacker, "owner@alpha.example", PASSWORD, "203.0.113.66") == 429
    # ...and the real person, on another network, is not.
    victim = Client()
    assert attempt(victim, "owner@alpha.example", PASSWORD, "198.51.100.20") == 302
    assert "_auth_user_id" in victim.session


def test_a_forged_forwarded_for_does_not_buy_fresh_buckets(world, settings):
    settings.TRUSTED_PROXIES = []  # the app is reached directly: the header is the client's to write
    attacker = Client()
    codes = [
        attempt(attacker, "owner@alpha.example", "wrong", "203.0.113.66", forwarded=f"10.9.{i}.1")
        for i in range(pair_limit() + 1)
    ]
    assert codes[-1] == 429
    # Nor can it put its failures on someone else's pair: the victim's own address is untouched.
    assert attempt(Client(), "owner@alpha.example", PASSWORD, "10.9.0.1") == 302


def test_a_distributed_storm_hits_the_slower_per_address_ceiling(world):
    attacker = Client()
    for i in range(address_ceiling()):
        attempt(attacker, "owner@alpha.example", "wrong", f"10.20.{i // 250}.{i % 250}")
    # From a network that never signed in to this account, the ceiling now holds even for the right password.
    assert attempt(Client(), "owner@alpha.example", PASSWORD, "192.0.2.200") == 429


def test_the_ceiling_does_not_apply_where_the_owner_signed_in_before(world):
    home = Client()
    assert attempt(home, "owner@alpha.example", PASSWORD, "198.51.100.20") == 302
    attacker = Client()
    for i in range(address_ceiling() + 5):
        attempt(attacker, "owner@alpha.example", "wrong", f"10.20.{i // 250}.{i % 250}")
    assert attempt(Client(), "owner@alpha.example", PASSWORD, "192.0.2.200") == 429  # a new network: held
    assert attempt(Client(), "owner@alpha.example", PASSWORD, "198.51.100.20") == 302  # home: still in


def test_rotating_through_an_ipv6_64_is_one_network(world):
    attacker = Client()
    codes = [
        attempt(attacker, "owner@alpha.example", "wrong", f"2001:db8:1:2::{i:x}")
        for i in range(pair_limit() + 1)
    ]
    assert codes[-1] == 429
    assert attempt(Client(), "owner@alpha.example", PASSWORD, "2001:db8:9:9::1") == 302
