"""The dashboard's widgets and the long lists' rows are kept per viewer (core/fragments.py): a second view
costs no query for them, any change in the workspace is seen on the next view, nobody is served another
viewer's fragment, staff preview is never cached, and a query string the page does not offer is never
cached."""

from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import PREVIEW_SESSION_KEY
from accounts.models import Client
from accounts.services import revoke_contact
from assessments.models import AssessmentAccess, EvidenceRequest, Status
from billing.models import INVOICES_SECTION
from core import fragments
from tests.conftest import portal_client, staff_client
from tests.factories import AssessmentAccessFactory, EvidenceRequestFactory

pytestmark = pytest.mark.django_db


def _fragment_keys() -> set[bytes]:
    """The HTML fragments stored in the cache now (straight from Redis: Django's cache lists no keys)."""
    return set(redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).keys("*frag:html:*"))


def P(name, **kw):
    return reverse(f"portal:{name}", kwargs={"slug": "alpha", **kw})


def _get(http, url, **extra):
    with CaptureQueriesContext(connection) as ctx:
        response = http.get(url, **extra)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def test_second_dashboard_view_renders_widgets_from_the_cache(world, ev, contact_http):
    first, first_queries = _get(contact_http, P("dashboard"))
    second, second_queries = _get(contact_http, P("dashboard"))
    assert "PCI DSS ROC 2026" in first and "PCI DSS ROC 2026" in second
    assert second_queries < first_queries
    assert second_queries <= 2  # the session (and at most one more): no widget query


def test_a_change_is_on_the_next_dashboard(world, ev, contact_http):
    assert "Badge log" not in _get(contact_http, P("dashboard"))[0]
    EvidenceRequestFactory(
        assessment=ev.assessment,
        requirement="9.9.9",
        title="Badge log",
        status=Status.OPEN,
        due_date=timezone.localdate(),
    )
    assert "Badge log" in _get(contact_http, P("dashboard"))[0]  # on the "needs attention" list


def test_an_update_without_a_signal_is_seen_through_its_event(world, ev, contact_http):
    """A status moved with QuerySet.update() (no post_save) but audited: the event's save retires."""
    body, _ = _get(contact_http, P("assessment-detail", assessment_id=ev.assessment.pk))
    assert "Network diagram" in body
    EvidenceRequest.objects.filter(pk=ev.request.pk).update(title="Renamed diagram")
    from activity.services import record_event

    record_event(workspace=world.ws, client=world.client, verb="assessment.updated", actor_user=world.owner)
    body, _ = _get(contact_http, P("assessment-detail", assessment_id=ev.assessment.pk))
    assert "Renamed diagram" in body


def test_a_post_retires_what_it_may_have_changed(world, ev, contact_http):
    """A contact's POST: their client's fragments and the workspace's staff lists, not the other clients'.
    A staff member's POST: the whole workspace's."""
    mine, other = world.client.pk, world.other_client.pk
    before = [fragments.generations(world.ws.pk, c) for c in (mine, other, None)]
    assert contact_http.post(P("logout")).status_code == 302
    after = [fragments.generations(world.ws.pk, c) for c in (mine, other, None)]
    assert after[0] != before[0] and after[2] != before[2]  # this client's, and the staff lists
    assert after[1] == before[1]  # the other client's portal stays cached
    staff_client(world.owner).post(reverse("accounts:client-list"), {"name": "New Client Ltd"})
    assert fragments.generations(world.ws.pk, other) != after[1]


def test_each_viewer_has_their_own_fragments(world, ev):
    """Two contacts of two clients of one workspace, and a second contact of the same client with no
    access to the assessment: each dashboard shows only its own, warm cache or not."""
    pat = portal_client(world.contact)
    sam = portal_client(world.other_contact)
    pat_body, _ = _get(pat, P("dashboard"))
    sam_body, _ = _get(sam, P("dashboard"))
    assert "PCI DSS ROC 2026" in pat_body and "Othercorp SAQ D" not in pat_body
    assert "Othercorp SAQ D" in sam_body and "PCI DSS ROC 2026" not in sam_body
    pat_body, _ = _get(pat, P("dashboard"))
    assert "Othercorp SAQ D" not in pat_body


