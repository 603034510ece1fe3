"""A staff session that sits idle longer than STAFF_IDLE_TIMEOUT_MINUTES is signed out."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from accounts.middleware import StaffIdleTimeoutMiddleware
from tests.conftest import staff_client

pytestmark = pytest.mark.django_db


def _idle_for(http, seconds: float) -> None:
    session = http.session
    session[StaffIdleTimeoutMiddleware.SESSION_KEY] = time.time() - seconds
    session.save()


def test_an_idle_session_is_signed_out(world, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    http = staff_client(world.owner)
    url = reverse("accounts:client-list")
    assert http.get(url).status_code == 200
    _idle_for(http, 29 * 60)
    assert http.get(url).status_code == 200  # within the limit, and the request counts as activity
    _idle_for(http, 31 * 60)
    response = http.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in http.session


def test_the_default_is_an_hour(world, settings):
    assert settings.STAFF_IDLE_TIMEOUT_MINUTES == 60
