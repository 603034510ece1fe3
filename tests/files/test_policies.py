"""Upload policies (files/policies.py): each use has its own limit and types, applied while Django parses
the upload (files/upload_handlers.py) at the policy the target view declares, never another's."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import resolve, reverse
from PIL import Image

from accounts.forms import LOGO
from assessments.files import EVIDENCE, REQUEST_IMPORT
from assessments.models import EvidenceFile, EvidenceRequest
from files import policies
from files.hashing import StreamHasher, sha256_of
from files.upload_handlers import SizeLimitUploadHandler
from files.uploads import UploadRejected, human_size, inspect_upload

PDF = b"%PDF-1.4\n" + b"0" * 1400 + b"\n%%EOF\n"


def _png(padding: int = 0) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue() + b"\0" * padding


@pytest.fixture
def limits(settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 4000
    settings.LOGO_MAX_BYTES = 1000
    settings.IMPORT_MAX_UPLOAD_BYTES = 1000
    settings.FILE_UPLOAD_DEFAULT_MAX_BYTES = 500
    return settings


def test_each_use_declares_its_policy():
    assert {"evidence", "import", "logo", "default"} <= set(policies.registered())
    assert "application/pdf" in EVIDENCE.allowed_types
    assert LOGO.allowed_types == {"image/png", "image/jpeg", "image/gif", "image/webp"}


def test_evidence_upload_is_held_to_the_evidence_limit_not_the_logo_one(world, ev, contact_http, limits):
    url = reverse("portal:request-upload", args=["alpha", ev.request.pk])
    response = contact_http.post(url, {"file": SimpleUploadedFile("big.pdf", PDF)})  # 1.4 kB > logo's 1 kB
    assert response.status_code == 302
    assert EvidenceFile.objects.filter(request=ev.request, original_name="big.pdf").exists()
    too_big = PDF + b"0" * 4000
    response = contact_http.post(url, {"file": SimpleUploadedFile("huge.pdf", too_big)}, follow=True)
    assert "huge.pdf is larger than the 3.9 KB limit." in response.content.decode()
    assert not EvidenceFile.objects.filter(original_name="huge.pdf").exists()


def test_logo_over_the_logo_limit_is_skipped_while_parsing_and_explained(world, owner_http, limits):
    response = owner_http.post(
        reverse("accounts:settings"),
        {"accent_color": "#123456", "logo": SimpleUploadedFile("l.png", _png(2000))},
    )
    assert response.status_code == 200
    assert response.wsgi_request.oversize_uploads == ["l.png"]  # never spooled
    assert "That file is larger than 1000 bytes." in response.content.decode()
    world.ws.refresh_from_db()
    assert not world.ws.logo
    ok = owner_http.post(
        reverse("accounts:settings"), {"accent_color": "#123456", "logo": SimpleUploadedFile("l.png", _png())}
    )
    assert ok.status_code == 302
    world.ws.refresh_from_db()
    assert world.ws.logo and world.ws.logo_content_type == "image/png"


def test_csv_import_is_held_to_the_import_limit(world, ev, owner_http, limits):
    url = reverse("assessments:request-import", kwargs={"assessment_id": ev.assessment.pk})
    body = b"requirement,title,description,priority,due_date,tags\n" + b"1.1,x,,low,,\n" * 100
    response = owner_http.post(url, {"csv_file": SimpleUploadedFile("r.csv", body)})
    assert response.wsgi_request.oversize_uploads == ["r.csv"]
    assert "That CSV is larger than 1000 bytes." in response.content.decode()
    assert EvidenceRequest.objects.filter(assessment=ev.assessment).count() == 1


def test_a_view_without_a_policy_gets_the_small_default(world, limits):
    url = reverse("accounts:client-list")
    request = RequestFactory().post(url)
    request.resolver_match = resolve(url)
    assert policies.policy_for_request(request) is policies.DEFAULT
    assert SizeLimitUploadHandler(request).limit == 500
    upload_url = reverse("portal:request-upload", args=["alpha", 1])
    request = RequestFactory().post(upload_url)
    request.resolver_match = resolve(upload_url)
    request.portal_workspace, request.contact = world.ws, world.contact  # as PortalAuthMiddleware sets them
    assert SizeLimitUploadHandler(request).limit == 4000


def test_a_stranger_gets_the_small_default_whatever_the_view(world, limits):
    """The CSRF check parses the body before the view turns a stranger away: the view's (large) policy
    applies only to someone it could accept, a portal page's contact or a signed-in user."""
    from django.contrib.auth.models import AnonymousUser

    portal_url = reverse("portal:request-upload", args=["alpha", 1])
    staff_url = reverse("accounts:settings")
    for url, who in (
        (portal_url, {"portal_workspace": world.ws, "contact": None, "user": AnonymousUser()}),
        (
            portal_url,
            {"portal_workspace": world.ws, "contact": None, "user": world.owner},
        ),  # staff, no contact
        (staff_url, {"portal_workspace": None, "contact": None, "user": AnonymousUser()}),
    ):
        request = RequestFactory().post(url)
        request.resolver_match = resolve(url)
        for name, value in who.items():
            setattr(request, name, value)
        assert SizeLimitUploadHandler(request).limit == 500, (url, who)
    request = RequestFactory().post(staff_url)
    request.resolver_match = resolve(staff_url)
    request.portal_workspace, request.contact, request.user = None, None, world.owner
    assert SizeLimitUploadHandler(request).limit == LOGO.max_bytes != 500


def test_inspect_upload_applies_the_given_policy(limits):
    with pytest.raises(UploadRejected, match="PDF files are not accepted"):
        inspect_upload(SimpleUploadedFile("x.pdf", PDF[:200] + b"%%EOF"), REQUEST_IMPORT)
    assert inspect_upload(SimpleUploadedFile("x.pdf", PDF), EVIDENCE).content_type == "application/pdf"


def test_stream_hasher_matches_hashlib_and_counts_bytes():
    data = b"evidence" * 300_000
    digest, size = sha256_of(io.BytesIO(data))
    assert (digest, size) == (hashlib.sha256(data).hexdigest(), len(data))
    hasher = StreamHasher()
    hasher.update(b"abc")
    hasher.reset()
    hasher.update(b"xyz")
    assert hasher.hexdigest() == hashlib.sha256(b"xyz").hexdigest() and hasher.size == 3


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 bytes"), (1023, "1023 bytes"), (1024, "1 KB"), (1536, "1.5 KB"), (100 * 1024**2, "100 MB")],
)
def test_human_size_never_says_point_zero(n, text):
    assert human_size(n) == text
