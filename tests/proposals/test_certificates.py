"""The signature certificate and the signed document: what they say (read back with a PDF text
extractor), how they are stored (SHA-256 through files), logged and mailed."""

from __future__ import annotations

import hashlib

import pytest
from django.urls import reverse

from activity.models import Event
from proposals import certificates, signing
from proposals.models import SignatureFile, SignatureFileKind
from tests.conftest import portal_client
from tests.proposals.helpers import items_by_name, signer

pytestmark = pytest.mark.django_db


@pytest.fixture
def signature(world, proposal, django_capture_on_commit_callbacks, mailoutbox):
    items = items_by_name(proposal.current_version)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        return signing.accept_proposal(
            proposal=proposal,
            signer=signer(world.contact),
            version_id=proposal.current_version_id,
            selected_item_ids=[items["Copywriting"].pk],
        )


def _text(record: SignatureFile) -> str:
    with record.file.open("rb") as handle:
        return certificates.pdf_text(handle.read())


def test_the_certificate_states_the_hash_and_every_field(world, proposal, signature):
    text = " ".join(_text(signature.files.get(kind=SignatureFileKind.CERTIFICATE)).split())
    for expected in [
        str(signature.certificate_id),
        "Website redesign",
        "version 1",
        signature.content_sha256,
        "Alpha Assurance",  # the firm
        "Secretco Payments",  # the client
        "Pat Secret",
        "pat@secretco.example",
        "Magic-link session",
        " ".join(signature.consent_text.split()),
        "Sent",
        "198.51.100.7",
        "StaffBrowser/1.0",
        "Consent given",
        "Signed",
        "203.0.113.9",
        "ClientBrowser/2.0",
        signature.event_hash,
        f"proposal:{proposal.pk}",
        "€12,840.00",
    ]:
        assert expected in text, expected


def test_the_signed_document_is_the_proposal_with_the_certificate_appended(world, proposal, signature):
    from pypdf import PdfReader

    record = signature.files.get(kind=SignatureFileKind.SIGNED_DOCUMENT)
    with record.file.open("rb") as handle:
        data = handle.read()
    assert hashlib.sha256(data).hexdigest() == record.sha256 and len(data) == record.size
    reader = PdfReader(__import__("io").BytesIO(data))
    pages = [" ".join((p.extract_text() or "").split()) for p in reader.pages]
    assert "A new marketing site" in pages[0] and "Copywriting" in pages[0]
    assert "Signature certificate" in pages[-1] or "Signature certificate" in " ".join(pages[-2:])
    assert str(signature.certificate_id) in reader.metadata.title
    issued = Event.objects.get(verb="proposal.certificate_issued", chain_key=proposal.audit_chain_key)
    assert issued.data["files"]["signed_document"]["sha256"] == record.sha256


def test_signer_and_firm_are_mailed_the_signed_pdf(world, signature, mailoutbox):
    by_to = {m.to[0]: m for m in mailoutbox}
    assert set(by_to) == {"pat@secretco.example", world.owner.email}
    for mail in by_to.values():
        [(name, content, mimetype)] = mail.attachments
        assert name.endswith("-signed.pdf") and mimetype == "application/pdf" and content[:5] == b"%PDF-"
    assert signature.content_sha256 in by_to["pat@secretco.example"].body


def test_issuing_is_idempotent_and_downloads_work_before_the_job_ran(world, proposal):
    sig = signing.accept_proposal(
        proposal=proposal,
        signer=signer(world.contact),
        version_id=proposal.current_version_id,
        selected_item_ids=[],
    )
    assert not sig.files.exists()  # the outbox job has not run (no commit in this test)
    http = portal_client(world.contact)
    response = http.get(
        reverse("portal:proposal-certificate", kwargs={"slug": "alpha", "proposal_id": proposal.pk})
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == sig.files.get(kind=SignatureFileKind.CERTIFICATE).sha256
    certificates.issue_signature_files(sig)
    assert sig.files.count() == 2
    assert Event.objects.filter(verb="proposal.certificate_issued").count() == 1


def test_recomputed_content_hash_matches_the_accepted_version(world, proposal, signature, owner_http):
    from proposals import canonical

    version = signature.proposal_version
    assert canonical.proposal_version_sha256(version) == signature.content_sha256
    download = owner_http.get(reverse("proposals:proposal-version-canonical", args=[proposal.pk, version.pk]))
    assert hashlib.sha256(download.content).hexdigest() == signature.content_sha256
    page = owner_http.get(reverse("proposals:proposal-detail", args=[proposal.pk]))
    assert page.context["hash_ok"] is True and 'id="signature-evidence"' in page.content.decode()
