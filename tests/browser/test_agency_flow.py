"""End to end in Chromium: an agency client approves a deliverable. The contact signs in, opens a project,
previews the PDF deliverable in place, requests changes with a comment; staff upload a new version; the
contact approves it. On a desktop, at 390px and in dark mode; then a staff preview shows the banner and no
write controls."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts import services as account_services
from accounts.models import LinkPurpose
from core.pdf import render_pdf
from projects import services
from projects.models import ApprovalStatus, Deliverable, ProjectStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _setup(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    project = services.create_project(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        name="Website redesign",
        status=ProjectStatus.ACTIVE,
        description="A new **marketing site**.",
    )
    pdf = render_pdf("<h1>Homepage wireframes</h1><p>Version one.</p>")
    deliverable = services.create_deliverable(
        project=project,
        upload=SimpleUploadedFile("wireframes-v1.pdf", pdf),
        user=world.owner,
        title="Homepage wireframes",
        note="Desktop and mobile.",
        needs_approval=True,
    )
    return project, deliverable


def _contact(browser, live_server, world, width, scheme):
    phone = width < 640
    context = browser.new_context(
        viewport={"width": width, "height": 844 if phone else 900},
        is_mobile=phone,
        has_touch=phone,
        color_scheme=scheme,
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


def _staff(browser, live_server, world, scheme="light"):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    page.goto(f"{live_server.url}/app/login")
    page.fill("input[name=username]", world.owner.email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/app/clients/$"))
    return context, page


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (390, "light"), (1280, "dark")], ids=["desktop", "390", "dark"]
)
def test_contact_requests_changes_then_approves_the_new_version(
    world, live_server, browser, shot, width, scheme
):
    project, deliverable = _setup(world)
    tag = {(1280, "light"): "desktop", (390, "light"): "390", (1280, "dark"): "dark"}[(width, scheme)]
    context, page, problems = _contact(browser, live_server, world, width, scheme)

    # dashboard: the project and the deliverable awaiting approval
    expect(page.locator("#projects-widget")).to_contain_text("Website redesign")
    expect(page.locator("#awaiting-approval")).to_contain_text("1 deliverable awaiting your approval")
    shot(page, f"agency-dashboard-{tag}")
    if width < 640:
        page.click(".menu-toggle")
    page.click("#portal-nav a:has-text('Projects')")
    page.wait_for_url(f"{live_server.url}/p/alpha/projects/")
    if width < 640:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.click("#project-table a:has-text('Website redesign')")
    page.wait_for_url(f"{live_server.url}/p/alpha/projects/{project.pk}/")
    page.click("#deliverable-table a:has-text('Homepage wireframes')")
    page.wait_for_url(f"{live_server.url}/p/alpha/deliverables/{deliverable.pk}/")

    # preview the PDF in place: fetched through the raw view, shown from a blob: URL
    page.click("#versions a.file-name")
    dialog = page.locator("#preview-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".pdf-viewer")).to_have_attribute("data-state", "ready")
    assert dialog.locator("iframe[data-pdf-frame]").get_attribute("src").startswith("blob:")
    shot(page, f"agency-preview-{tag}")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # request changes: the comment is required, then given
    page.click("#changes-btn")
    expect(page.locator("#approval-status")).to_have_text("Awaiting your approval")
    expect(page.locator("body")).to_contain_text("a comment is required")
    page.fill("#decision-comment", "Move the newsletter sign-up above the fold.")
    page.click("#changes-btn")
    expect(page.locator("#approval-status")).to_have_text("Changes requested")
    expect(page.locator("#decisions")).to_contain_text("Move the newsletter sign-up above the fold.")
    shot(page, f"agency-changes-requested-{tag}")

    # staff upload a new version
    staff_ctx, staff = _staff(browser, live_server, world, scheme)
    staff.goto(f"{live_server.url}/app/projects/deliverables/{deliverable.pk}/")
    expect(staff.locator("#approval-status")).to_have_text("Changes requested")
    staff.set_input_files(
        "#version-file",
        files=[
            {"name": "wireframes-v2.pdf", "mimeType": "application/pdf", "buffer": render_pdf("<h1>v2</h1>")}
        ],
    )
    staff.fill("#id_note", "Newsletter sign-up moved above the fold.")
    staff.click("button:has-text('Upload new version')")
    expect(staff.locator("#approval-status")).to_have_text("Awaiting approval")
    expect(staff.locator("#versions li")).to_have_count(2)
    shot(staff, f"agency-staff-new-version-{tag}")
    staff_ctx.close()

    # the contact approves v2
    page.reload()
    expect(page.locator("#approval-status")).to_have_text("Awaiting your approval")
    expect(page.locator("#versions")).to_contain_text("superseded")
    page.click("#approve-btn")
    expect(page.locator("#approval-status")).to_have_text("Approved")
    expect(page.locator("#decision-form")).to_have_count(0)
    shot(page, f"agency-approved-{tag}")
    deliverable.refresh_from_db()
    assert deliverable.approval_status == ApprovalStatus.APPROVED and deliverable.version_count == 2
    assert problems == []
    context.close()


def test_staff_preview_shows_the_banner_and_no_write_controls(world, live_server, browser, shot):
    project, deliverable = _setup(world)
    context, staff = _staff(browser, live_server, world)
    staff.goto(f"{live_server.url}/app/clients/{world.client.pk}/")
    staff.click(f"summary[aria-label='Actions for {world.contact.email}']")
    with context.expect_page() as opened:  # the preview opens in a new tab; the back-office stays
        staff.click("button:has-text('Preview portal as')")
    staff = opened.value
    staff.wait_for_url(f"{live_server.url}/p/alpha/")
    expect(staff.locator("body")).to_contain_text("Preview Mode")
    staff.goto(f"{live_server.url}/p/alpha/deliverables/{deliverable.pk}/")
    expect(staff.locator("body")).to_contain_text("Preview Mode")
    expect(staff.locator("#approval-status")).to_have_text("Awaiting your approval")
    expect(staff.locator("#decision-form")).to_have_count(0)
    expect(staff.locator("#approve-btn")).to_have_count(0)
    expect(staff.locator(".thread-form")).to_have_count(0)
    expect(staff.locator("#decision-read-only")).to_be_visible()
    shot(staff, "agency-staff-preview")
    assert Deliverable.objects.get(pk=deliverable.pk).approval_status == ApprovalStatus.PENDING
    context.close()


@pytest.mark.parametrize(("width", "scheme"), [(1280, "light"), (390, "dark")], ids=["desktop", "390-dark"])
def test_staff_deliver_files_by_dropping_them(world, live_server, browser, shot, axe, width, scheme):
    """The project page's drop zone: two files dropped (or picked, on a phone) upload with their own
    progress, each becomes a deliverable with the note typed first, the list shows them without a reload,
    and the note is cleared for the next files; a refused file says why and creates nothing."""
    project, _ = _setup(world)
    context, page = _staff(browser, live_server, world, scheme)
    page.set_viewport_size({"width": width, "height": 844 if width < 640 else 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(f"{live_server.url}/app/projects/{project.pk}/")
    page.wait_for_selector("[data-dropzone]")
    axe(page, f"project page {width} {scheme}")
    page.fill("#id_note", "Round two, for review.")
    page.check("#id_needs_approval")
    pdf = list(render_pdf("<h1>Copy deck</h1>"))
    files = [
        {"name": n, "mimeType": "application/pdf", "buffer": bytes(pdf)} for n in ("copy.pdf", "logo.pdf")
    ]
    if width < 640:
        page.set_input_files("#deliverable-file", files=files)
    else:
        handle = page.evaluate_handle(
            """([names, bytes]) => { const dt = new DataTransfer();
                 names.forEach(n => dt.items.add(new File([new Uint8Array(bytes)], n, {type: 'application/pdf'})));
                 return dt; }""",
            [["copy.pdf", "logo.pdf"], pdf],
        )
        page.dispatch_event("[data-dropzone]", "drop", {"dataTransfer": handle})
    expect(page.locator(".upload-item.done")).to_have_count(2)
    expect(page.locator("#deliverable-table")).to_contain_text("copy.pdf")
    expect(page.locator("#deliverable-table")).to_contain_text("logo.pdf")
    expect(page.locator("#id_note")).to_have_value("")  # used, and cleared for the next files
    expect(page.locator("#project-activity")).to_contain_text("copy.pdf")  # the activity caught up too
    shot(page, f"agency-staff-drop-zone-{width}-{scheme}")
    made = Deliverable.objects.filter(project=project, title__in=["copy.pdf", "logo.pdf"])
    assert (
        sorted((d.note, d.approval_status) for d in made)
        == [("Round two, for review.", ApprovalStatus.PENDING)] * 2
    )
    # A type the policy refuses: the row says why, nothing is created.
    page.set_input_files(
        "#deliverable-file",
        files=[{"name": "page.html", "mimeType": "text/html", "buffer": b"<html></html>"}],
    )
    expect(page.locator(".upload-item.failed")).to_have_count(1)
    expect(page.locator("#upload-error")).to_be_visible()
    axe(page, f"project page after a refusal {width} {scheme}")
    assert Deliverable.objects.filter(project=project).count() == 3
    # Enter in the title opens the picker instead of posting the form without files (losing the note).
    page.fill("#id_note", "Kept while choosing")
    with page.expect_file_chooser():
        page.press("#id_title", "Enter")
    expect(page.locator("#id_note")).to_have_value("Kept while choosing")
    # Signed out meanwhile (idle time-out, another tab): the file is not reported as uploaded, the note
    # stays, and Retry is offered.
    kept = [c for c in context.cookies() if c["name"] != "sessionid"]
    context.clear_cookies()
    context.add_cookies(kept)
    page.set_input_files("#deliverable-file", files=[files[0]])
    expect(page.locator(".upload-item.failed")).to_have_count(2)
    expect(page.locator(".upload-item.failed").last).to_contain_text("signed out")
    expect(page.locator(".upload-item.failed").last.locator("button.upload-retry")).to_be_visible()
    expect(page.locator("#id_note")).to_have_value("Kept while choosing")
    assert Deliverable.objects.filter(project=project).count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert problems == [] or all("400" in p for p in problems), problems
    context.close()
