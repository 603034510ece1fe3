"""Staff URLs, mounted under /app/ next to accounts.urls (paths here never clash with theirs)."""

from django.urls import path

from proposals import views

app_name = "proposals"

C = "contracts/<int:contract_id>/"
F = "contracts/files/<int:file_id>/"

urlpatterns = [
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/new", views.contract_create, name="contract-create"),
    path(C, views.contract_detail, name="contract-detail"),
    path(F + "download", views.contract_file_download, name="contract-file-download"),
    path(F + "preview", views.contract_file_preview, name="contract-file-preview"),
    path(F + "raw", views.contract_file_raw, name="contract-file-raw"),
]
