"""End to end in Chromium: staff draft an invoice (lines added with htmx, totals computed on the server as
they type), finalise and email it; the contact opens it in the portal, sees what is due and downloads the
PDF. Staff at 1280px, the contact on a desktop in light mode and at 390px in dark mode."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from billing.models import Invoice, InvoiceStatus
from tests.browser.test_agency_flow import _contact, _staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _draft_and_finalise(browser, live_server, world, shot) -> Invoice:
    context, page = _staff(browser, live_server, world)
    page.goto(f"{live_server.url}/app/invoices/")
    page.click("text=New invoice")
    page.select_option("select[name=client]", str(world.client.pk))
    page.fill("textarea[name=bill_to_address]", "1 Market Street\nSpringfield")
    page.fill("input[name=tax_rate]", "20")
    page.fill("input[name='lines-0-description']", "Design sprint")
    page.fill("input[name='lines-0-quantity']", "2")
    page.fill("input[name='lines-0-unit_price']", "1500")
    expect(page.locator("#invoice-total")).to_have_text("€3,600.00")  # server-computed, live
    page.click("button:has-text('Add line')")
    expect(page.locator("input[name='lines-1-description']")).to_be_visible()
    expect(page.locator("input[name='lines-0-description']")).to_have_value("Design sprint")  # kept
    page.fill("input[name='lines-1-description']", "Hosting")
    page.fill("input[name='lines-1-unit_price']", "49.99")
    page.fill("input[name='lines-1-tax_rate']", "0")
    expect(page.locator("#invoice-total")).to_have_text("€3,649.99")
    shot(page, "invoice-staff-editor")
    page.click("button:has-text('Save draft')")
    page.wait_for_url(re.compile(r".*/app/invoices/\d+/$"))
    expect(page.locator("h1")).to_have_text("Draft invoice")
    page.click("button:has-text('Finalise invoice')")
    expect(page.locator("#flash")).to_contain_text("finalised and emailed")
    invoice = Invoice.objects.get()
    assert invoice.status == InvoiceStatus.SENT and invoice.number
    expect(page.locator("h1")).to_have_text(f"Invoice {invoice.number}")
    shot(page, "invoice-staff-detail")
    page.click("a:has-text('Invoices')")
    expect(page.locator("#invoice-outstanding")).to_contain_text("€3,649.99")
    shot(page, "invoice-staff-list")
    context.close()
    return invoice


def test_staff_create_and_finalise_then_contact_opens_it(world, live_server, browser, shot, axe):
    invoice = _draft_and_finalise(browser, live_server, world, shot)
    for width, scheme in ((1280, "light"), (390, "dark")):
        context, page, problems = _contact(browser, live_server, world, width, scheme)
        expect(page.locator("#invoices-widget")).to_contain_text(invoice.number)
        expect(page.locator("#invoices-widget")).to_contain_text("€3,649.99")
        shot(page, f"invoice-portal-dashboard-{width}-{scheme}")
        if width > 640:
            page.locator("nav").get_by_role("link", name="Invoices").click()
        else:
            page.goto(f"{live_server.url}/p/alpha/invoices/")
        page.wait_for_url(re.compile(r".*/p/alpha/invoices/$"))
        shot(page, f"invoice-portal-list-{width}-{scheme}")
        page.click(f"text={invoice.number}")
        page.wait_for_url(re.compile(rf".*/p/alpha/invoices/{invoice.pk}/$"))
        expect(page.locator("#portal-amount-due")).to_have_text("€3,649.99")
        expect(page.locator("#invoice-lines")).to_contain_text("Design sprint")
        expect(page.locator("#invoice-pay")).to_contain_text("Online payment is not set up")
        shot(page, f"invoice-portal-detail-{width}-{scheme}")
        with page.expect_download() as download:
            page.click("a:has-text('Download PDF')")
        assert download.value.suggested_filename == f"{invoice.number}.pdf"
        assert not problems, problems
        context.close()
    # Staff on a phone in dark mode: the list turns into cards, the totals stay readable.
    context, page = _staff(browser, live_server, world, scheme="dark")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/app/invoices/")
    expect(page.locator("#invoices")).to_contain_text(invoice.number)
    shot(page, "invoice-staff-list-390-dark")
    page.goto(f"{live_server.url}/app/invoices/{invoice.pk}/")
    shot(page, "invoice-staff-detail-390-dark")
    # Credit one of the two design days, by line: a quantity past the invoiced one is a field error that
    # keeps the reason typed; then the credit note is issued and listed.
    design = invoice.lines.get(description="Design sprint")
    page.click("summary:has-text('Credit by line')")
    page.get_by_label("Design sprint: quantity to credit").fill("3")
    page.fill("#credit_lines_reason", "One day not used")
    page.click("form:has(#credit_lines_reason) button:has-text('Issue credit note')")
    expect(page.locator(f".field:has(#credit_lines_qty_{design.pk}) .errors")).to_contain_text("At most 2")
    expect(page.locator("#credit_lines_reason")).to_have_value("One day not used")
    axe(page, "invoice credit lines, refused, 390 dark")
    shot(page, "invoice-staff-credit-lines-390-dark")
    page.fill(f"#credit_lines_qty_{design.pk}", "1")
    page.click("form:has(#credit_lines_reason) button:has-text('Issue credit note')")
    expect(page.locator("#flash")).to_contain_text("Credit note issued")
    expect(page.locator("#credit-notes")).to_contain_text("€1,800.00")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    context.close()
