from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/login", views.login, name="login"),
    path("<slug:slug>/auth/<str:token>", views.magic_link, name="magic-link"),
    path("<slug:slug>/logout", views.logout, name="logout"),
    path("<slug:slug>/logo", views.logo, name="logo"),
]

# Evidence requests (assessments issue).
from portal import evidence_views  # noqa: E402

urlpatterns += [
    path("<slug:slug>/assessments/", evidence_views.assessment_list, name="assessment-list"),
    path(
        "<slug:slug>/assessments/<int:assessment_id>/",
        evidence_views.assessment_detail,
        name="assessment-detail",
    ),
    path("<slug:slug>/requests/<int:request_id>/", evidence_views.request_detail, name="request-detail"),
    path("<slug:slug>/requests/<int:request_id>/files", evidence_views.request_upload, name="request-upload"),
    path(
        "<slug:slug>/requests/<int:request_id>/files/<int:file_id>/delete",
        evidence_views.file_delete,
        name="file-delete",
    ),
    path(
        "<slug:slug>/requests/<int:request_id>/submit", evidence_views.request_submit, name="request-submit"
    ),
    path(
        "<slug:slug>/requests/<int:request_id>/messages",
        evidence_views.request_messages,
        name="request-messages",
    ),
    path("<slug:slug>/files/<int:file_id>/download", evidence_views.file_download, name="file-download"),
]

# File previews (portal.preview_views).
from portal import preview_views  # noqa: E402

urlpatterns += [
    path("<slug:slug>/files/<int:file_id>/preview", preview_views.file_preview, name="file-preview"),
    path("<slug:slug>/files/<int:file_id>/raw", preview_views.file_raw, name="file-raw"),
]
