"""The yardstick of bench/throughput.py: a bare one-view Django app (its own minimal settings, no apps, no
middleware, no database) served by gunicorn exactly as the portal is. `gunicorn bench._hello:application`
with DJANGO_SETTINGS_MODULE=bench._hello."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "bench-hello-not-secret-" + "x" * 32  # noqa: S105 - serves one static string
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "bench._hello"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
USE_TZ = True


def hello(request):
    return HttpResponse(b"Hello, world", content_type="text/plain")


urlpatterns = [path("", hello)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