def test_access_removed_is_seen_at_once(world, ev, contact_http):
    body, _ = _get(contact_http, P("dashboard"))
    assert "PCI DSS ROC 2026" in body
    AssessmentAccess.objects.filter(pk=ev.access.pk).delete()  # post_delete
    body, _ = _get(contact_http, P("dashboard"))
    assert "PCI DSS ROC 2026" not in body
    AssessmentAccessFactory(assessment=ev.assessment, contact=world.contact)
    assert "PCI DSS ROC 2026" in _get(contact_http, P("dashboard"))[0]


def test_a_revoked_contact_gets_nothing_from_the_cache(world, ev, contact_http):
    _get(contact_http, P("assessment-detail", assessment_id=ev.assessment.pk))
    revoke_contact(contact=world.contact, actor=world.owner)
    response = contact_http.get(P("assessment-detail", assessment_id=ev.assessment.pk))
    assert response.status_code == 302 and "/login" in response["Location"]


def test_staff_preview_is_never_cached(world, ev):
    staff = staff_client(world.owner)
    session = staff.session
    session[PREVIEW_SESSION_KEY] = world.contact.pk
    session.save()
    before = set(_fragment_keys())
    body, _ = _get(staff, P("dashboard"))
    assert "PCI DSS ROC 2026" in body
    assert set(_fragment_keys()) == before


def test_only_the_offered_query_strings_are_cached(world, ev, contact_http):
    url = P("assessment-detail", assessment_id=ev.assessment.pk)
    _get(contact_http, url, data={"status": Status.OPEN})
    keys = set(_fragment_keys())
    assert keys, "the filtered list is cached"
    for junk in (
        {"status": "nope"},
        {"rows": "300"},
        {"sort": "req", "x": "1"},
        {"status": ["open", "open"]},
    ):
        body, _ = _get(contact_http, url, data=junk)
        assert "Network diagram" in body
    assert set(_fragment_keys()) == keys  # nothing more was stored


def test_tomorrow_is_a_new_key(world, ev, contact_http, settings):
    """Overdue flags change at midnight: the date is part of the key."""
    EvidenceRequest.objects.filter(pk=ev.request.pk).update(due_date=timezone.localdate() + timedelta(days=1))
    fragments.bump(None)
    url = P("assessment-detail", assessment_id=ev.assessment.pk)
    assert "Overdue" not in _get(contact_http, url)[0]
    later = timezone.now() + timedelta(days=3)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert "Overdue" in _get(contact_http, url)[0]


def test_zero_turns_it_off(world, ev, contact_http, settings):
    settings.FRAGMENT_CACHE_SECONDS = 0
    _, first = _get(contact_http, P("dashboard"))
    _, second = _get(contact_http, P("dashboard"))
    assert second == first
    assert not _fragment_keys()


