"""Every Portal model is in the Django admin, and the admin is for superusers only."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from accounts.models import User
from tests.conftest import admin_client, staff_client

APPS = ("accounts", "activity", "assessments", "projects", "proposals", "billing", "portal")


def test_every_model_is_registered():
    missing = [
        m._meta.label
        for m in apps.get_models()
        if m._meta.app_label in APPS and m not in admin.site._registry
    ]
    assert not missing, f"register these in their app's admin.py: {missing}"


@pytest.mark.django_db
def test_every_changelist_renders_for_a_superuser(world):
    root = User.objects.create_superuser(email="root@portal.example", password="root-pass-long-123")
    http = admin_client(root, "root-pass-long-123")
    for model in admin.site._registry:
        if model._meta.app_label in APPS:
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
            assert http.get(url).status_code == 200, url
    assert staff_client(world.owner).get("/admin/").status_code == 302
