"""Pages kept whole (accounts/kept_pages.py): served again with no query and no render while nothing
they show has changed, each response with its own CSRF token and CSP nonce; never to another session,
after a sign-out, a revocation, the portal turned off or the session's expiry; never with a message
waiting, a query string, an htmx request, a staff session in the browser or a host that is not allowed;
and the session's "last seen" is still written once a minute."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
import redis
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import PREVIEW_SESSION_KEY
from accounts.models import PortalSession
from accounts.services import disable_portal, revoke_contact
from core import fragments
from tests.conftest import portal_client, staff_client
from tests.factories import ContactFactory, EvidenceRequestFactory
from tests.proposals.helpers import sent_proposal

pytestmark = pytest.mark.django_db

LOGIN = reverse("portal:login", kwargs={"slug": "alpha"})


def P(name, **kw):
    return reverse(f"portal:{name}", kwargs={"slug": "alpha", **kw})


def _kept_keys() -> set[bytes]:
    return set(redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).keys("*page:whole:*"))


def _get(http, url, **extra):
    """(response, queries it made)."""
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(url, **extra)
    return response, len(ctx.captured_queries)


def _served_kept(http, url, **extra):
    """The page from the cache: the first view teaches this process whose it is, the second keeps it, the
    third is served with no query and no template."""
    for _ in range(2):
        assert http.get(url, **extra).status_code == 200
    response, queries = _get(http, url, **extra)
    assert response.status_code == 200
    assert queries == 0 and not response.templates
    return response


def _nonce_of(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


def _token_of(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)


def _is_sign_in(response) -> bool:
    return response.status_code == 302 and "/login" in response["Location"]


def test_a_kept_dashboard_carries_its_own_nonce_and_a_working_token(world, ev):
    http = HttpClient(enforce_csrf_checks=True)
    http.cookies = portal_client(world.contact).cookies
    kept = _served_kept(http, P("dashboard"))
    again, _ = _get(http, P("dashboard"))
    html = kept.content.decode()
    assert "PCI DSS ROC 2026" in html and world.contact.name in html
    for response in (kept, again):
        body = response.content.decode()
        assert fragments.CSRF_PLACEHOLDER not in body and fragments.NONCE_PLACEHOLDER not in body
        assert f'nonce="{_nonce_of(response)}"' in body  # the header names the page's nonce
        assert response["X-Frame-Options"] == "DENY" and response["Content-Length"] == str(
            len(response.content)
        )
    assert _nonce_of(kept) != _nonce_of(again)
    # The layout's sign-out form, from the kept page, works: the token fits this browser's cookie.
    out = http.post(P("logout"), {"csrfmiddlewaretoken": _token_of(kept)})
    assert _is_sign_in(out)
    assert _is_sign_in(http.get(P("dashboard")))  # and the kept page went with the session


def test_every_kept_page_is_served(world, ev):
    http = portal_client(world.contact)
    for url in (
        P("dashboard"),
        P("assessment-detail", assessment_id=ev.assessment.pk),
        P("deliverable-list"),
    ):
        _served_kept(http, url)
    proposal = sent_proposal(world)
    body = _served_kept(http, P("proposal-detail", proposal_id=proposal.pk)).content.decode()
    assert proposal.title in body


def test_a_change_is_on_the_next_view(world, ev):
    http = portal_client(world.contact)
    url = P("assessment-detail", assessment_id=ev.assessment.pk)
    assert "Badge log" not in _served_kept(http, url).content.decode()
    EvidenceRequestFactory(assessment=ev.assessment, title="Badge log")
    response, queries = _get(http, url)
    assert "Badge log" in response.content.decode() and queries > 0


def test_each_session_has_its_own_pages(world, ev):
    other = ContactFactory(client=world.client, workspace=world.ws, name="Other Person")
    mine, theirs = portal_client(world.contact), portal_client(other)
    _served_kept(mine, P("dashboard"))
    response, queries = _get(theirs, P("dashboard"))
    assert queries > 0 and "Other Person" in response.content.decode()
    assert world.contact.name not in response.content.decode()


@pytest.mark.parametrize(
    "end",
    [
        lambda world: revoke_contact(contact=world.contact, actor=world.owner),
        lambda world: disable_portal(client=world.client, actor=world.owner),
        lambda world: PortalSession.objects.get().delete(),
    ],
    ids=["contact revoked", "portal turned off", "session deleted"],
)
def test_an_ended_session_is_never_served_its_kept_page(world, ev, end):
    http = portal_client(world.contact)
    _served_kept(http, P("dashboard"))
    end(world)
    assert _is_sign_in(http.get(P("dashboard")))


def test_an_expired_session_is_never_served_its_kept_page(world, ev):
    http = portal_client(world.contact)
    _served_kept(http, P("dashboard"))
    # Nothing is written when a session expires: the kept page's entry holds the session's expiry.
    later = PortalSession.objects.get().expires_at + timedelta(seconds=1)
    with time_machine.travel(later, tick=False):
        assert _is_sign_in(http.get(P("dashboard")))


def test_last_seen_is_still_written_once_a_minute(world, ev):
    http = portal_client(world.contact)
    _served_kept(http, P("dashboard"))
    before = PortalSession.objects.get().last_seen_at
    later = timezone.now() + timedelta(seconds=settings.PORTAL_LAST_SEEN_INTERVAL_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        response, queries = _get(http, P("dashboard"))
    assert response.status_code == 200 and queries > 0
    assert PortalSession.objects.get().last_seen_at > before


def test_the_full_path_for_messages_query_strings_htmx_and_staff_sessions(world, ev):
    http = portal_client(world.contact)
    _served_kept(http, P("dashboard"))
    assert _get(http, P("dashboard") + "?x=1")[1] > 0
    assert _get(http, P("dashboard"), HTTP_HX_REQUEST="true")[1] > 0
    http.cookies["messages"] = "anything"
    assert _get(http, P("dashboard"))[1] > 0
    del http.cookies["messages"]
    http.cookies[settings.SESSION_COOKIE_NAME] = (
        staff_client(world.owner).cookies[settings.SESSION_COOKIE_NAME].value
    )
    assert _get(http, P("dashboard"))[1] > 0


def test_a_host_that_is_not_allowed_is_refused_not_served(world, ev):
    http = portal_client(world.contact)
    _served_kept(http, P("dashboard"))
    assert http.get(P("dashboard"), HTTP_HOST="evil.example").status_code == 400


def test_only_a_request_that_read_the_tokens_first_keeps_its_page(world, ev):
    http = portal_client(world.contact)
    http.get(P("dashboard"))
    assert not _kept_keys()  # this process did not know the viewer: the tokens were read after the data
    http.get(P("dashboard"))
    assert len(_kept_keys()) == 1


def test_staff_preview_is_never_kept(world, ev):
    staff = staff_client(world.owner)
    session = staff.session
    session[PREVIEW_SESSION_KEY] = world.contact.pk
    session.save()
    for _ in range(3):
        assert "PCI DSS ROC 2026" in staff.get(P("dashboard")).content.decode()
    assert not _kept_keys()


def test_a_cache_that_does_not_answer_only_costs_speed(world, ev, settings):
    http = portal_client(world.contact)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    for _ in range(3):
        assert "PCI DSS ROC 2026" in http.get(P("dashboard")).content.decode()


# --- the sign-in page, kept per workspace -----------------------------------------------------------


def test_a_visitor_gets_the_kept_sign_in_page_with_their_own_nonce_and_token(world, mailoutbox):
    first = _served_kept(HttpClient(enforce_csrf_checks=True), LOGIN)
    visitor = HttpClient(enforce_csrf_checks=True)
    second, queries = _get(visitor, LOGIN)
    assert queries == 0 and not second.templates
    assert settings.CSRF_COOKIE_NAME in second.cookies  # a new visitor's CSRF cookie is set
    for response in (first, second):
        html = response.content.decode()
        assert fragments.CSRF_PLACEHOLDER not in html and fragments.NONCE_PLACEHOLDER not in html
        assert f'nonce="{_nonce_of(response)}"' in html
    assert _nonce_of(first) != _nonce_of(second)
    sent = visitor.post(LOGIN, {"email": world.contact.email, "csrfmiddlewaretoken": _token_of(second)})
    assert sent.status_code == 200 and world.contact.email in sent.content.decode()  # "check your email"


def test_a_branding_change_is_on_the_next_sign_in_page(world):
    _served_kept(HttpClient(), LOGIN)
    world.ws.name = "Alpha Renamed"
    world.ws.save()
    assert "Alpha Renamed" in HttpClient().get(LOGIN).content.decode()


def test_a_message_or_a_signed_in_contact_never_gets_the_kept_sign_in_page(world, contact_http):
    _served_kept(HttpClient(), LOGIN)
    signed_out = portal_client(world.contact)
    signed_out.post(P("logout"))
    page = signed_out.get(LOGIN)
    assert page.templates and "You are signed out." in page.content.decode()
    assert contact_http.get(LOGIN).status_code == 302  # a signed-in contact goes to their dashboard


# --- staff pages, kept per staff session --------------------------------------------------------------


def _staff_pages(ev) -> list[str]:
    return [
        reverse("assessments:assessment-detail", kwargs={"assessment_id": ev.assessment.pk}),
        reverse("billing:invoice-list"),
    ]


def test_staff_pages_are_kept_per_session_with_a_working_token(world, ev):
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(world.owner)
    for url in _staff_pages(ev):
        kept = _served_kept(http, url)
        assert fragments.CSRF_PLACEHOLDER not in kept.content.decode()
    assessment_page = _served_kept(http, _staff_pages(ev)[0]).content.decode()
    assert "PCI DSS ROC 2026" in assessment_page
    member = staff_client(world.member)
    response, queries = _get(member, _staff_pages(ev)[0])
    assert response.status_code == 200 and queries > 0  # another staff member: their own render
    # Signing out from the kept page (the layout's form) works, and the page goes with the session.
    out = http.post(reverse("accounts:logout"), {"csrfmiddlewaretoken": _token_of(kept)})
    assert out.status_code == 302
    assert http.get(_staff_pages(ev)[0]).status_code == 302


def test_a_changed_staff_session_takes_the_full_path(world, ev):
    http = staff_client(world.owner)
    url = _staff_pages(ev)[0]
    _served_kept(http, url)
    session = http.session
    session["workspace_id"] = world.ws.pk + 1000  # e.g. a workspace switch
    session.save()
    assert _get(http, url)[1] > 0


def test_a_removed_member_is_never_served_the_kept_page(world, ev):
    http = staff_client(world.member)
    url = _staff_pages(ev)[0]
    _served_kept(http, url)
    world.member.memberships.all().delete()
    assert http.get(url).status_code in (302, 403, 404)


def test_the_staff_idle_timer_is_still_written_once_a_minute_and_enforced(world, ev, settings):
    http = staff_client(world.owner)
    url = _staff_pages(ev)[0]
    _served_kept(http, url)
    later = time.time() + 61
    with time_machine.travel(later, tick=False):
        response, queries = _get(http, url)
    assert response.status_code == 200 and queries > 0
    assert http.session["staff_last_seen"] == later
    idle = later + settings.STAFF_IDLE_TIMEOUT_MINUTES * 60 + 1
    with time_machine.travel(idle, tick=False):
        assert http.get(url).status_code == 302  # signed out after the idle time-out


def test_a_signed_in_kept_page_is_not_stored_by_the_browser(world, ev):
    http = portal_client(world.contact)
    assert _served_kept(http, P("dashboard"))["Cache-Control"] == "no-store"
    staff = staff_client(world.owner)
    assert _served_kept(staff, reverse("billing:invoice-list"))["Cache-Control"] == "no-store"


def test_only_the_sites_own_host_is_kept(world, settings):
    """Django checks the host's domain, not its port or spelling: each variant would be a new entry."""
    settings.ALLOWED_HOSTS = ["testserver"]
    for port in range(1, 4):
        assert HttpClient().get(LOGIN, HTTP_HOST=f"testserver:{port}").status_code == 200
    assert not _kept_keys()
    _served_kept(HttpClient(), LOGIN)
    assert len(_kept_keys()) == 1


