"""Staff URLs, mounted under /app/ next to accounts.urls (paths here never clash with theirs)."""

from django.urls import path

from assessments import views

app_name = "assessments"

A = "assessments/<int:assessment_id>/"
R = A + "requests/<int:request_id>/"

urlpatterns = [
    path("inbox", views.inbox, name="inbox"),
    path("assessments/", views.assessment_list, name="assessment-list"),
    path("assessments/new", views.assessment_create, name="assessment-create"),
    path("assessments/import-sample.csv", views.import_sample, name="import-sample"),
    path("assessments/files/<int:file_id>/download", views.file_download, name="file-download"),
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
]

# Evidence packages (assessments.package_views): export, progress, download.
from assessments import package_views  # noqa: E402

P = A + "packages/<int:package_id>/"
urlpatterns += [
    path(A + "packages/new", package_views.package_create, name="package-create"),
    path(P, package_views.package_status, name="package-status"),
    path(P + "download", package_views.package_download, name="package-download"),
]

# File previews (assessments.preview_views): a page per file and the raw bytes for its PDF viewer/images.
from assessments import preview_views  # noqa: E402

urlpatterns += [
    path("assessments/files/<int:file_id>/preview", preview_views.file_preview, name="file-preview"),
    path("assessments/files/<int:file_id>/raw", preview_views.file_raw, name="file-raw"),
]

# Chain of custody (assessments.custody_views): verify the event chain and every file's SHA-256.
from assessments import custody_views  # noqa: E402

urlpatterns += [path(A + "verify", custody_views.assessment_verify, name="assessment-verify")]
