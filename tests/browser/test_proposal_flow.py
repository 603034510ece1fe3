"""End to end in Chromium: a contact opens a proposal, ticks an optional item (the total updates from the
server), consents, types their name, accepts and signs, downloads the certificate; declines a second
proposal with a reason; sees an expired one's notice. Desktop, 390px and dark; then staff see the evidence."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.models import LinkPurpose
from proposals import certificates
from proposals.models import Proposal, ProposalStatus, Signature
from tests.proposals.helpers import items_by_name, sent_proposal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _contact(browser, live_server, world, width, scheme):
    phone = width < 640
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        color_scheme=scheme,
        accept_downloads=True,
    )
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if (m.type == "error" or "Content Security Policy" in m.text)
            and not (m.location or {}).get("url", "").endswith("/favicon.ico")
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    url = account_services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", url))
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/p/alpha/")
    return context, page, problems


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (390, "light"), (1280, "dark")], ids=["desktop", "390", "dark"]
)
def test_contact_accepts_one_proposal_declines_another_and_sees_an_expired_one(
    world, live_server, browser, shot, tmp_path, width, scheme
):
    tag = {(1280, "light"): "desktop", (390, "light"): "390", (1280, "dark"): "dark"}[(width, scheme)]
    website = sent_proposal(world, "Website redesign")
    logo = sent_proposal(world, "Logo refresh")
    booth = sent_proposal(world, "Trade show booth")
    Proposal.objects.filter(pk=booth.pk).update(expires_on=timezone.localdate() - timedelta(days=2))
    context, page, problems = _contact(browser, live_server, world, width, scheme)

    expect(page.locator("#proposals-widget")).to_contain_text("Website redesign")
    if width < 640:
        page.click(".menu-toggle")
    page.click("#portal-nav a:has-text('Proposals')")
    page.wait_for_url(f"{live_server.url}/p/alpha/proposals/")
    expect(page.locator("#proposal-table")).to_contain_text("Trade show booth")
    shot(page, f"proposal-list-{tag}")
    page.click("#proposal-table a:has-text('Website redesign')")
    page.wait_for_url(f"{live_server.url}/p/alpha/proposals/{website.pk}/")
    if width < 640:
        assert page.evaluate("document.documentElement.scrollWidth") <= width

    # tick an optional item: the server's total comes back (hosting is ticked by default)
    totals = page.locator("#proposal-totals")
    expect(totals).to_contain_text("€11,760.00")
    copywriting = items_by_name(website.current_version)["Copywriting"]
    page.check(f"#item-{copywriting.pk}")
    expect(page.locator("#proposal-totals")).to_contain_text("€13,200.00")
    expect(page.locator("#proposal-totals")).to_contain_text("€3,960.00")  # the 30% deposit
    shot(page, f"proposal-open-{tag}")

    # the button alone does not sign: consent and a typed name are required by the browser and the server
    page.fill("#signer-name", "Pat Secret")
    page.check("#consent-box")
    page.click("#sign-btn")
    expect(page.locator("#proposal-status")).to_have_text("Accepted")
    expect(page.locator("#signed")).to_contain_text("€13,200.00")
    expect(page.locator("#accept-form")).to_have_count(0)
    shot(page, f"proposal-accepted-{tag}")
    with page.expect_download() as download:
        page.click("#certificate-link")
    path = tmp_path / "certificate.pdf"
    download.value.save_as(path)
    text = " ".join(certificates.pdf_text(path.read_bytes()).split())
    signature = Signature.objects.get(proposal=website)
    assert signature.content_sha256 in text and "Pat Secret" in text and signature.total == 13200

    # decline the second one, with a reason
    page.goto(f"{live_server.url}/p/alpha/proposals/{logo.pk}/")
    page.click("#decline summary")
    page.fill("#decline-reason", "We are keeping the current logo for now.")
    page.click("#decline-btn")
    expect(page.locator("#proposal-status")).to_have_text("Declined")
    expect(page.locator("#closed-notice")).to_contain_text("declined")
    logo.refresh_from_db()
    assert logo.status == ProposalStatus.DECLINED and logo.decline_reason.startswith("We are keeping")

    # the expired one: a notice instead of the controls
    page.goto(f"{live_server.url}/p/alpha/proposals/{booth.pk}/")
    expect(page.locator("#closed-notice")).to_contain_text("expired")
    expect(page.locator("#accept-form")).to_have_count(0)
    expect(page.locator("#decline-form")).to_have_count(0)
    shot(page, f"proposal-expired-{tag}")
    assert problems == []
    context.close()


def test_staff_compose_and_see_the_evidence(world, live_server, browser, shot):
    from proposals import signing
    from tests.proposals.helpers import signer

    accepted = sent_proposal(world, "Website redesign")
    signing.accept_proposal(
        proposal=accepted,
        signer=signer(world.contact),
        version_id=accepted.current_version_id,
        selected_item_ids=[],
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/app/login")
    page.fill("input[name=username]", world.owner.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/app/clients/$"))
    page.goto(f"{live_server.url}/app/proposals/{accepted.pk}/")
    expect(page.locator("#signature-evidence")).to_contain_text("Pat Secret")
    expect(page.locator("#signature-evidence")).to_contain_text("matches the stored content")
    shot(page, "proposal-staff-evidence")

    # compose: the pricing editor adds a row and the totals follow what is typed
    page.goto(f"{live_server.url}/app/proposals/new?client={world.client.pk}")
    page.fill("#id_title", "Brand refresh")
    page.fill("#id_tax_rate", "20")
    page.fill("#id_items-0-description", "Logo")
    page.fill("#id_items-0-unit_price", "1000")
    expect(page.locator("#compose-totals")).to_contain_text("€1,200.00")
    page.click("button:has-text('+ Add item')")
    expect(page.locator("#id_items-1-description")).to_be_visible()
    page.fill("#id_items-1-description", "Guidelines")
    page.fill("#id_items-1-unit_price", "500")
    expect(page.locator("#compose-totals")).to_contain_text("€1,800.00")
    shot(page, "proposal-compose")
    page.click("button:has-text('Save draft')")
    page.wait_for_url(re.compile(r".*/app/proposals/\d+/$"))
    expect(page.locator("#proposal-status")).to_have_text("Draft")
    context.close()
