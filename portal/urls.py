"""Every client-facing URL, under /p/<slug>/. Section URLs are named so that the section registry's
`url_prefixes` claim them (e.g. Assessments owns "assessment-", "request-", "file-")."""

from django.urls import path

from portal import evidence_views, preview_views, views

app_name = "portal"

S = "<slug:slug>/"
R = S + "requests/<int:request_id>/"
F = S + "files/<int:file_id>/"

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
]
