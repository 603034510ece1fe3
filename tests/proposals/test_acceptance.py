"""Accepting a proposal in the portal: the evidence recorded, and every way an acceptance is refused (GET,
no CSRF token, a second click, a stale version, tampered items, expiry, withdrawal, preview)."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from accounts.models import PortalSession
from accounts.tokens import hash_token
from activity.models import Event
from activity.services import verify_chain
from proposals import canonical, compose, consent, workflow
from proposals.models import ProposalStatus, ProposalView, Signature
from tests.conftest import portal_client
from tests.proposals.helpers import accept_form, draft_data, items_by_name

pytestmark = pytest.mark.django_db


def url(name: str, proposal, slug: str = "alpha") -> str:
    return reverse(f"portal:{name}", kwargs={"slug": slug, "proposal_id": proposal.pk})


def accept(http, proposal, *items, follow: bool = False, **extra):
    data = {**accept_form(proposal, *items), **extra}
    return http.post(
        url("proposal-accept", proposal),
        data,
        follow=follow,
        REMOTE_ADDR="203.0.113.9",
        HTTP_USER_AGENT="Ua/9",
    )


def test_happy_path_records_every_evidence_field(world, proposal, django_capture_on_commit_callbacks):
    http = portal_client(world.contact)
    page = http.get(url("proposal-detail", proposal), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Ua/9")
    assert page.status_code == 200
    body = page.content.decode()
    # Consent and terms come before the signature field, and the button says what it does.
    consent_at, terms_at = (
        body.index(consent.CONSENT_TEXTS[consent.CURRENT][:40]),
        body.index("Payment within"),
    )
    assert terms_at < consent_at < body.index('name="signer_name"') < body.index("Accept and sign</button>")
    items = items_by_name(proposal.current_version)
    with django_capture_on_commit_callbacks(execute=True):
        response = accept(http, proposal, items["Copywriting"], name="  Pat   Secret ")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.accepted_at is not None
    sig = Signature.objects.get(proposal=proposal)
    version = proposal.current_version
    session = PortalSession.objects.get(
        token_hash=hash_token(http.cookies[settings.PORTAL_SESSION_COOKIE].value)
    )
    assert sig.signer_name == "Pat Secret"
    assert (sig.contact, sig.contact_ref, sig.signer_email) == (
        world.contact,
        world.contact.pk,
        world.contact.email,
    )
    assert sig.auth_method == "magic_link_session" and f"portal session #{session.pk}" in sig.auth_detail
    assert (sig.consent_version, sig.consent_text) == (
        consent.CURRENT,
        consent.CONSENT_TEXTS[consent.CURRENT],
    )
    assert sig.signed_at.utcoffset() == timedelta(0) and timezone.now() - sig.signed_at < timedelta(minutes=1)
    assert (sig.ip, sig.user_agent) == ("203.0.113.9", "Ua/9")
    assert [c["description"] for c in sig.chosen_items] == ["Design", "Build", "Copywriting"]
    # (4000 + 5500 + 1200) + 20% tax: the hosting line was ticked by default, then unticked.
    assert (sig.currency, sig.total, sig.tax) == ("EUR", Decimal("12840.00"), Decimal("2140.00"))
    assert sig.proposal_version == version
    assert sig.content_sha256 == version.content_sha256 == canonical.proposal_version_sha256(version)
    steps = [s["step"] for s in sig.timeline]
    assert steps == ["sent", "first_viewed", "consent", "signed"]
    assert sig.timeline[0]["ip"] == "198.51.100.7" and sig.timeline[1]["user_agent"] == "Ua/9"
    # The same evidence is an event in the proposal's own chain, which still verifies.
    event = Event.objects.get(pk=sig.event_id)
    assert event.verb == "proposal.accepted" and event.chain_key == f"proposal:{proposal.pk}"
    assert event.hash == sig.event_hash and event.data["content_sha256"] == sig.content_sha256
    assert event.data["consent_sha256"] == hashlib.sha256(sig.consent_text.encode()).hexdigest()
    assert event.data["certificate_id"] == str(sig.certificate_id)
    assert verify_chain(f"proposal:{proposal.pk}").ok


def test_get_never_accepts_and_a_post_needs_the_csrf_token(world, proposal):
    http = portal_client(world.contact)
    assert http.get(url("proposal-accept", proposal)).status_code == 405
    strict = HttpClient(enforce_csrf_checks=True)
    strict.cookies = http.cookies
    assert strict.post(url("proposal-accept", proposal), accept_form(proposal)).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status != ProposalStatus.ACCEPTED and not Signature.objects.exists()


def test_a_second_click_answers_already_accepted_and_changes_nothing(world, proposal):
    http = portal_client(world.contact)
    assert accept(http, proposal).status_code == 302
    again = accept(http, proposal, follow=True)
    assert "already accepted by Pat Secret" in again.content.decode()
    other = portal_client(
        world.client.contacts.create(email="kim@secretco.example", name="Kim", workspace=world.ws)
    )
    accept(other, proposal, name="Kim Other")
    assert Signature.objects.filter(proposal=proposal).count() == 1
    assert Event.objects.filter(verb="proposal.accepted").count() == 1


def test_tampered_totals_and_items_are_ignored(world, proposal):
    http = portal_client(world.contact)
    other = compose.create_proposal(
        workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data("Other")
    )
    foreign_item = other.versions.get().items.first()
    items = items_by_name(proposal.current_version)
    response = accept(
        http,
        proposal,
        items["Design"],  # a required item "unticked" or ticked changes nothing
        foreign_item,  # another proposal's item is ignored
        total="1.00",
        subtotal="1.00",
        extra="junk",
    )
    assert response.status_code == 302
    http.post(url("proposal-accept", proposal), {**accept_form(proposal), "item": ["abc", "-1"]})
    sig = Signature.objects.get(proposal=proposal)
    assert [c["description"] for c in sig.chosen_items] == ["Design", "Build"]
    assert sig.total == Decimal("11400.00")  # (4000 + 5500) x 1.2, whatever the POST said


def test_a_stale_version_is_refused_with_a_clear_message(world, proposal):
    http = portal_client(world.contact)
    old_version = proposal.current_version_id
    http.get(url("proposal-detail", proposal))
    compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data("Website redesign v2"))
    workflow.send_proposal(proposal=proposal, actor=world.owner, expires_on=proposal.expires_on)
    proposal.refresh_from_db()
    response = http.post(
        url("proposal-accept", proposal), {**accept_form(proposal), "version": old_version}, follow=True
    )
    assert "sent a newer version (v2)" in response.content.decode()
    assert not Signature.objects.exists()
    # The page now shows v2, whose first view is recorded separately.
    http.get(url("proposal-detail", proposal))
    assert ProposalView.objects.filter(contact=world.contact).count() == 2
    assert accept(http, proposal).status_code == 302
    assert Signature.objects.get().proposal_version_id == proposal.current_version_id != old_version


def test_consent_and_a_typed_name_are_required(world, proposal):
    http = portal_client(world.contact)
    no_consent = {**accept_form(proposal)}
    no_consent.pop("consent")
    assert (
        "Tick the box"
        in http.post(url("proposal-accept", proposal), no_consent, follow=True).content.decode()
    )
    blank = http.post(
        url("proposal-accept", proposal), {**accept_form(proposal), "signer_name": " "}, follow=True
    )
    assert "Type your full name" in blank.content.decode()
    old = http.post(
        url("proposal-accept", proposal), {**accept_form(proposal), "consent_version": "2020-01"}, follow=True
    )
    assert "consent statement changed" in old.content.decode()
    assert not Signature.objects.exists()


def test_expired_proposal_shows_a_notice_and_refuses_server_side(world, proposal):
    http = portal_client(world.contact)
    proposal.expires_on = timezone.localdate() - timedelta(days=1)
    proposal.save(update_fields=["expires_on"])
    page = http.get(url("proposal-detail", proposal))
    body = page.content.decode()
    assert 'id="closed-notice"' in body and "expired on" in body and "for an updated one" in body
    assert 'id="accept-form"' not in body and 'id="decline-form"' not in body
    refused = accept(http, proposal, follow=True)
    assert "expired" in refused.content.decode()
    declined = http.post(
        url("proposal-decline", proposal), {"version": proposal.current_version_id}, follow=True
    )
    assert "expired" in declined.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SENT.value or proposal.status == ProposalStatus.VIEWED.value
    assert not Signature.objects.exists()
    # The nightly job records it; the event is in the proposal's chain.
    assert workflow.expire_due() == 1
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.EXPIRED
    assert Event.objects.filter(verb="proposal.expired", chain_key=proposal.audit_chain_key).exists()


def test_decline_with_a_reason_emails_staff(world, proposal, mailoutbox, django_capture_on_commit_callbacks):
    http = portal_client(world.contact)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = http.post(
            url("proposal-decline", proposal),
            {"version": proposal.current_version_id, "reason": "Over our budget this year."},
        )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.status, proposal.declined_by, proposal.decline_reason) == (
        ProposalStatus.DECLINED,
        world.contact,
        "Over our budget this year.",
    )
    [mail] = mailoutbox
    assert mail.to == [world.owner.email] and "declined" in mail.subject
    assert "Over our budget this year." in mail.body
    # Declined: no accepting afterwards.
    assert "declined" in accept(http, proposal, follow=True).content.decode()
    assert not Signature.objects.exists()


def test_withdrawn_proposal_cannot_be_accepted(world, proposal):
    workflow.withdraw_proposal(proposal=proposal, actor=world.owner)
    http = portal_client(world.contact)
    page = http.get(url("proposal-detail", proposal)).content.decode()
    assert "withdrew this proposal" in page and 'id="accept-form"' not in page
    accept(http, proposal)
    assert not Signature.objects.exists()


def test_staff_preview_shows_the_page_without_controls_and_refuses_posts(world, proposal, owner_http):
    owner_http.post(
        reverse(
            "accounts:portal-preview", kwargs={"client_id": world.client.pk, "contact_id": world.contact.pk}
        )
    )
    page = owner_http.get(url("proposal-detail", proposal))
    body = page.content.decode()
    assert page.status_code == 200 and "Preview Mode" in body and "Website redesign" in body
    assert not page.context["can_act"]
    assert 'id="accept-form"' not in body and 'id="decline-form"' not in body and 'name="item"' not in body
    assert 'id="preview-no-controls"' in body
    assert owner_http.post(url("proposal-accept", proposal), accept_form(proposal)).status_code == 403
    assert owner_http.post(url("proposal-decline", proposal), {"version": 1}).status_code == 403
    assert not Signature.objects.exists()
    assert not ProposalView.objects.exists()  # a preview is not the client's view


def test_first_view_is_recorded_once_per_contact_per_version(world, proposal, owner_http):
    http = portal_client(world.contact)
    for _ in range(3):
        http.get(url("proposal-detail", proposal), REMOTE_ADDR="203.0.113.50")
    view = ProposalView.objects.get()
    assert (view.contact, view.version_id, view.ip) == (
        world.contact,
        proposal.current_version_id,
        "203.0.113.50",
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VIEWED
    assert Event.objects.filter(verb="proposal.viewed").count() == 1
    staff_page = owner_http.get(reverse("proposals:proposal-detail", args=[proposal.pk])).content.decode()
    assert f"by {world.contact.display_name}" in staff_page


def test_the_live_total_is_computed_on_the_server(world, proposal):
    http = portal_client(world.contact)
    items = items_by_name(proposal.current_version)
    fragment = http.get(
        url("proposal-total", proposal), {"item": [items["Copywriting"].pk, items["Hosting, first year"].pk]}
    )
    assert fragment.status_code == 200 and fragment.context["totals"].total == Decimal("13200.00")
    assert "€13,200.00" in fragment.content.decode()
    # Deposit 30% of the chosen total.
    assert fragment.context["deposit"] == Decimal("3960.00")
    none = http.get(url("proposal-total", proposal))
    assert none.context["totals"].total == Decimal("11400.00")


def test_the_expiry_day_itself_is_still_open(world, proposal):
    proposal.expires_on = timezone.localdate()
    proposal.save(update_fields=["expires_on"])
    http = portal_client(world.contact)
    assert http.get(url("proposal-detail", proposal)).context["can_act"]
    assert accept(http, proposal).status_code == 302
    assert Signature.objects.filter(proposal=proposal).exists()


def test_declining_a_stale_version_is_refused(world, proposal):
    http = portal_client(world.contact)
    old_version = proposal.current_version_id
    compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data("Revised"))
    workflow.send_proposal(proposal=proposal, actor=world.owner, expires_on=proposal.expires_on)
    response = http.post(url("proposal-decline", proposal), {"version": old_version}, follow=True)
    assert "newer version" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VIEWED  # the page it was sent back to counts as a view of v2
