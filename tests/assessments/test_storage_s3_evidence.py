"""Evidence through a real S3-compatible server (moto standalone on 127.0.0.1): upload, hash, presigned
download with our headers; and an unreachable store leaves a clear message and no row."""

from __future__ import annotations

import hashlib
import urllib.request

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import EvidenceFile
from tests.conftest import portal_client, staff_client
from tests.s3 import s3_storages

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 200_000


def _upload(http, ev, name="evidence.pdf", content=PDF):
    url = reverse("portal:request-upload", kwargs={"slug": "alpha", "request_id": ev.request.pk})
    return http.post(url, {"file": SimpleUploadedFile(name, content)}, HTTP_X_REQUESTED_WITH="XMLHttpRequest")


def test_upload_and_presigned_download_round_trip(world, ev, s3_storage):
    s3, bucket = s3_storage
    http = portal_client(world.contact)
    response = _upload(http, ev)
    assert response.status_code == 200, response.content[:300]
    record = EvidenceFile.objects.get()
    assert record.sha256 == hashlib.sha256(PDF).hexdigest() and record.size == len(PDF)
    obj = s3.get_object(Bucket=bucket, Key=record.file.name)
    assert obj["Body"].read() == PDF  # stored under our generated key, byte for byte
    assert "evidence.pdf" not in record.file.name

    staff = staff_client(world.owner)
    for client, url in [
        (http, reverse("portal:file-download", kwargs={"slug": "alpha", "file_id": record.pk})),
        (staff, reverse("assessments:file-download", kwargs={"file_id": record.pk})),
    ]:
        redirect = client.get(url)
        assert redirect.status_code == 302
        presigned = redirect["Location"]
        assert presigned.startswith(s3.meta.endpoint_url) and "X-Amz-Signature" in presigned
        assert "X-Amz-Expires=300" in presigned
        with urllib.request.urlopen(presigned, timeout=5) as fetched:  # noqa: S310 - loopback test server
            assert fetched.read() == PDF
            assert fetched.headers["Content-Disposition"].startswith("attachment;")
            assert "evidence.pdf" in fetched.headers["Content-Disposition"]
            assert fetched.headers["Content-Type"] == "application/pdf"


def test_unreachable_store_gives_a_clear_error_and_no_row(world, ev, settings, monkeypatch):
    for key, value in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}.items():
        monkeypatch.setenv(key, value)
    settings.STORAGES = s3_storages("http://127.0.0.1:9", "nowhere")  # nothing listens on port 9
    http = portal_client(world.contact)
    response = _upload(http, ev)
    assert response.status_code == 400
    assert b"could not reach the file store" in response.content
    assert not EvidenceFile.objects.exists()
