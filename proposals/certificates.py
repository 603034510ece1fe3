"""PDFs of proposals and contracts, and the signature certificate appended to them.

All rendering goes through `core.pdf.render_pdf` (no network, no local files); pypdf joins the document and
its certificate and writes the metadata (title, subject, certificate id and content hash), so the joined
file says what it is even in a file manager.

`issue_signature_files(signature)` renders the certificate and the signed document once, stores both through
`files` with their SHA-256, and records that in the document's chain. It is idempotent (the document row is
locked and existing files are kept), so the outbox job and a download that arrives first can both call it.
"""

from __future__ import annotations

import io
from datetime import UTC

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from core.errors import ServiceError
from files.uploads import UploadRejected, store_upload
from proposals import canonical
from proposals.audit import log_contract_event, log_proposal_event
from proposals.models import (
    Contract,
    Proposal,
    ProposalVersion,
    Signature,
    SignatureFile,
    SignatureFileKind,
    SignatureKind,
    signature_file_key,
)
from proposals.models.signatures import AuthMethod

STEP_LABELS = {
    "sent": "Sent",
    "first_viewed": "First viewed",
    "consent": "Consent given",
    "signed": "Signed",
}


def _render(template: str, context: dict) -> bytes:
    # Imported here: WeasyPrint is slow to import and this module loads with the app.
    from core.pdf import render_pdf

    return render_pdf(render_to_string(template, context))


