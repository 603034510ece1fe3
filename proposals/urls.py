"""Staff URLs, mounted under /app/ next to accounts.urls (paths here never clash with theirs)."""

from django.urls import path

from proposals import proposal_views, views

app_name = "proposals"

C = "contracts/<int:contract_id>/"
F = "contracts/files/<int:file_id>/"
P = "proposals/<int:proposal_id>/"
V = P + "versions/<int:version_id>/"

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/new", views.contract_create, name="contract-create"),
    path(C, views.contract_detail, name="contract-detail"),
    path(C + "send", views.contract_send, name="contract-send"),
    path(C + "certificate", views.contract_certificate, name="contract-certificate"),
    path(C + "signed.pdf", views.contract_signed_pdf, name="contract-signed-pdf"),
    path(F + "download", views.contract_file_download, name="contract-file-download"),
    path(F + "preview", views.contract_file_preview, name="contract-file-preview"),
    path(F + "raw", views.contract_file_raw, name="contract-file-raw"),
    path("proposals/", proposal_views.proposal_list, name="proposal-list"),
    path("proposals/new", proposal_views.proposal_compose, name="proposal-create"),
    path(P, proposal_views.proposal_detail, name="proposal-detail"),
    path(P + "edit", proposal_views.proposal_compose, name="proposal-edit"),
    path(P + "discard-draft", proposal_views.proposal_discard_draft, name="proposal-discard-draft"),
    path(P + "delete", proposal_views.proposal_delete, name="proposal-delete"),
    path(P + "send", proposal_views.proposal_send, name="proposal-send"),
    path(P + "withdraw", proposal_views.proposal_withdraw, name="proposal-withdraw"),
    path(P + "contract", proposal_views.proposal_contract, name="proposal-contract"),
    path(P + "pdf", proposal_views.proposal_pdf, name="proposal-pdf"),
    path(P + "certificate", proposal_views.proposal_certificate, name="proposal-certificate"),
    path(V, proposal_views.proposal_version, name="proposal-version"),
    path(V + "content.json", proposal_views.proposal_version_canonical, name="proposal-version-canonical"),
]
