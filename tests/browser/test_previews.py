"""In Chromium: a contact opens the PDF, CSV and image previews in the portal, light and dark, on a phone
(390px) and a desktop. The PDF must really display from a blob: URL under our CSP, with no CSP errors."""

from __future__ import annotations

import hashlib
import io
import re
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from playwright.sync_api import expect

from accounts import services
from accounts.models import LinkPurpose
from core.pdf import render_pdf
from tests.factories import (
    AssessmentAccessFactory,
    AssessmentFactory,
    EvidenceFileFactory,
    EvidenceRequestFactory,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png() -> bytes:
    buf = io.BytesIO()
    image = Image.new("RGB", (1600, 900), (79, 70, 229))  # wider than a phone: must shrink to fit
    for x in range(0, 1600, 100):
        for y in range(900):
            image.putpixel((x, y), (255, 255, 255))
    image.save(buf, "PNG")
    return buf.getvalue()


def _csv() -> bytes:
    header = ["Requirement", "Control", "Owner", "Tested on", "Result", "Notes", "System", "Evidence ref"]
    lines = [",".join(header)]
    for i in range(1, 260):
        lines.append(
            f"1.{i},Firewall rule review {i},Network team,2026-01-{1 + i % 28:02d},Pass,"
            f'"Reviewed against the ruleset, no gaps",fw-{i:03d}.corp.example,EV-{1000 + i}'
        )
    lines.append("9.9,<script>alert('x')</script>,=1+1,,,,,")
    return ("\n".join(lines) + "\n").encode()


def _store(evidence, name: str, content: bytes, content_type: str):
    key = default_storage.save(f"evidence/browser/{uuid.uuid4().hex}", ContentFile(content))
    return EvidenceFileFactory(
        request=evidence,
        file=key,
        original_name=name,
        size=len(content),
        content_type=content_type,
        sha256=hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture
def files(world):
    assessment = AssessmentFactory(client=world.client, name="PCI DSS ROC 2026", lead=world.owner)
    AssessmentAccessFactory(assessment=assessment, contact=world.contact)
    evidence = EvidenceRequestFactory(assessment=assessment, requirement="1.2.3", title="Network diagram")
    pdf = render_pdf("<h1>Network diagram</h1><p>Segmentation test report, page one.</p>")
    made = {
        "pdf": _store(evidence, "segmentation-report.pdf", pdf, "application/pdf"),
        "csv": _store(evidence, "firewall-rules.csv", _csv(), "text/csv"),
        "image": _store(evidence, "network-diagram.png", _png(), "image/png"),
    }
    yield made
    for record in made.values():
        default_storage.delete(record.file.name)


def _contact_page(browser, live_server, world, *, width: int, scheme: str):
    phone = width < 640
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        color_scheme=scheme,
    )
    page = context.new_page()
    problems: list[str] = []

    def console(message):
        if (message.location or {}).get("url", "").endswith("/favicon.ico"):
            return  # the browser's own guess, not our page
        if (
            message.type == "error"
            or "Content Security Policy" in message.text
            or "Refused to" in message.text
        ):
            problems.append(f"{message.text} ({(message.location or {}).get('url', '')})")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", url))
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/p/alpha/")
    return context, page, problems


def _no_page_scroll(page, width: int):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page scrolls sideways: {scroll_width}px in a {width}px viewport"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_portal_previews(browser, live_server, world, files, shot, scheme, width):
    context, page, problems = _contact_page(browser, live_server, world, width=width, scheme=scheme)
    tag = f"preview-{'phone' if width < 640 else 'desktop'}-{scheme}"
    base = f"{live_server.url}/p/alpha/files"
    try:
        # The standalone preview page (deep links, no JS); in place on the request page is tested below.
        page.goto(f"{base}/{files['pdf'].pk}/preview")

        # PDF: fetched through the raw view, shown from a blob: URL by Chromium's PDF viewer.
        frame = page.locator("iframe[data-pdf-frame]")
        expect(frame).to_be_visible()
        expect(page.locator(".pdf-viewer")).to_have_attribute("data-state", "ready")
        assert frame.get_attribute("src").startswith("blob:")
        page.wait_for_function(
            "() => window.frames.length > 0", timeout=10_000
        )  # the iframe's document exists
        viewer = None
        for _ in range(40):
            viewer = next((f for f in page.frames if f.url.startswith("chrome-extension://")), None)
            if viewer:
                break
            page.wait_for_timeout(250)
        assert viewer is not None, f"no PDF viewer in {[f.url for f in page.frames]}"
        expect(page.locator("#preview-download")).to_be_visible()
        expect(page.locator("[data-pdf-fallback]")).to_be_hidden()
        page.wait_for_timeout(800)  # let the viewer paint before the screenshot
        _no_page_scroll(page, width)
        shot(page, f"{tag}-pdf")

        # CSV: an escaped table with the header row as column headers; wide tables scroll in their box.
        page.goto(f"{base}/{files['csv'].pk}/preview")
        table = page.locator("#preview-table")
        expect(table).to_be_visible()
        headers = table.locator("thead th:not(.row-num)").all_inner_texts()
        assert headers[:3] == ["Requirement", "Control", "Owner"]
        assert table.locator("tbody tr").count() == 200
        expect(page.locator("#preview-count")).to_contain_text("60 more rows")
        assert page.locator("script:has-text('alert')").count() == 0
        _no_page_scroll(page, width)
        if width < 640:
            wrap = page.locator(".preview-table-wrap")
            assert wrap.evaluate("e => e.scrollWidth > e.clientWidth"), (
                "the wide table should scroll in its box"
            )
        shot(page, f"{tag}-csv")

        # Image: inline, decoded, and no wider than the screen.
        page.goto(f"{base}/{files['image'].pk}/preview")
        image = page.locator("#preview-image")
        expect(image).to_be_visible()
        page.wait_for_function("() => document.getElementById('preview-image').complete")
        assert image.evaluate("i => i.naturalWidth") == 1600
        assert image.evaluate("i => i.getBoundingClientRect().width") <= width
        _no_page_scroll(page, width)
        shot(page, f"{tag}-image")

        assert not problems, problems
    finally:
        context.close()


def test_pdf_fallback_when_the_file_cannot_be_fetched(browser, live_server, world, files, shot):
    """The raw view answers 404 (file gone from storage): the viewer says so and offers the download."""
    default_storage.delete(files["pdf"].file.name)
    context, page, _ = _contact_page(browser, live_server, world, width=390, scheme="light")
    try:
        page.goto(f"{live_server.url}/p/alpha/files/{files['pdf'].pk}/preview")
        expect(page.locator(".pdf-viewer")).to_have_attribute("data-state", "error")
        expect(page.locator("[data-pdf-fallback]")).to_be_visible()
        expect(page.locator("iframe[data-pdf-frame]")).to_be_hidden()
        _no_page_scroll(page, 390)
        shot(page, "preview-phone-light-pdf-fallback")
    finally:
        context.close()


def test_staff_previews_a_spreadsheet_from_the_request_page(browser, live_server, world, files, shot):
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Findings")
    ws.append(["Requirement", "Finding", "Due"])
    for i in range(1, 400):
        ws.append([f"10.{i}", f"Log review gap {i}", f"2026-02-{1 + i % 28:02d}"])
    wb.create_sheet("Scope").append(["in scope"])
    buf = io.BytesIO()
    wb.save(buf)
    evidence = files["pdf"].request
    record = _store(evidence, "findings.xlsx", buf.getvalue(), XLSX_TYPE)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/app/login")
        page.fill("input[name=username]", world.owner.email)
        page.fill("input[name=password]", "correct horse battery")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r".*/app/clients/$"))
        page.goto(f"{live_server.url}/app/assessments/{evidence.assessment_id}/requests/{evidence.pk}/")
        request_url = page.url
        page.click("a:text-is('findings.xlsx')")  # opens in place, over the request page
        dialog = page.locator("#preview-dialog")
        expect(dialog).to_have_attribute("open", "")
        expect(dialog.locator("#preview-table thead th:not(.row-num)").first).to_have_text("Requirement")
        assert dialog.locator("#preview-table tbody tr").count() == 200
        expect(dialog.locator("#preview-count")).to_contain_text("199 more rows")
        expect(dialog.locator(".preview-sheets")).to_contain_text("Scope")
        shot(page, "preview-staff-desktop-light-xlsx-in-place")
        page.keyboard.press("Escape")
        expect(dialog).not_to_have_attribute("open", "")
        page.wait_for_timeout(100)  # closing takes the dialog's history entry back off
        assert page.url == request_url
        # The standalone page stays for deep links (and without JavaScript).
        page.click("a:text-is('findings.xlsx')")
        page.click("#preview-dialog a:has-text('Open on its own page')")
        page.wait_for_url(f"{live_server.url}/app/assessments/files/{record.pk}/preview")
        expect(page.locator("#preview-table tbody tr")).to_have_count(200)
        shot(page, "preview-staff-desktop-light-xlsx")
    finally:
        context.close()
        default_storage.delete(record.file.name)


