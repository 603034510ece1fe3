"""End to end in Debian's Chromium: a contact signs in by magic link; staff invite through the dialog."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail

from accounts.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def test_contact_requests_a_link_signs_in_switches_theme_and_logs_out(world, live_server, browser, shot):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = _csp_errors(page)
    page.goto(f"{live_server.url}/p/alpha/login")
    shot(page, "portal-login-light")
    page.fill("input[name=email]", world.contact.email)
    page.click("button[type=submit]")
    page.wait_for_selector("text=Check your email")
    assert len(mail.outbox) == 1
    path = re.search(r"/p/alpha/auth#t=[-\w]+", mail.outbox[0].body).group(0)

    page.goto(live_server.url + path)
    assert page.locator("h1").inner_text().startswith("Sign in")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/p/alpha/")
    assert "Welcome, Pat Secret" in page.locator("h1").inner_text()
    shot(page, "portal-dashboard-light")

    page.click("[data-theme-choice=dark]")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"  # kept, set before paint
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert bg == "rgb(26, 30, 39)"
    assert page.get_attribute("[data-theme-choice=dark]", "aria-pressed") == "true"
    shot(page, "portal-dashboard-dark")

    page.click("button:has-text('Log out')")
    page.wait_for_url(re.compile(r".*/p/alpha/login$"))
    assert page.locator("text=You are signed out").is_visible()
    page.goto(f"{live_server.url}/p/alpha/")
    assert page.url.startswith(f"{live_server.url}/p/alpha/login")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()


def test_portal_at_phone_width(world, live_server, browser, shot):
    from accounts import services
    from accounts.models import LinkPurpose

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    page.goto(url.replace(settings.SITE_URL, live_server.url))
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/p/alpha/")
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click(".menu-toggle")
    assert page.locator("#portal-nav").is_visible()
    shot(page, "portal-dashboard-390")
    page.emulate_media(color_scheme="dark")
    shot(page, "portal-dashboard-390-dark")
    context.close()


def test_staff_invite_a_contact_through_the_dialog(world, live_server, browser, shot):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = _csp_errors(page)
    page.goto(f"{live_server.url}/app/login")
    page.fill("input[name=username]", world.owner.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(re.compile(r".*/app/clients/$"))
    page.click("text=Secretco Payments")
    page.click("text=Invite Client")
    dialog = page.locator("dialog#invite-dialog")
    dialog.wait_for(state="visible")
    assert dialog.locator("input[name=company]").input_value() == "Secretco Payments"
    assert dialog.locator("input[name=company]").is_disabled()
    shot(page, "staff-invite-dialog")

    dialog.locator("input[name=email]").fill("bad-address")
    dialog.locator("button:has-text('Send Invite')").click()
    dialog.locator("text=Enter a valid email address").wait_for()
    dialog.locator("input[name=email]").fill("riley@secretco.example")
    dialog.locator("input[name=name]").fill("Riley Park")
    dialog.locator("input[name=job_title]").fill("Security Engineer")
    dialog.locator("button:has-text('Send Invite')").click()
    dialog.wait_for(state="hidden")
    row = page.locator("#contacts tr", has_text="riley@secretco.example")
    row.wait_for()
    assert "Security Engineer" in row.inner_text()
    assert page.locator("#flash", has_text="Invitation sent to riley@secretco.example").is_visible()
    assert Contact.objects.filter(email="riley@secretco.example", client=world.client).exists()
    assert [m.to for m in mail.outbox] == [["riley@secretco.example"]]

    # Copy Portal URL shows a visible confirmation.
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    row.locator("summary").click()
    row.locator("button:has-text('Copy Portal URL')").click()
    row.locator("text=Copied!").wait_for()
    assert page.evaluate("navigator.clipboard.readText()").endswith(
        "/p/alpha/login?email=riley%40secretco.example"
    )
    shot(page, "staff-hub-after-invite")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()
