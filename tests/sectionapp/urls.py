"""The project's URLconf plus the test section's portal page, inside the "portal" namespace."""

from django.contrib import admin
from django.urls import include, path

from portal.urls import urlpatterns as portal_patterns
from tests.sectionapp import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("app/", include("accounts.urls")),
    path("app/", include("assessments.urls")),
    path("app/", include("projects.urls")),
    path("app/", include("proposals.urls")),
    path("app/", include("billing.urls")),
    path(
        "p/",
        include(
            (
                [*portal_patterns, path("<slug:slug>/widgets/", views.widget_list, name="widget-list")],
                "portal",
            )
        ),
    ),
]
