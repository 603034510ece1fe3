"""Per-request file count and per-workspace storage quota: a clear message, nothing stored."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import EvidenceFile
from files.quota import workspace_usage

PDF = b"%PDF-1.4\n" + b"1" * 500 + b"\n%%EOF\n"


def _post(http, ev, name):
    url = reverse("portal:request-upload", args=["alpha", ev.request.pk])
    return http.post(
        url, {"file": SimpleUploadedFile(name, PDF)}, headers={"x-requested-with": "XMLHttpRequest"}
    )


def test_a_request_holds_at_most_the_configured_number_of_files(world, ev, contact_http, settings):
    settings.EVIDENCE_MAX_FILES_PER_REQUEST = 2
    assert _post(contact_http, ev, "a.pdf").status_code == 200
    assert _post(contact_http, ev, "b.pdf").status_code == 200
    refused = _post(contact_http, ev, "c.pdf")
    assert refused.status_code == 400
    assert "already holds 2 files, the most it can take" in refused.content.decode()
    assert list(EvidenceFile.objects.filter(request=ev.request).values_list("original_name", flat=True)) == [
        "a.pdf",
        "b.pdf",
    ]


def test_the_workspace_quota_counts_every_stored_file_and_refuses_past_it(world, ev, contact_http, settings):
    settings.WORKSPACE_STORAGE_QUOTA_BYTES = len(PDF) * 2 + 10
    before = set(default_storage.listdir("evidence")[0]) if default_storage.exists("evidence") else set()
    assert _post(contact_http, ev, "a.pdf").status_code == 200
    assert _post(contact_http, ev, "b.pdf").status_code == 200
    assert workspace_usage(world.ws) == 2 * len(PDF)
    refused = _post(contact_http, ev, "c.pdf")
    assert refused.status_code == 400
    assert "storage is full" in refused.content.decode()
    assert not EvidenceFile.objects.filter(original_name="c.pdf").exists()
    # Another workspace's usage is its own.
    assert workspace_usage(world.ws_b) == 0
    after = set(default_storage.listdir("evidence")[0])
    assert len(after - before) <= 2  # the refused file left nothing in storage
