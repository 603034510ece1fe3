"""Every client-facing URL, under /p/<slug>/. Section URLs are named so that the section registry's
`url_prefixes` claim them (e.g. Assessments owns "assessment-", "request-", "file-")."""

from django.urls import path

from portal import (
    billing_views,
    contract_views,
    evidence_views,
    payment_views,
    preview_views,
    project_views,
    proposal_views,
    views,
)

app_name = "portal"

S = "<slug:slug>/"
R = S + "requests/<int:request_id>/"
F = S + "files/<int:file_id>/"
D = S + "deliverables/<int:deliverable_id>/"
V = S + "deliverables/files/<int:file_id>/"
C = S + "contracts/<int:contract_id>/"
P = S + "proposals/<int:proposal_id>/"
INV = S + "invoices/<int:invoice_id>/"

urlpatterns = [
    path(S, views.dashboard, name="dashboard"),
    path(S + "login", views.login, name="login"),
    path(S + "auth", views.magic_link, name="magic-link"),  # token in the fragment: see the view
    path(S + "logout", views.logout, name="logout"),
    path(S + "logo", views.logo, name="logo"),
    # Assessments section (portal.evidence_views, portal.preview_views).
    path(S + "assessments/", evidence_views.assessment_list, name="assessment-list"),
    path(S + "assessments/<int:assessment_id>/", evidence_views.assessment_detail, name="assessment-detail"),
    path(R, evidence_views.request_detail, name="request-detail"),
    path(R + "files", evidence_views.request_upload, name="request-upload"),
    path(R + "files/<int:file_id>/delete", evidence_views.file_delete, name="file-delete"),
    path(R + "submit", evidence_views.request_submit, name="request-submit"),
    path(R + "messages", evidence_views.request_messages, name="request-messages"),
    path(F + "download", evidence_views.file_download, name="file-download"),
    path(F + "preview", preview_views.file_preview, name="file-preview"),
    path(F + "raw", preview_views.file_raw, name="file-raw"),
    # Projects and Deliverables sections (portal.project_views).
    path(S + "projects/", project_views.project_list, name="project-list"),
    path(S + "projects/<int:project_id>/", project_views.project_detail, name="project-detail"),
    path(S + "deliverables/", project_views.deliverable_list, name="deliverable-list"),
    path(D, project_views.deliverable_detail, name="deliverable-detail"),
    path(D + "decide", project_views.deliverable_decide, name="deliverable-decide"),
    path(D + "comments", project_views.deliverable_comments, name="deliverable-comments"),
    path(V + "download", project_views.version_download, name="deliverable-file-download"),
    path(V + "preview", project_views.version_preview, name="deliverable-file-preview"),
    path(V + "raw", project_views.version_raw, name="deliverable-file-raw"),
    # Contracts section (portal.contract_views; a contract's page and signing: portal.proposal_views).
    path(S + "contracts/", contract_views.contract_list, name="contract-list"),
    path(C, proposal_views.contract_detail, name="contract-detail"),
    path(C + "sign", proposal_views.contract_sign, name="contract-sign"),
    path(C + "certificate", proposal_views.contract_certificate, name="contract-certificate"),
    path(C + "document", proposal_views.contract_document, name="contract-document"),
    path(C + "download", contract_views.contract_download, name="contract-download"),
    path(C + "preview", contract_views.contract_preview, name="contract-preview"),
    path(C + "raw", contract_views.contract_raw, name="contract-raw"),
    # Proposals section (portal.proposal_views).
    path(S + "proposals/", proposal_views.proposal_list, name="proposal-list"),
    path(P, proposal_views.proposal_detail, name="proposal-detail"),
    path(P + "total", proposal_views.proposal_total, name="proposal-total"),
    path(P + "accept", proposal_views.proposal_accept, name="proposal-accept"),
    path(P + "decline", proposal_views.proposal_decline, name="proposal-decline"),
    path(P + "pdf", proposal_views.proposal_pdf, name="proposal-pdf"),
    path(P + "certificate", proposal_views.proposal_certificate, name="proposal-certificate"),
    # Invoices section (portal.billing_views). The Stripe side adds its Pay views next to these.
    path(S + "invoices/", billing_views.invoice_list, name="invoice-list"),
    path(INV, billing_views.invoice_detail, name="invoice-detail"),
    path(INV + "pdf", billing_views.invoice_download, name="invoice-download"),
    path(INV + "preview", billing_views.invoice_preview, name="invoice-preview"),
    path(INV + "raw", billing_views.invoice_raw, name="invoice-raw"),
    path(
        S + "credit-notes/<int:credit_note_id>/pdf",
        billing_views.credit_note_download,
        name="invoice-credit-note-download",
    ),
    # Online payment (portal.payment_views): Pay starts Stripe Checkout; a payment's receipt.
    path(INV + "pay", payment_views.invoice_pay, name="invoice-pay"),
    path(S + "payments/<int:payment_id>/receipt", payment_views.invoice_receipt, name="invoice-receipt"),
]
