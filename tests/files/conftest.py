"""Fixtures for the files tests: evidence to store files under, and `store` to put bytes in storage as a
stored file of that evidence (removed afterwards)."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from tests.assessments.conftest import ev  # noqa: F401  (files are stored under an evidence request)
from tests.factories import EvidenceFileFactory


@pytest.fixture
def store(world, ev):  # noqa: F811
    keys = []

    def make(name: str, content: bytes, content_type: str, request=None):
        key = default_storage.save(f"evidence/files-tests/{uuid.uuid4().hex}", ContentFile(content))
        keys.append(key)
        return EvidenceFileFactory(
            request=request or ev.request,
            file=key,
            original_name=name,
            size=len(content),
            content_type=content_type,
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by_contact=world.contact,
            uploaded_at=timezone.now(),
        )

    yield make
    for key in keys:
        default_storage.delete(key)
