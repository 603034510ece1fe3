"""Staff URLs, mounted under /app/ next to accounts.urls (paths here never clash with theirs)."""

from django.urls import path

from projects import views

app_name = "projects"

P = "projects/<int:project_id>/"
D = "projects/deliverables/<int:deliverable_id>/"
V = "projects/versions/<int:file_id>/"

urlpatterns = [
    path("projects/", views.project_list, name="project-list"),
    path("projects/new", views.project_create, name="project-create"),
    path(P, views.project_detail, name="project-detail"),
    path(P + "edit", views.project_edit, name="project-edit"),
    path(P + "deliverables/new", views.deliverable_create, name="deliverable-create"),
    path(D, views.deliverable_detail, name="deliverable-detail"),
    path(D + "versions/new", views.version_create, name="deliverable-version-create"),
    path(D + "approval", views.deliverable_approval, name="deliverable-approval"),
    path(D + "comments", views.deliverable_comments, name="deliverable-comments"),
    # Deliverable versions (stored files): download, a preview page, and the raw bytes it loads.
    path(V + "download", views.version_download, name="version-download"),
    path(V + "preview", views.version_preview, name="version-preview"),
    path(V + "raw", views.version_raw, name="version-raw"),
]