def test_a_cache_that_does_not_answer_only_costs_speed(world, ev, contact_http, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    body, _ = _get(contact_http, P("dashboard"))
    assert "PCI DSS ROC 2026" in body


def test_staff_lists_are_per_staff_member_and_role(world, ev):
    url = reverse("assessments:assessment-detail", kwargs={"assessment_id": ev.assessment.pk})
    owner, member = staff_client(world.owner), staff_client(world.member)
    _get(owner, url)
    _get(member, url)
    assert len(_fragment_keys()) == 2
    EvidenceRequestFactory(assessment=ev.assessment, requirement="4.4.4", title="Key rotation record")
    assert "Key rotation record" in _get(owner, url)[0]


def test_a_fragment_with_a_csrf_token_or_nonce_is_never_kept(world, contact_http):
    """A safety net: should a cached template ever grow a form or an inline script, its per-response
    token is not served to the viewer's other browser."""
    request = contact_http.get(P("dashboard")).wsgi_request
    for html in (
        '<input type="hidden" name="csrfmiddlewaretoken" value="x">',
        '<script nonce="n">1</script>',
    ):
        calls: list[int] = []

        def render(html=html, calls=calls):
            calls.append(1)
            return html

        assert fragments.cached_html(request, "t", [html], render) == html
        assert fragments.cached_html(request, "t", [html], render) == html
        assert len(calls) == 2  # rendered each time: nothing was kept


def test_an_anonymous_post_retires_nothing(world, client):
    """Nobody signed in: a junk POST, a portal POST without a session, a webhook with a bad signature.
    Were they to retire fragments, anybody could keep every workspace's cache empty."""

    def tokens():
        return [
            fragments.generations(w, c) for w, c in ((world.ws.pk, world.client.pk), (world.ws_b.pk, None))
        ]

    before = tokens()
    client.post("/app/no-such-page/")
    client.post(P("logout"))
    client.post(reverse("stripe-webhook"), data="{}", content_type="application/json")
    assert tokens() == before


def test_a_portal_post_retires_the_portals_workspace(world):
    """A contact of Bravo whose browser is also signed in as Alpha's staff: their portal POST acted on
    Bravo, whatever the staff session says."""
    http = portal_client(world.outsider_contact)
    http.force_login(world.owner)
    bravo_client = world.outsider_client.pk
    alpha, bravo = fragments.generations(world.ws.pk), fragments.generations(world.ws_b.pk, bravo_client)
    response = http.post(reverse("portal:dashboard", kwargs={"slug": "bravo"}))  # GET only: writes nothing
    assert response.status_code == 405
    assert fragments.generations(world.ws_b.pk, bravo_client) != bravo
    assert fragments.generations(world.ws.pk) == alpha


def test_a_section_hidden_while_the_dashboard_renders_is_hidden_on_the_next_view(world, contact_http):
    """The portal middleware loads the client (its hidden sections) before the dashboard reads the tokens:
    staff hiding a section in between must not leave the widget cached under the new token."""
    lookup = fragments._lookup

    def hide_invoices_then_read(key, token_keys):
        client = Client.objects.get(pk=world.client.pk)
        client.hidden_sections = Client.encode_hidden({INVOICES_SECTION})
        client.save()
        return lookup(key, token_keys)

    with mock.patch.object(fragments, "_lookup", side_effect=hide_invoices_then_read):
        assert 'id="invoices-widget"' in _get(contact_http, P("dashboard"))[0]  # rendered from the old client
    assert 'id="invoices-widget"' not in _get(contact_http, P("dashboard"))[0]


def test_a_render_that_asks_for_the_csrf_token_or_nonce_is_never_kept(world, contact_http):
    """However the token reaches the HTML (here raw, as an hx-headers value would carry it). The request
    is put back as a view sees it: no CSRF cookie update asked for yet, no nonce made yet."""
    from csp.middleware import CSPMiddleware
    from django.middleware.csrf import get_token

    request = contact_http.get(P("dashboard")).wsgi_request
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = False
    request._csp_nonce = None
    CSPMiddleware(lambda r: None).process_request(request)
    for name, ask in (("csrf", lambda: get_token(request)), ("nonce", lambda: str(request.csp_nonce))):
        calls: list[int] = []

        def render(ask=ask, calls=calls):
            calls.append(1)
            return f"<div data-token='{ask()}'></div>"

        fragments.cached_html(request, name, [], render)
        fragments.cached_html(request, name, [], render)
        assert len(calls) == 2, name  # rendered each time: nothing was kept
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True  # the response still sets the cookie


def test_the_code_version_is_in_the_key(world, ev, contact_http):
    """After a deploy (another digest of the code) nothing rendered by the previous release is served."""
    from unittest import mock

    _get(contact_http, P("dashboard"))
    stored = _fragment_keys()
    with mock.patch("core.fragments.code_version", return_value="next-release"):
        _get(contact_http, P("dashboard"))
    assert len(_fragment_keys() - stored) == 1


def test_a_write_retires_only_its_own_client(world, ev):
    """Rows without tenant columns (a request's message) find theirs through `tenant_via`: a message in
    workspace B leaves workspace A alone; one on Secretco's request retires Secretco's fragments and A's
    staff lists, not Othercorp's portal."""
    from tests.factories import RequestMessageFactory

    def tokens():
        return {
            "secretco": fragments.generations(world.ws.pk, world.client.pk),
            "othercorp": fragments.generations(world.ws.pk, world.other_client.pk),
            "alpha staff": fragments.generations(world.ws.pk),
            "bravo staff": fragments.generations(world.ws_b.pk),
        }

    before = tokens()
    RequestMessageFactory(request=ev.outsider_request, author_user=world.outsider_staff, body="B only")
    after_b = tokens()
    assert after_b["bravo staff"] != before["bravo staff"]
    assert all(after_b[k] == before[k] for k in ("secretco", "othercorp", "alpha staff"))
    RequestMessageFactory(request=ev.request, author_user=world.owner, body="A now")
    after_a = tokens()
    assert after_a["secretco"] != after_b["secretco"] and after_a["alpha staff"] != after_b["alpha staff"]
    assert after_a["othercorp"] == after_b["othercorp"]


def test_a_workspace_setting_retires_every_client_of_that_workspace(world, ev):
    before = fragments.generations(world.ws.pk, world.client.pk), fragments.generations(world.ws_b.pk)
    world.ws.accent_color = "#0a7d3b"
    world.ws.save()
    assert fragments.generations(world.ws.pk, world.client.pk) != before[0]
    assert fragments.generations(world.ws_b.pk) == before[1]


def test_another_clients_activity_leaves_a_dashboard_cached(world, ev, contact_http):
    _get(contact_http, P("dashboard"))
    EvidenceRequestFactory(assessment=ev.other_assessment, requirement="7.7.7", title="Othercorp's")
    _, queries = _get(contact_http, P("dashboard"))
    assert queries <= 2  # still served from the cache


def test_a_cached_dashboard_survives_another_workspaces_write(world, ev, contact_http):
    _get(contact_http, P("dashboard"))
    EvidenceRequestFactory(assessment=ev.outsider_assessment, requirement="5.5.5", title="Bravo's")
    _, queries = _get(contact_http, P("dashboard"))
    assert queries <= 2  # still served from the cache


def test_the_tenant_of_a_row_whose_parent_is_gone_is_unknown(world, ev):
    """Then every workspace's fragments are retired (correct, only slower)."""
    from assessments.models import EvidenceFile

    orphan = EvidenceFile(request_id=10**12)
    assert fragments.tenant_of(EvidenceFile, orphan) == (None, None)
    found = fragments.tenant_of(EvidenceFile, EvidenceFile(request_id=ev.request.pk))
    assert found == (world.ws.pk, world.client.pk)


def test_a_staff_sign_in_retires_nothing(world):
    before = fragments.generations(world.ws.pk)
    staff_client(world.owner)  # signs in: Django saves last_login
    world.owner.refresh_from_db()
    assert world.owner.last_login is not None
    assert fragments.generations(world.ws.pk) == before


def _csrf_tokens(html: str) -> list[str]:
    """Every form's token (a page rendered to be kept whole has one token, filled into every form)."""
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def test_forms_in_a_cached_fragment_carry_each_browsers_own_token(world, ev):
    """The staff assessment page is cached whole, forms included: the cache holds the placeholder, and
    each response (two browsers, two CSRF cookies) carries a token that passes that browser's check."""
    url = reverse("assessments:assessment-detail", kwargs={"assessment_id": ev.assessment.pk})
    verify = reverse("assessments:assessment-verify", kwargs={"assessment_id": ev.assessment.pk})
    browsers = []
    for _ in range(2):
        http = HttpClient(enforce_csrf_checks=True)
        http.force_login(world.owner)
        browsers.append(http)
    first, _ = _get(browsers[0], url)
    with CaptureQueriesContext(connection) as ctx:
        second = browsers[1].get(url).content.decode()
    # The page's content came from the cache: no request, count or access query ran.
    assert not [q for q in ctx.captured_queries if "evidencerequest" in q["sql"] or "access" in q["sql"]]
    stored = [redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).get(k) for k in _fragment_keys()]
    assert any(fragments.CSRF_PLACEHOLDER.encode() in (value or b"") for value in stored)
    for http, html in zip(browsers, (first, second), strict=True):
        assert fragments.CSRF_PLACEHOLDER not in html
        tokens = _csrf_tokens(html)  # the layout's (sign out) and the cached content's forms'
        assert len(tokens) >= 2
        for token in tokens:
            response = http.post(verify, {"csrfmiddlewaretoken": token})
            assert response.status_code == 200  # the integrity check ran: the token is this browser's
    refused = browsers[0].post(verify, {"csrfmiddlewaretoken": fragments.CSRF_PLACEHOLDER})
    assert refused.status_code == 403  # the placeholder itself is no token


