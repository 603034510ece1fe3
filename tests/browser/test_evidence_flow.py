"""End to end in Chromium: the evidence loop between a client contact and the assessor, desktop and phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts import services
from accounts.models import LinkPurpose
from assessments.models import EvidenceFile, EvidenceRequest, Status
from tests.factories import AssessmentAccessFactory, AssessmentFactory, EvidenceRequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_TEXT = "%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n"


def _setup(world):
    assessment = AssessmentFactory(client=world.client, name="PCI DSS ROC 2026", lead=world.owner)
    AssessmentAccessFactory(assessment=assessment, contact=world.contact)
    for req in ["1.10", "12.10", "2.1", "1.9"]:
        EvidenceRequestFactory(assessment=assessment, requirement=req, title=f"Item {req}")
    EvidenceRequestFactory(
        assessment=assessment, requirement="3.1", title="Already accepted", status=Status.ACCEPTED
    )
    target = EvidenceRequestFactory(
        assessment=assessment, requirement="1.2.3", title="Network diagram", priority="critical"
    )
    return assessment, target


def _contact_page(browser, live_server, world, viewport):
    phone = viewport[0] < 640
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())  # the delete confirmation
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", url))
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/p/alpha/")
    return context, page


def _staff_page(browser, live_server, world):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/app/login")
    page.fill("input[name=username]", world.owner.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/app/clients/$"))
    return context, page


def _settled(page) -> None:
    """Wait until htmx has no request in flight, so the next action does not race a swap."""
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.wait_for_timeout(50)  # htmx settles swapped content on a 20 ms timer


def _requirements(page) -> list[str]:
    return page.locator("#requests-table tbody tr").evaluate_all(
        "rows => rows.map(r => r.getAttribute('data-requirement'))"
    )


def _drop_files(page, names):
    handle = page.evaluate_handle(
        """([names, text]) => { const dt = new DataTransfer();
             names.forEach(n => dt.items.add(new File([text.replace(/\\\\n/g, '\\n')], n, {type: 'application/pdf'})));
             return dt; }""",
        [names, PDF_TEXT],
    )
    page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": handle})


def _staff_review(page, live_server, evidence, *, changes: str | None):
    page.goto(f"{live_server.url}/app/assessments/{evidence.assessment_id}/requests/{evidence.pk}/")
    page.click("button:has-text('Start review')")
    page.wait_for_selector("#request-status:has-text('Under review')")
    if changes:
        page.fill("#note-changes", changes)
        page.click("button:has-text('Request changes')")
        page.wait_for_selector("#request-status:has-text('Changes requested')")
    else:
        page.click("button:has-text('Accept')")
        page.wait_for_selector("#request-status:has-text('Accepted')")


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_evidence_round_trip(world, live_server, browser, shot, viewport):
    assessment, target = _setup(world)
    tag = "desktop" if viewport[0] > 640 else "390"
    context, page = _contact_page(browser, live_server, world, viewport)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text + " @ " + page.url) if m.type == "error" else None)

    # dashboard → assessment
    assert page.locator("[data-count=total]").first.inner_text() == "6"
    if tag == "390":
        page.click(".menu-toggle")
    page.click("#portal-nav a:has-text('Assessments')")  # the only assessment: straight to its requests
    page.wait_for_url(f"{live_server.url}/p/alpha/assessments/{assessment.pk}/")
    page.wait_for_selector("#requests-table")

    # sort cycles default → ascending → descending, in natural order, kept in the URL
    page.click("#sort-button")
    expect(page).to_have_url(re.compile(r".*sort=req$"))
    _settled(page)
    assert _requirements(page) == ["1.2.3", "1.9", "1.10", "2.1", "3.1", "12.10"]
    page.click("#sort-button")
    expect(page).to_have_url(re.compile(r".*sort=-req$"))
    _settled(page)
    assert _requirements(page)[0] == "12.10"
    page.select_option("#status-filter", "accepted")
    expect(page).to_have_url(re.compile(r".*status=accepted.*"))
    expect(page.locator("#requests-table tbody tr")).to_have_count(1)
    assert _requirements(page) == ["3.1"]
    page.go_back()
    expect(page).to_have_url(re.compile(r".*sort=-req$"))
    expect(page.locator("#requests-table tbody tr")).to_have_count(6)
    if tag == "390":
        assert (
            page.evaluate("document.documentElement.scrollWidth") <= 390
        )  # stacked cards, no sideways scroll
    shot(page, f"evidence-list-{tag}")

    # upload two files (drag-and-drop on desktop, the picker on a phone), delete one, submit
    page.click("a:has-text('Network diagram')")
    page.wait_for_selector("[data-dropzone]")
    if tag == "390":
        page.set_input_files(
            "#file-input",
            files=[
                {
                    "name": "diagram.pdf",
                    "mimeType": "application/pdf",
                    "buffer": PDF_TEXT.replace("\\n", "\n").encode(),
                },
                {
                    "name": "old-diagram.pdf",
                    "mimeType": "application/pdf",
                    "buffer": PDF_TEXT.replace("\\n", "\n").encode(),
                },
            ],
        )
    else:
        _drop_files(page, ["diagram.pdf", "old-diagram.pdf"])
    expect(page.locator(".upload-item.done")).to_have_count(2)
    expect(page.locator("#file-list .file-row")).to_have_count(2)
    assert page.locator(".upload-item progress").evaluate_all("bars => bars.map(b => b.value)") == [100, 100]
    shot(page, f"evidence-uploaded-{tag}")
    page.click("#file-list .file-row:has-text('old-diagram.pdf') button:has-text('Delete')")
    expect(page.locator("#file-list .file-row")).to_have_count(1)
    assert EvidenceFile.objects.filter(request=target).count() == 1
    page.click("#submit-review")
    page.wait_for_selector("#request-status:has-text('Submitted')")

    # staff: start review, request changes
    staff_context, staff = _staff_page(browser, live_server, world)
    staff.goto(f"{live_server.url}/app/inbox")
    assert staff.locator("text=Network diagram").is_visible()
    _staff_review(staff, live_server, target, changes="Please add the DMZ segment.")
    shot(staff, f"evidence-staff-review-{tag}")

    # contact: sees the note, uploads again, resubmits
    page.reload()
    assert "Please add the DMZ segment." in page.locator("#reviewer-notes").inner_text()
    page.set_input_files(
        "#file-input",
        files=[
            {
                "name": "diagram-v2.pdf",
                "mimeType": "application/pdf",
                "buffer": PDF_TEXT.replace("\\n", "\n").encode(),
            },
        ],
    )
    expect(page.locator("#file-list .file-row")).to_have_count(2)
    page.click("#submit-review")
    page.wait_for_selector("#request-status:has-text('Submitted')")

    # staff accept; the contact's dashboard counts and progress bar follow
    _staff_review(staff, live_server, target, changes=None)
    target.refresh_from_db()
    assert target.status == Status.ACCEPTED and target.submission_round == 2
    page.goto(f"{live_server.url}/p/alpha/")
    assert page.locator("[data-count=accepted]").first.inner_text() == "2"
    assert page.locator("progress.meter").get_attribute("value") == str(round(100 * 2 / 6))
    shot(page, f"evidence-dashboard-{tag}")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    assert EvidenceRequest.objects.filter(status=Status.ACCEPTED).count() == 2
    staff_context.close()
    context.close()


def test_failed_uploads_show_a_red_bar_and_retry(world, live_server, browser, shot):
    """A dropped connection leaves a red bar and a Retry button that re-sends that file; a refused type
    leaves a red bar with the server's reason; several files travel at most three at a time."""
    _, target = _setup(world)
    context, page = _contact_page(browser, live_server, world, (1280, 900))
    page.goto(f"{live_server.url}/p/alpha/requests/{target.pk}/")
    page.wait_for_selector("[data-dropzone]")
    upload_url = f"{live_server.url}/p/alpha/requests/{target.pk}/files"
    page.route(upload_url, lambda route: route.abort())  # the network drops every upload
    _drop_files(page, ["net.pdf"])
    failed = page.locator(".upload-item.failed")
    expect(failed).to_have_count(1)
    expect(failed.locator(".upload-status")).to_contain_text("Network error")
    assert failed.locator("progress").evaluate("b => b.value") == 100
    colour = failed.locator("progress").evaluate(
        "b => getComputedStyle(b, '::-webkit-progress-value').backgroundColor"
    )
    assert colour != page.locator("body").evaluate("b => getComputedStyle(b).getPropertyValue('--accent')")
    shot(page, "upload-failed-retry")
    page.unroute(upload_url)
    page.click("button.upload-retry")
    expect(page.locator(".upload-item.done")).to_have_count(1)
    expect(page.locator("#file-list .file-row:has-text('net.pdf')")).to_have_count(1)
    assert EvidenceFile.objects.filter(request=target, original_name="net.pdf").exists()

    # A type the policy refuses: red, the reason, no Retry (retrying cannot help).
    page.evaluate(
        """() => { const dt = new DataTransfer();
             dt.items.add(new File(['<html><script>x</script></html>'], 'page.html', {type: 'text/html'}));
             document.querySelector('[data-dropzone]').dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true})); }"""
    )
    refused = page.locator(".upload-item.failed:has-text('page.html')")
    expect(refused).to_have_count(1)
    expect(refused.locator(".upload-status")).to_contain_text("not accepted")
    assert refused.locator("button.upload-retry").count() == 0

    # Five files at once: never more than three requests in flight.
    # (readyState 4 comes before the uploader's own "load" handler, which starts the next file)
    # (only upload XHRs count: htmx's 10-second thread poll is an XHR too)
    page.evaluate("""() => { window.__inflight = 0; window.__peak = 0;
        const open = XMLHttpRequest.prototype.open;
        XMLHttpRequest.prototype.open = function (method, url) { this.__url = String(url); return open.apply(this, arguments); };
        const send = XMLHttpRequest.prototype.send;
        XMLHttpRequest.prototype.send = function (body) {
          if (!this.__url.endsWith('/files')) return send.call(this, body);
          window.__inflight++; window.__peak = Math.max(window.__peak, window.__inflight);
          this.addEventListener('readystatechange', () => { if (this.readyState === 4) window.__inflight--; });
          return send.call(this, body); }; }""")
    _drop_files(page, [f"batch-{i}.pdf" for i in range(5)])
    expect(page.locator(".upload-item.done")).to_have_count(6)
    assert page.evaluate("window.__peak") == 3

    # Deleting asks once (it used to ask twice: a submit handler and htmx's confirm).
    asked: list[str] = []
    page.on("dialog", lambda d: asked.append(d.message))
    page.click("#file-list .file-row:has-text('batch-0.pdf') button:has-text('Delete')")
    expect(page.locator("#file-list .file-row:has-text('batch-0.pdf')")).to_have_count(0)
    assert asked == ["Delete batch-0.pdf?"]
    expect(page.locator("#history")).to_contain_text("deleted")  # History refreshed by itself
    context.close()