@pytest.mark.parametrize("width", [390, 1280])
def test_contact_opens_a_pdf_in_place_and_back_closes_it(browser, live_server, world, files, shot, width):
    context, page, problems = _contact_page(browser, live_server, world, width=width, scheme="dark")
    evidence = files["pdf"].request
    request_url = f"{live_server.url}/p/alpha/requests/{evidence.pk}/"
    page.goto(request_url)
    page.click("#file-list a:text-is('segmentation-report.pdf')")
    dialog = page.locator("#preview-dialog")
    expect(dialog).to_have_attribute("open", "")
    frame = dialog.locator("iframe.pdf-frame")
    expect(frame).to_be_visible()
    assert frame.get_attribute("src").startswith("blob:")
    expect(page.locator("#messages")).to_have_count(1)  # the thread is still on the page, behind
    shot(page, f"preview-in-place-pdf-{width}-dark")
    page.go_back()  # Back closes the preview and stays on the request
    expect(dialog).not_to_have_attribute("open", "")
    assert page.url == request_url
    assert not problems, problems
    context.close()


def test_a_table_being_prepared_appears_without_a_reload(browser, live_server, world, files, settings):
    """A worker builds the table (files.preview_jobs): the page says so, then htmx swaps it in, CSP intact."""
    from django.core.cache import cache

    from files import preview_jobs

    settings.CELERY_TASK_ALWAYS_EAGER = False  # the page must not build it: a worker (this test) does
    record = files["csv"]
    cache.add(f"{preview_jobs.cache_key(record)}:pending", 1, 60)  # already queued
    context, page, problems = _contact_page(browser, live_server, world, width=1280, scheme="light")
    try:
        page.goto(f"{live_server.url}/p/alpha/files/{record.pk}/preview")
        expect(page.locator("#preview-pending")).to_contain_text("Preparing preview…")
        expect(page.locator("#preview-refresh")).to_have_attribute("href", re.compile(r"/preview$"))
        preview_jobs.build_preview_task(record._meta.label, record.pk)
        expect(page.locator("#preview-table")).to_be_visible(timeout=10_000)
        assert page.locator("#preview-table tbody tr").count() == 200
        expect(page.locator("#preview-pending")).to_have_count(0)
        assert problems == []
    finally:
        context.close()
