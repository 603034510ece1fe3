"""Staff URLs, mounted under /app/ next to accounts.urls (paths here never clash with theirs)."""

from django.urls import path

from assessments import custody_views, package_views, preview_views, views

app_name = "assessments"

A = "assessments/<int:assessment_id>/"
R = A + "requests/<int:request_id>/"
P = A + "packages/<int:package_id>/"
F = "assessments/files/<int:file_id>/"

urlpatterns = [
    path("inbox", views.inbox, name="inbox"),
    path("assessments/", views.assessment_list, name="assessment-list"),
    path("assessments/new", views.assessment_create, name="assessment-create"),
    path("assessments/import-sample.csv", views.import_sample, name="import-sample"),
    path(A, views.assessment_detail, name="assessment-detail"),
    path(A + "edit", views.assessment_edit, name="assessment-edit"),
    path(A + "invite", views.assessment_invite, name="assessment-invite"),
    path(A + "access/<int:access_id>/revoke", views.access_revoke, name="access-revoke"),
    path(A + "import", views.request_import, name="request-import"),
    path(A + "requests/new", views.request_create, name="request-create"),
    path(R, views.request_detail, name="request-detail"),
    path(R + "edit", views.request_edit, name="request-edit"),
    path(R + "transition", views.request_transition, name="request-transition"),
    path(R + "messages", views.request_messages, name="request-messages"),
    # Evidence files: download, a preview page, and the raw bytes its PDF viewer and images load.
    path(F + "download", views.file_download, name="file-download"),
    path(F + "preview", preview_views.file_preview, name="file-preview"),
    path(F + "raw", preview_views.file_raw, name="file-raw"),
    # Evidence packages: export, progress, download.
    path(A + "packages/new", package_views.package_create, name="package-create"),
    path(P, package_views.package_status, name="package-status"),
    path(P + "download", package_views.package_download, name="package-download"),
    # Chain of custody: verify the event chain and every file's SHA-256.
    path(A + "verify", custody_views.assessment_verify, name="assessment-verify"),
]
