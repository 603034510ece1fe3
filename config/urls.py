from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="accounts:home", permanent=False)),
    path("admin/", admin.site.urls),
    path("app/", include("accounts.urls")),
    path("app/", include("assessments.urls")),
    path("app/", include("projects.urls")),
    path("app/", include("proposals.urls")),
    path("app/", include("billing.urls")),
    path("p/", include("portal.urls")),
]