def test_an_edit_landing_while_the_staff_page_loads_is_on_the_next_view(world, ev, monkeypatch):
    """As for the proposal page: the assessment is loaded before the tokens are read, so the cached page
    must be rendered from the assessment as read after them."""
    from assessments.services import update_assessment

    read_tokens = fragments._lookup

    def renamed_meanwhile(*args, **kwargs):
        monkeypatch.setattr(fragments, "_lookup", read_tokens)
        update_assessment(assessment=ev.assessment, actor=world.owner, name="Renamed meanwhile")
        return read_tokens(*args, **kwargs)

    http = staff_client(world.owner)
    url = reverse("assessments:assessment-detail", kwargs={"assessment_id": ev.assessment.pk})
    monkeypatch.setattr(fragments, "_lookup", renamed_meanwhile)
    http.get(url)
    html, _ = _get(http, url)
    assert "<h1>Renamed meanwhile</h1>" in html


def test_a_page_kept_under_another_secret_key_is_not_served(world, ev, monkeypatch):
    """After a SECRET_KEY rotation (or beside a process still on the old key) the placeholder differs:
    HTML kept with the old one would reach the browser unfilled, its forms refused."""
    http = staff_client(world.owner)
    url = reverse("assessments:assessment-detail", kwargs={"assessment_id": ev.assessment.pk})
    old = fragments.CSRF_PLACEHOLDER
    _get(http, url)  # kept, with the old placeholder in its forms
    monkeypatch.setattr(fragments, "CSRF_PLACEHOLDER", "csrf-" + "0" * 32)
    html, _ = _get(http, url)
    assert old not in html and fragments.CSRF_PLACEHOLDER not in html
    assert len(_csrf_tokens(html)) >= 2  # the layout's and the content's forms', all real


def test_the_tenant_memo_survives_being_cleared_by_another_thread(world, ev, monkeypatch):
    """The memo is shared by the threads of a process; one may clear it (full) while another reads."""
    from assessments.models import EvidenceFile

    class ClearedMeanwhile(dict):
        def __contains__(self, key):
            found = super().__contains__(key)
            self.clear()  # another thread storing its 10,000th entry
            return found

    memo = ClearedMeanwhile({("assessments.EvidenceRequest", ev.request.pk): (world.ws.pk, world.client.pk)})
    monkeypatch.setattr(fragments, "_TENANT_OF", memo)
    found = fragments.tenant_of(EvidenceFile, EvidenceFile(request_id=ev.request.pk))
    assert found == (world.ws.pk, world.client.pk)