def join_pdfs(parts: list[bytes], *, title: str, subject: str = "", keywords: str = "") -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    writer.add_metadata(
        {
            "/Title": title,
            "/Subject": subject,
            "/Keywords": keywords,
            "/Producer": "Portal (WeasyPrint, pypdf)",
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_text(data: bytes) -> str:
    """The text of a PDF (what tests and auditors read back)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


# --- documents -----------------------------------------------------------------------------------------


def proposal_pdf(version: ProposalVersion, *, signature: Signature | None = None) -> bytes:
    """The version as a PDF, titled (metadata) with its title and version."""
    proposal = version.proposal
    chosen = (
        {c["id"] for c in signature.chosen_items} if signature is not None else version.default_selection()
    )
    items = version.ordered_items()
    totals = version.totals_for(chosen)
    html = _render(
        "proposals/pdf/proposal.html",
        {
            "proposal": proposal,
            "version": version,
            "workspace": proposal.workspace,
            "client": proposal.client,
            "rows": [(i, not i.optional or i.pk in chosen) for i in items],
            "totals": totals,
            "deposit": version.deposit_for(chosen),
            "signature": signature,
        },
    )
    return join_pdfs([html], title=f"{version.title} ({version.label})", subject=proposal.workspace.name)


def contract_pdf(contract: Contract) -> bytes:
    html = _render(
        "proposals/pdf/contract.html",
        {"contract": contract, "workspace": contract.workspace, "client": contract.client},
    )
    return join_pdfs([html], title=contract.title, subject=contract.workspace.name)


def certificate_context(signature: Signature) -> dict:
    document = signature.document
    if signature.kind == SignatureKind.PROPOSAL:
        version = signature.proposal_version
        what = f"Proposal “{version.title}”, version {version.number}"
        content_format = canonical.PROPOSAL_FORMAT
    else:
        what = f"Contract “{document.title}”"
        content_format = canonical.CONTRACT_FORMAT
    timeline = [
        {**step, "label": STEP_LABELS.get(step["step"], step["step"]), "at": step.get("at") or "—"}
        for step in signature.timeline
    ]
    return {
        "signature": signature,
        "document": document,
        "what": what,
        "content_format": content_format,
        "workspace": signature.workspace,
        "client": signature.client,
        "auth_label": AuthMethod(signature.auth_method).label,
        "signed_at_utc": signature.signed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "issued_at_utc": timezone.now().astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "timeline": timeline,
    }


def certificate_pdf(signature: Signature) -> bytes:
    return _render("proposals/pdf/certificate.html", certificate_context(signature))


def _metadata(signature: Signature) -> dict:
    document = signature.document
    return {
        "title": f"{document.title}: signed, with signature certificate {signature.certificate_id}",
        "subject": f"Signed by {signature.signer_name} on "
        f"{signature.signed_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')}",
        "keywords": f"certificate {signature.certificate_id}; content SHA-256 {signature.content_sha256}",
    }


# --- issuing -------------------------------------------------------------------------------------------


def _store(signature: Signature, kind: str, data: bytes, name: str) -> SignatureFile:
    try:
        stored = store_upload(ContentFile(data, name=name), signature_file_key())
    except UploadRejected as exc:
        raise ServiceError(str(exc)) from exc
    try:
        return SignatureFile.objects.create(
            signature=signature,
            kind=kind,
            file=stored.key,
            original_name=name,
            size=stored.size,
            content_type="application/pdf",
            sha256=stored.sha256,
        )
    except BaseException:
        default_storage.delete(stored.key)
        raise


def _slug(text: str) -> str:
    keep = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(p for p in keep.split("-") if p)[:60] or "document"


def issue_signature_files(signature: Signature) -> dict[str, SignatureFile]:
    """The certificate and the signed document of `signature`, rendered and stored once."""
    with transaction.atomic():
        if signature.kind == SignatureKind.PROPOSAL:
            Proposal.objects.select_for_update(of=("self",)).filter(pk=signature.proposal_id).first()
        else:
            Contract.objects.select_for_update(of=("self",)).filter(pk=signature.contract_id).first()
        signature = Signature.objects.select_related(
            "workspace",
            "client",
            "proposal__workspace",
            "proposal__client",
            "proposal_version__proposal",
            "contract__workspace",
            "contract__client",
            "contract__current_file",
        ).get(pk=signature.pk)
        existing = {f.kind: f for f in SignatureFile.objects.filter(signature=signature)}
        if len(existing) == 2:
            return existing
        document = signature.document
        certificate = certificate_pdf(signature)
        if signature.kind == SignatureKind.PROPOSAL:
            body = proposal_pdf(signature.proposal_version, signature=signature)
        else:
            body = contract_body_pdf(signature.contract)
        meta = _metadata(signature)
        base = _slug(document.title)
        made = {}
        if SignatureFileKind.CERTIFICATE not in existing:
            made[SignatureFileKind.CERTIFICATE] = _store(
                signature,
                SignatureFileKind.CERTIFICATE,
                join_pdfs([certificate], **meta),
                f"{base}-signature-certificate.pdf",
            )
        if SignatureFileKind.SIGNED_DOCUMENT not in existing:
            made[SignatureFileKind.SIGNED_DOCUMENT] = _store(
                signature,
                SignatureFileKind.SIGNED_DOCUMENT,
                join_pdfs([body, certificate], **meta),
                f"{base}-signed.pdf",
            )
        log = log_proposal_event if signature.kind == SignatureKind.PROPOSAL else log_contract_event
        log(
            document,
            f"{signature.kind}.certificate_issued",
            certificate_id=str(signature.certificate_id),
            files={kind: {"sha256": f.sha256, "size": f.size} for kind, f in made.items()},
        )
        return {**existing, **made}


def contract_body_pdf(contract: Contract) -> bytes:
    """What was signed: the contract's text rendered, and its PDF (if any) after it."""
    parts = []
    if contract.body_markdown or contract.current_file is None:
        parts.append(contract_pdf(contract))
    if contract.current_file is not None:
        with default_storage.open(contract.current_file.file.name, "rb") as handle:
            parts.append(handle.read())
    if len(parts) == 1:
        return parts[0]
    try:
        return join_pdfs(parts, title=contract.title)
    except Exception:  # an uploaded PDF pypdf cannot read: the text page names it by its SHA-256 instead
        return parts[0]
