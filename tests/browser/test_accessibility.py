"""Every main page, staff and client, at desktop and 390px, light and dark: zero WCAG 2.2 A/AA violations
under axe-core."""

from __future__ import annotations

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from accounts import services
from accounts.models import LinkPurpose
from assessments.models import RequestMessage, Status
from tests.factories import (
    AssessmentAccessFactory,
    AssessmentFactory,
    EvidenceFileFactory,
    EvidenceRequestFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSV = b"id,name,amount\n1,Widget,9.50\n2,Gadget,12\n"


def _world(world):
    assessment = AssessmentFactory(client=world.client, name="PCI DSS ROC 2026", lead=world.owner)
    AssessmentAccessFactory(assessment=assessment, contact=world.contact)
    target = EvidenceRequestFactory(
        assessment=assessment,
        requirement="1.2.3",
        title="Network diagram",
        priority="critical",
        description="Provide the **current** diagram.",
    )
    EvidenceRequestFactory(
        assessment=assessment, requirement="2.1", title="Config standards", status=Status.SUBMITTED
    )
    EvidenceRequestFactory(
        assessment=assessment, requirement="3.1", title="Retention", status=Status.ACCEPTED
    )
    pdf = EvidenceFileFactory(
        request=target,
        file=default_storage.save("evidence/a11y/diagram", ContentFile(PDF)),
        original_name="diagram.pdf",
        size=len(PDF),
        content_type="application/pdf",
    )
    csv = EvidenceFileFactory(
        request=target,
        file=default_storage.save("evidence/a11y/list", ContentFile(CSV)),
        original_name="assets.csv",
        size=len(CSV),
        content_type="text/csv",
    )
    RequestMessage.objects.create(request=target, author_user=world.owner, body="Please include the DMZ.")
    return assessment, target, pdf, csv


def _agency(world):
    """A project with a deliverable awaiting approval (two versions, a comment) and a signed contract."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects import services as projects
    from proposals import services as contracts
    from proposals.models import ContractStatus

    project = projects.create_project(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        name="Website redesign",
        status="active",
        description="A new **marketing site**.",
    )
    deliverable = projects.create_deliverable(
        project=project,
        upload=SimpleUploadedFile("wireframes.pdf", PDF),
        user=world.owner,
        title="Homepage wireframes",
        note="Desktop and mobile.",
        needs_approval=True,
    )
    projects.upload_version(
        deliverable=deliverable,
        upload=SimpleUploadedFile("wireframes-v2.pdf", PDF),
        user=world.owner,
        note="v2",
    )
    projects.post_comment(deliverable=deliverable, body="Version 2 is up.", user=world.owner)
    contract = contracts.create_contract(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        title="Master services agreement",
        status=ContractStatus.SIGNED,
        upload=SimpleUploadedFile("msa.pdf", PDF),
        project=project,
    )
    return project, deliverable, contract


def _proposals(world):
    """An open proposal, an accepted one (with its evidence) and a contract sent for signature."""
    from proposals import services as contracts
    from proposals import signing
    from tests.proposals.helpers import sent_proposal, signer

    open_one = sent_proposal(world, "Website care plan")
    accepted = sent_proposal(world, "Spring campaign")
    signing.accept_proposal(
        proposal=accepted,
        signer=signer(world.contact),
        version_id=accepted.current_version_id,
        selected_item_ids=[],
    )
    to_sign = contracts.send_contract(
        contract=contracts.create_contract(
            workspace=world.ws,
            client=world.client,
            actor=world.owner,
            title="Statement of work",
            body_markdown="## Scope\n\nThe **spring campaign**.",
        ),
        actor=world.owner,
    )
    return open_one, accepted, to_sign


def _billing(world):
    """A draft, a sent invoice with a part payment and a credit note, and a paid one."""
    from decimal import Decimal

    from billing import services as billing
    from core.money import PricedLine

    def draft():
        return billing.create_invoice(
            workspace=world.ws,
            client=world.client,
            actor=world.owner,
            currency="EUR",
            lines=[
                PricedLine("Design sprint", Decimal(2), Decimal(1500)),
                PricedLine("Hosting", Decimal(1), Decimal("49.99"), Decimal(0)),
            ],
            tax_rate=Decimal(20),
            bill_to_address="1 Market Street\nSpringfield",
            notes="Payment by bank transfer.",
        )

    sent = billing.finalise_invoice(invoice=draft(), actor=world.owner)
    billing.apply_payment(invoice=sent, amount=Decimal(1000), currency="EUR")
    billing.issue_credit_note(invoice=sent, actor=world.owner, amount=Decimal(100), reason="Goodwill")
    paid = billing.finalise_invoice(invoice=draft(), actor=world.owner)
    billing.apply_payment(invoice=paid, amount=paid.total, currency="EUR")
    return draft(), sent


@pytest.mark.parametrize(
    ("width", "scheme"), [(1280, "light"), (390, "dark")], ids=["desktop-light", "phone-dark"]
)
def test_main_pages_have_no_wcag_violations(world, live_server, browser, axe, width, scheme):
    assessment, target, pdf, csv = _world(world)
    project, deliverable, contract = _agency(world)
    open_one, accepted, to_sign = _proposals(world)
    invoice_draft, invoice = _billing(world)
    phone = width < 640
    ctx = browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, is_mobile=phone, has_touch=phone
    )
    page = ctx.new_page()
    url = services.issue_magic_link(contact=world.contact, purpose=LinkPurpose.LOGIN)
    page.goto(live_server.url + re.sub(r"^https?://[^/]+", "", url))
    axe(page, "magic-link confirmation")
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{live_server.url}/p/alpha/")
    portal_pages = [
        "/p/alpha/",
        "/p/alpha/assessments/",
        f"/p/alpha/assessments/{assessment.pk}/",
        f"/p/alpha/requests/{target.pk}/",
        f"/p/alpha/files/{csv.pk}/preview",
        f"/p/alpha/files/{pdf.pk}/preview",
        "/p/alpha/projects/",
        f"/p/alpha/projects/{project.pk}/",
        "/p/alpha/deliverables/",
        f"/p/alpha/deliverables/{deliverable.pk}/",
        f"/p/alpha/deliverables/files/{deliverable.current_version_id}/preview",
        "/p/alpha/contracts/",
        f"/p/alpha/contracts/{contract.pk}/preview",
        "/p/alpha/proposals/",
        f"/p/alpha/proposals/{open_one.pk}/",
        f"/p/alpha/proposals/{accepted.pk}/",
        f"/p/alpha/contracts/{to_sign.pk}/",
        "/p/alpha/invoices/",
        f"/p/alpha/invoices/{invoice.pk}/",
        f"/p/alpha/invoices/{invoice.pk}/preview",
    ]
    for path in portal_pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        axe(page, f"{path} ({width}px, {scheme})")
    anon = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme).new_page()
    anon.goto(f"{live_server.url}/p/alpha/login")
    axe(anon, "portal login")

    staff = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme).new_page()
    staff.goto(f"{live_server.url}/app/login")
    axe(staff, "staff login")
    staff.fill("input[name=username]", world.owner.email)
    staff.fill("input[name=password]", "correct horse battery")
    staff.click("button[type=submit]")
    staff.wait_for_url(re.compile(r".*/app/clients/$"))
    staff_pages = [
        "/app/clients/",
        f"/app/clients/{world.client.pk}/",
        "/app/assessments/",
        f"/app/assessments/{assessment.pk}/",
        f"/app/assessments/{assessment.pk}/requests/{target.pk}/",
        f"/app/assessments/files/{csv.pk}/preview",
        "/app/inbox",
        "/app/activity",
        "/app/settings",
        "/app/settings/payments",
        "/app/projects/",
        "/app/projects/new",
        f"/app/projects/{project.pk}/",
        f"/app/projects/deliverables/{deliverable.pk}/",
        "/app/contracts/",
        "/app/contracts/new",
        f"/app/contracts/{contract.pk}/",
        f"/app/contracts/{to_sign.pk}/",
        "/app/proposals/",
        "/app/proposals/new",
        f"/app/proposals/{open_one.pk}/",
        f"/app/proposals/{open_one.pk}/edit",
        f"/app/proposals/{accepted.pk}/",
        f"/app/proposals/{accepted.pk}/versions/{accepted.current_version_id}/",
        "/app/invoices/",
        "/app/invoices/new",
        "/app/invoices/settings",
        f"/app/invoices/{invoice_draft.pk}/",
        f"/app/invoices/{invoice_draft.pk}/edit",
        f"/app/invoices/{invoice.pk}/",
        f"/app/invoices/{invoice.pk}/preview",
    ]
    for path in staff_pages:
        staff.goto(live_server.url + path)
        staff.wait_for_load_state("load")
        axe(staff, f"{path} ({width}px, {scheme})")
    ctx.close()


def test_the_axe_check_fails_on_a_real_violation(browser, axe):
    page = browser.new_context().new_page()
    page.set_content(
        "<html lang='en'><head><title>t</title></head><body><main><img src='x.png'></main></body></html>"
    )
    with pytest.raises(AssertionError, match="image-alt"):
        axe(page, "a page with an unlabelled image")
