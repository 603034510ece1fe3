"""A long request list in the browser: 100 rows and a Show more button that appends the rest in place
(the URL follows, so a reload shows the same rows), the same link working without JavaScript, and zero
WCAG 2.2 A/AA violations with the button on the page, at desktop light and 390px dark."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts import services
from accounts.models import LinkPurpose
from assessments.models import EvidenceRequest
from tests.factories import AssessmentAccessFactory, AssessmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _assessment(world, n: int):
    assessment = AssessmentFactory(client=world.client, name="PCI DSS ROC 2026", lead=world.owner)
    AssessmentAccessFactory(assessment=assessment, contact=world.contact)
    EvidenceRequest.objects.bulk_create(
        [
            EvidenceRequest(
                assessment=assessment,
                requirement=f"1.{i + 1}",
                requirement_key=f"{i:08d}",
                title=f"<script>alert(1)</script> evidence item {i + 1}",
                priority="high",
            )
            for i in range(n)
        ]
    )
    return assessment


def _sign_in(page, live_server, world):
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", url))
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/p/alpha/")


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (390, "dark")], ids=["desktop-light", "phone-dark"]
)
def test_show_more_appends_the_next_rows_in_place(world, live_server, browser, axe, shot, width, scheme):
    assessment = _assessment(world, 130)
    phone = width < 640
    ctx = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, is_mobile=phone, has_touch=phone
    )
    page = ctx.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _sign_in(page, live_server, world)
    list_path = f"/p/alpha/assessments/{assessment.pk}/"
    page.goto(f"{live_server.url}{list_path}?sort=req")
    rows = page.locator("#requests-table tbody tr[data-requirement]")
    expect(rows).to_have_count(100)
    more = page.get_by_role("link", name="Show 30 more")
    expect(more).to_be_visible()
    axe(page, f"request list with Show more ({width}px, {scheme})")
    more.scroll_into_view_if_needed()
    shot(page, f"request-list-show-more-{width}-{scheme}")
    more.click()
    expect(rows).to_have_count(130)
    expect(rows.nth(100).locator("a")).to_be_focused()  # keyboard users carry on at the first new row
    expect(page.get_by_role("link", name=re.compile(r"^Show \d+ more$"))).to_have_count(0)
    assert [rows.nth(i).get_attribute("data-requirement") for i in (99, 100, 129)] == [
        "1.100",
        "1.101",
        "1.130",
    ]
    expect(page).to_have_url(re.compile(r".*\?sort=req&rows=200$"))  # a reload shows the same rows
    axe(page, f"request list after Show more ({width}px, {scheme})")
    assert not dialogs  # the titles' <script> is text, never run
    ctx.close()


def test_without_javascript_the_link_loads_the_longer_page(world, live_server, browser):
    assessment = _assessment(world, 130)
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    # Without JavaScript the sign-in page asks for the code from the email: type the token.
    path, _, token = re.sub(r"^https?://[^/]+", "", url).partition("#t=")
    page.goto(live_server.url + path)
    page.fill("input[name=token]", token)
    page.click("button[type=submit]")
    page.click("button:has-text('Sign in')")
    page.goto(f"{live_server.url}/p/alpha/assessments/{assessment.pk}/")
    rows = page.locator("#requests-table tbody tr[data-requirement]")
    expect(rows).to_have_count(100)
    page.get_by_role("link", name="Show 30 more").click()
    expect(rows).to_have_count(130)
    ctx.close()
