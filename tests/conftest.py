"""Shared fixtures: workspace A with an owner, a member, a client and its contact, another client of A
with its own contact, and the outsiders (workspace B's staff and contact). Healthchecks-style."""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client as HttpClient
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import kept_pages, services
from accounts.models import Contact, LinkPurpose, Role
from tests.factories import ClientFactory, ContactFactory, MembershipFactory, UserFactory, WorkspaceFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make around it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # rate-limit counters live in Redis: start every test from zero
    kept_pages.forget_viewers()  # what this process learnt of the last test's sessions and workspaces
    yield
    cache.clear()


@dataclass
class World:
    ws: object
    owner: object
    member: object
    client: object
    contact: object
    other_client: object
    other_contact: object
    ws_b: object
    outsider_staff: object
    outsider_client: object
    outsider_contact: object


@pytest.fixture
def world(db) -> World:
    ws = WorkspaceFactory(name="Alpha Assurance", slug="alpha")
    owner = UserFactory(email="owner@alpha.example")
    MembershipFactory(user=owner, workspace=ws, role=Role.OWNER)
    member = UserFactory(email="member@alpha.example")
    MembershipFactory(user=member, workspace=ws, role=Role.MEMBER)
    client = ClientFactory(workspace=ws, name="Secretco Payments")
    contact = ContactFactory(client=client, email="pat@secretco.example", name="Pat Secret")
    other_client = ClientFactory(workspace=ws, name="Othercorp Retail")
    other_contact = ContactFactory(client=other_client, email="sam@othercorp.example", name="Sam Other")
    ws_b = WorkspaceFactory(name="Bravo Consulting", slug="bravo")
    outsider_staff = UserFactory(email="eve@bravo.example")
    MembershipFactory(user=outsider_staff, workspace=ws_b, role=Role.OWNER)
    outsider_client = ClientFactory(workspace=ws_b, name="Bravo Client")
    outsider_contact = ContactFactory(client=outsider_client, email="mallory@bravoclient.example")
    return World(
        ws,
        owner,
        member,
        client,
        contact,
        other_client,
        other_contact,
        ws_b,
        outsider_staff,
        outsider_client,
        outsider_contact,
    )


def staff_client(user) -> HttpClient:
    c = HttpClient()
    c.force_login(user)
    return c


def split_link(url: str) -> tuple[str, str]:
    """An emailed sign-in URL (`…/p/<slug>/auth#t=<token>`) → (path, token), as the page's script sees it."""
    path, _, fragment = url.removeprefix(settings.SITE_URL).partition("#")
    return path, fragment.removeprefix("t=")


def open_link(http: HttpClient, url: str, **fields):
    """What the confirmation page shows for a link (the script's `step=check` POST; spends nothing)."""
    path, token = split_link(url)
    return http.post(path, {"step": "check", "token": token, **fields})


def use_link(http: HttpClient, url: str, **fields):
    """Press the confirmation page's Sign in button (`step=sign-in`): this spends the link."""
    path, token = split_link(url)
    return http.post(path, {"step": "sign-in", "token": token, **fields})


def portal_client(contact: Contact) -> HttpClient:
    """An HTTP client signed in to the portal as `contact`, through the real magic-link flow."""
    c = HttpClient()
    url = services.issue_magic_link(contact=contact, purpose=LinkPurpose.LOGIN)
    response = use_link(c, url)
    assert response.status_code == 302, response.content[:500]
    assert settings.PORTAL_SESSION_COOKIE in response.cookies
    return c


def totp_code(otpauth_uri: str) -> str:
    """The current code for an otpauth:// URI, computed the way an authenticator app does (RFC 6238)."""
    secret = parse_qs(urlsplit(otpauth_uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key):06d}"


def enrol_totp(user) -> str:
    """Enrol `user`'s admin TOTP device with the management command; returns its otpauth URI."""
    out = StringIO()
    call_command("admin_totp", user.email, stdout=out)
    return out.getvalue().strip()


def admin_client(user, password: str) -> HttpClient:
    """An HTTP client signed in to the Django admin the only way there is: password and a TOTP code."""
    uri = enrol_totp(user)
    device = TOTPDevice.objects.get(user=user)  # the login form's device picker offers this one
    c = HttpClient()
    response = c.post(
        "/admin/login/?next=/admin/",
        {
            "username": user.email,
            "password": password,
            "otp_device": device.persistent_id,
            "otp_token": totp_code(uri),
            "next": "/admin/",
        },
    )
    assert response.status_code == 302, response.content[:800]
    return c


@pytest.fixture
def owner_http(world) -> HttpClient:
    return staff_client(world.owner)


@pytest.fixture
def contact_http(world) -> HttpClient:
    return portal_client(world.contact)


from tests.s3 import moto_endpoint, s3_storage  # noqa: E402,F401  (fixtures)

# --- Stripe: the real StripeClient against a local stand-in of the REST API (tests/stripe_standin.py) ---

STRIPE_WEBHOOK_SECRET_PLATFORM = "whsec_test_platform_0123456789abcdef"
STRIPE_WEBHOOK_SECRET_CONNECT = "whsec_test_connect_fedcba9876543210"


@pytest.fixture(scope="session", autouse=True)
def _stripe_standin():
    """One stand-in per test session; every test runs with Stripe configured against it (a workspace
    still has no connected account until a test connects one, so its clients see no Pay button)."""
    from django.test.utils import override_settings

    from tests.stripe_standin import StripeStandIn

    standin = StripeStandIn().start()
    with override_settings(
        STRIPE_SECRET_KEY="sk_test_standin",
        STRIPE_API_BASE=standin.base_url,
        STRIPE_WEBHOOK_SECRETS=[STRIPE_WEBHOOK_SECRET_PLATFORM, STRIPE_WEBHOOK_SECRET_CONNECT],
        STRIPE_LIVEMODE=False,
        STRIPE_MAX_NETWORK_RETRIES=0,
        STRIPE_TIMEOUT_SECONDS=10,
        STRIPE_REDIRECT_ORIGINS=[standin.base_url],
    ):
        yield standin
    standin.stop()


@pytest.fixture
def stripe_api(_stripe_standin):
    """The stand-in, emptied for this test (its recorded requests and objects)."""
    _stripe_standin.reset()
    return _stripe_standin