def test_an_anonymous_sign_up_leaves_every_kept_page_in_place(world, ev, client):
    http = portal_client(world.contact)
    _served_kept(http, P("dashboard"))
    client.post(
        reverse("accounts:signup"),
        {
            "workspace_name": "Newco",
            "full_name": "New Person",
            "email": "new@newco.example",
            "password": "a-long-passphrase-2026",
        },
    )
    assert get_user_model().objects.filter(email="new@newco.example").exists()
    assert _get(http, P("dashboard"))[1] == 0  # still kept: a new account is on nobody's page


def test_a_page_that_is_never_kept_costs_no_cache_read(world, ev):
    """Once a staff member's pages are known, the pages that are not kept (most of the back-office) go
    straight to the view: the kept-pages round trip is spent only on a path a `kept_whole` view answered."""
    from django.core.cache import cache

    http = staff_client(world.owner)
    _served_kept(http, _staff_pages(ev)[0])
    reads = []
    real_get_many = cache.get_many

    def counting_get_many(keys, *args, **kwargs):
        reads.append([k for k in keys if "page:whole:" in k])
        return real_get_many(keys, *args, **kwargs)

    with mock.patch.object(cache, "get_many", counting_get_many):
        assert http.get(reverse("accounts:client-list")).status_code == 200
        assert not any(reads)
        assert http.get(_staff_pages(ev)[0]).status_code == 200
        assert any(reads)
