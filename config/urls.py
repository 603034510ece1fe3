from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from billing.webhook_views import stripe_webhook

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="accounts:home", permanent=False)),
    path("admin/", admin.site.urls),
    path("app/", include("accounts.urls")),
    path("app/", include("assessments.urls")),
    path("app/", include("projects.urls")),
    path("app/", include("proposals.urls")),
    path("app/", include("billing.urls")),
    path("p/", include("portal.urls")),
    # Stripe's door: platform and Connect events (signature-checked, no session, no CSRF token).
    path("stripe/webhook/", stripe_webhook, name="stripe-webhook"),
]
