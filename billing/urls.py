"""Staff URLs, mounted under /app/ next to the other apps' (paths here never clash with theirs)."""

from django.urls import path

from billing import views

app_name = "billing"

INV = "invoices/<int:invoice_id>/"

urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice-list"),
]
