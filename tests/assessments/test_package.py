"""Evidence packages: ZIP layout and hashes, manifest escaping, the index PDF's isolation, mail, views,
outsiders, and S3."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
import zlib

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client as HttpClient
from django.urls import reverse

from activity.models import Event
from assessments import package as pkg
from assessments.models import EvidenceFile, EvidencePackage, EvidenceRequest, PackageStatus, Status
from assessments.workflow import transition
from core.pdf import RestrictedFetcher, render_pdf
from tests.conftest import portal_client, staff_client
from tests.factories import AssessmentFactory, EvidenceRequestFactory

EVIL_TITLE = '<img src="file:///etc/passwd"><div style="background:url(file:///etc/passwd)">x</div>'


def store(evidence: EvidenceRequest, name: str, data: bytes, *, round_: int = 1, ctype="application/pdf"):
    key = default_storage.save(f"evidence/pkgtest/{hashlib.sha1(data).hexdigest()[:12]}", ContentFile(data))  # noqa: S324
    return EvidenceFile.objects.create(
        request=evidence,
        file=key,
        original_name=name,
        size=len(data),
        content_type=ctype,
        sha256=hashlib.sha256(data).hexdigest(),
        submission_round=round_,
    )


def accept(world, evidence: EvidenceRequest) -> EvidenceRequest:
    """Through the state machine, so the reviewer comes from the real `evidence.accepted` event."""
    EvidenceRequest.objects.filter(pk=evidence.pk).update(
        status=Status.UNDER_REVIEW, submission_round=1, submitted_at=evidence.created_at
    )
    return transition(evidence=evidence, to=Status.ACCEPTED, user=world.owner)


@pytest.fixture
def setup(world):
    assessment = AssessmentFactory(
        client=world.client, name="PCI DSS ROC 2026", organization="Secretco Payments Ltd", lead=world.owner
    )
    r1 = EvidenceRequestFactory(assessment=assessment, requirement="1.2.1", title="Network diagram")
    a = store(r1, "diagram.pdf", b"%PDF-1.4 first diagram")
    b = store(r1, "diagram.pdf", b"%PDF-1.4 second diagram, same name")
    draft = store(r1, "draft-not-submitted.pdf", b"%PDF-1.4 draft", round_=2)
    r2 = EvidenceRequestFactory(
        assessment=assessment, requirement="2.2", title="../../etc/passwd / conf\\ig\x07"
    )
    c = store(r2, "..\\..\\boot.ini", b"config text", ctype="text/plain")
    r3 = EvidenceRequestFactory(assessment=assessment, requirement="3.4", title='=HYPERLINK("http://x")')
    d = store(r3, "@evil.csv", b"a,b\r\n1,2\r\n", ctype="text/csv")
    r4 = EvidenceRequestFactory(assessment=assessment, requirement="10.1", title=EVIL_TITLE)
    e = store(r4, "logs.txt", b"log line\n" * 1000, ctype="text/plain")
    for r in (r1, r2, r3, r4):
        accept(world, r)
    pending = EvidenceRequestFactory(
        assessment=assessment, requirement="4.1", title="Pending review", status=Status.UNDER_REVIEW
    )
    EvidenceRequest.objects.filter(pk=pending.pk).update(submission_round=1)
    not_accepted = store(pending, "pending.pdf", b"%PDF-1.4 pending")
    EvidenceRequestFactory(
        assessment=assessment, requirement="12.10", title="Incident plan", status=Status.OPEN
    )
    return {
        "assessment": assessment,
        "included": [a, b, c, d, e],
        "excluded": [draft, not_accepted],
        "requests": (r1, r2, r3, r4),
    }


def build(world, assessment, django_capture_on_commit_callbacks) -> EvidencePackage:
    with django_capture_on_commit_callbacks(execute=True):
        package = pkg.request_package(assessment=assessment, actor=world.owner)
    package.refresh_from_db()
    return package


def open_zip(package: EvidencePackage) -> zipfile.ZipFile:
    with default_storage.open(package.file.name, "rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def manifest_rows(zf: zipfile.ZipFile) -> list[dict]:
    text = zf.read("manifest.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- the package -------------------------------------------------------------------------------------


def test_zip_layout_hashes_and_manifest(world, setup, django_capture_on_commit_callbacks):
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    assert package.status == PackageStatus.READY, package.error
    assert package.progress == 100 and package.error == "" and package.file_count == 5
    assert package.file.name.startswith("packages/") and package.file.name.endswith(".zip")
    with default_storage.open(package.file.name, "rb") as fh:
        raw = fh.read()
    assert package.size == len(raw) and package.sha256 == hashlib.sha256(raw).hexdigest()

    zf = open_zip(package)
    names = sorted(zf.namelist())
    assert names == sorted(
        [
            "1.2.1 Network diagram/diagram.pdf",
            "1.2.1 Network diagram/diagram (2).pdf",
            "2.2 .-.-etc-passwd - conf-ig/-.-boot.ini",
            "3.4 =HYPERLINK(_http_--x_)/@evil.csv",
            f"{pkg.safe_component('10.1 ' + EVIL_TITLE, max_len=pkg.FOLDER_MAX)}/logs.txt",
            "manifest.csv",
            "index.pdf",
            "checkpoint.json",
        ]
    ), names
    for name in names:
        parts = name.split("/")
        assert ".." not in parts and not name.startswith("/") and "\\" not in name
        assert not re.search(r"[\x00-\x1f]", name)

    rows = {r["path"]: r for r in manifest_rows(zf) if r["path"]}
    by_sha = {f.sha256: f for f in setup["included"]}
    assert len(rows) == 5
    for path, row in rows.items():
        digest = hashlib.sha256(zf.read(path)).hexdigest()
        assert digest == row["sha256"] and row["sha256_check"] == "OK"
        record = by_sha[digest]
        assert (
            int(row["size_bytes"]) == record.size and row["original_name"].lstrip("'") == record.original_name
        )
        assert row["reviewer"] == str(world.owner) and row["request_status"] == "Accepted"
    # Unsubmitted files and files of requests not accepted stay out; those requests are still listed.
    archived = {zf.read(p) for p in rows}
    for record in setup["excluded"]:
        with default_storage.open(record.file.name, "rb") as fh:
            assert fh.read() not in archived
    all_rows = manifest_rows(zf)
    statuses = {r["requirement"]: r["request_status"] for r in all_rows if not r["path"]}
    assert statuses == {"4.1": "Under review", "12.10": "Open"}
    assert "draft-not-submitted.pdf" not in zf.read("manifest.csv").decode()

    assert zf.read("index.pdf").startswith(b"%PDF")
    assert Event.objects.filter(verb="assessment.package_requested", target_id=str(package.pk)).exists()
    ready = Event.objects.get(verb="assessment.package_ready", target_id=str(package.pk))
    assert ready.data["sha256"] == package.sha256 and ready.data["files"] == 5


def test_manifest_escapes_formula_cells(world, setup, django_capture_on_commit_callbacks):
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    rows = manifest_rows(open_zip(package))
    hyperlink = next(r for r in rows if r["requirement"] == "3.4")
    assert hyperlink["request_title"] == '\'=HYPERLINK("http://x")'
    assert hyperlink["original_name"] == "'@evil.csv"
    assert hyperlink["path"] == "3.4 =HYPERLINK(_http_--x_)/@evil.csv"  # starts with a digit: left alone
    for row in rows:
        for value in row.values():
            assert not value or value[0] not in "=+-@\t\r", row


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("1.2.1", "1.2.1"),
        ("plain", "plain"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_csv_safe(raw, safe):
    assert pkg.csv_safe(raw) == safe


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("a/b\\c", "a-b-c"),
        ("../../etc/passwd", "-.-etc-passwd"),
        ("..", "_"),
        ("", "_"),
        ("bell\x07tab\tnl\n", "bell tab nl"),
        ('what?<>:"|*', "what_______"),
        ("CON", "_CON"),
        ("zero\u200bwidth", "zero width"),
    ],
)
def test_safe_component(raw, safe):
    assert pkg.safe_component(raw, max_len=100) == safe


def test_safe_component_caps_length_and_keeps_extension():
    name = pkg.safe_component("x" * 500 + ".pdf", max_len=120, keep_ext=True)
    assert len(name) == 120 and name.endswith(".pdf")
    assert len(pkg.safe_component("y" * 500, max_len=100)) == 100


def test_dedupe_is_case_insensitive():
    taken: set[str] = set()
    assert [pkg.dedupe(n, taken) for n in ["a.pdf", "A.pdf", "a.pdf", "README", "readme"]] == [
        "a.pdf",
        "A (2).pdf",
        "a (3).pdf",
        "README",
        "readme (2)",
    ]


def _inflated(pdf: bytes) -> bytes:
    """The PDF with every Flate stream inflated, so object dictionaries inside object streams show."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[m.end() :]))
        except zlib.error:
            continue
    return b"\n".join(out)


def test_inflate_helper_sees_images():
    # The detector below must be able to see an image when there is one (a data: URI is allowed).
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    pdf = render_pdf(f'<img src="data:image/png;base64,{png}">')
    assert b"/Image" in _inflated(pdf)


def test_index_pdf_pulls_in_nothing_from_user_text(
    world, setup, django_capture_on_commit_callbacks, monkeypatch
):
    asked: list[str] = []
    original = RestrictedFetcher.fetch

    def spy(self, url, headers=None):
        asked.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(RestrictedFetcher, "fetch", spy)
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    pdf = open_zip(package).read("index.pdf")
    assert pdf.startswith(b"%PDF")
    # The title is text in the PDF, never markup: nothing was fetched, no image was embedded.
    assert not [u for u in asked if not u.startswith("data:")], asked
    inflated = _inflated(pdf)
    assert b"/Image" not in inflated
    assert b"root:x:0:0" not in inflated
    # Even if markup got through, the fetcher refuses (tests/activity/test_pdf.py covers it in full).
    evil = render_pdf(f"<p>{EVIL_TITLE}</p><style>p{{background:url(file:///etc/passwd)}}</style>")
    assert b"/Image" not in _inflated(evil) and b"root:x:0:0" not in _inflated(evil)


def test_ready_email_goes_to_the_requester(world, setup, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        package = pkg.request_package(assessment=setup["assessment"], actor=world.member)
    package.refresh_from_db()
    sent = [m for m in mail.outbox if "Evidence package ready" in m.subject]
    assert len(sent) == 1 and sent[0].to == [world.member.email]
    link = reverse(
        "assessments:package-status",
        kwargs={"assessment_id": package.assessment_id, "package_id": package.pk},
    )
    assert link in sent[0].body and "PCI DSS ROC 2026" in sent[0].subject


def test_progress_rises_to_100(world, setup, django_capture_on_commit_callbacks, monkeypatch):
    seen: list[int] = []
    original = pkg._set_progress
    monkeypatch.setattr(pkg, "_set_progress", lambda pk, v: (seen.append(v), original(pk, v)))
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    assert seen == sorted(seen) and seen[-1] == 95 and 90 in seen
    assert package.progress == 100


def test_hash_mismatch_is_marked_and_the_package_still_builds(
    world, setup, django_capture_on_commit_callbacks
):
    tampered = setup["included"][0]
    EvidenceFile.objects.filter(pk=tampered.pk).update(sha256="f" * 64)
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    assert package.status == PackageStatus.READY
    assert "1 file did not match" in package.error
    zf = open_zip(package)
    row = next(r for r in manifest_rows(zf) if r["sha256"] == "f" * 64)
    assert row["sha256_check"] == "HASH MISMATCH"
    assert hashlib.sha256(zf.read(row["path"])).hexdigest() == tampered.sha256


def test_missing_file_fails_clearly(world, setup, django_capture_on_commit_callbacks):
    gone = setup["included"][2]
    default_storage.delete(gone.file.name)
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    assert package.status == PackageStatus.FAILED and not package.file
    assert gone.original_name in package.error and "missing from storage" in package.error
    assert Event.objects.filter(verb="assessment.package_failed", target_id=str(package.pk)).exists()


def test_a_package_is_built_once(world, setup, django_capture_on_commit_callbacks):
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    assert pkg.build_package(package.pk) is None  # a second delivery finds it already claimed
    assert Event.objects.filter(verb="assessment.package_ready", target_id=str(package.pk)).count() == 1


def test_empty_assessment_builds_an_index_only_package(world, django_capture_on_commit_callbacks):
    assessment = AssessmentFactory(client=world.client)
    EvidenceRequestFactory(assessment=assessment, status=Status.OPEN)
    package = build(world, assessment, django_capture_on_commit_callbacks)
    assert package.status == PackageStatus.READY and package.file_count == 0
    assert sorted(open_zip(package).namelist()) == ["checkpoint.json", "index.pdf", "manifest.csv"]


# --- views -------------------------------------------------------------------------------------------


def urls(package: EvidencePackage) -> dict[str, str]:
    ids = {"assessment_id": package.assessment_id}
    return {
        "create": reverse("assessments:package-create", kwargs=ids),
        "status": reverse("assessments:package-status", kwargs={**ids, "package_id": package.pk}),
        "download": reverse("assessments:package-download", kwargs={**ids, "package_id": package.pk}),
    }


def test_panel_on_the_assessment_page(world, setup, owner_http):
    page = owner_http.get(reverse("assessments:assessment-detail", args=[setup["assessment"].pk]))
    assert page.status_code == 200
    assert b"Export evidence package" in page.content and b'id="package-panel"' in page.content


def test_create_status_download(world, setup, owner_http, django_capture_on_commit_callbacks):
    assessment = setup["assessment"]
    create = reverse("assessments:package-create", args=[assessment.pk])
    assert owner_http.get(create).status_code == 405
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = owner_http.post(create, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and callbacks
    body = response.content.decode()
    package = EvidencePackage.objects.get(assessment=assessment)
    # Rendered before commit, so still queued: the fragment polls every 2 s.
    assert 'hx-trigger="every 2s"' in body and "<progress" in body and "Queued" in body
    u = urls(package)
    fragment = owner_http.get(u["status"], HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in fragment and "Download ZIP" in fragment and u["download"] in fragment
    assert "<html" not in fragment
    page = owner_http.get(u["status"])
    assert page.status_code == 200 and b"<html" in page.content and b"Download ZIP" in page.content

    download = owner_http.get(u["download"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert "pci-dss-roc-2026-evidence-" in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff" and download["Content-Type"] == "application/zip"
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == package.sha256


def test_create_without_htmx_redirects_to_the_panel(world, setup, django_capture_on_commit_callbacks):
    member = staff_client(world.member)  # members may export too
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(reverse("assessments:package-create", args=[setup["assessment"].pk]))
    assert response.status_code == 302 and response["Location"].endswith("#package-panel")
    package = EvidencePackage.objects.get(assessment=setup["assessment"])
    assert package.requested_by == world.member and package.status == PackageStatus.READY


def test_create_needs_csrf(world, setup):
    http = HttpClient(enforce_csrf_checks=True)
    http.force_login(world.owner)
    response = http.post(reverse("assessments:package-create", args=[setup["assessment"].pk]))
    assert response.status_code == 403
    assert not EvidencePackage.objects.exists()


def test_download_404_until_ready(world, setup, owner_http):
    package = EvidencePackage.objects.create(assessment=setup["assessment"], requested_by=world.owner)
    assert owner_http.get(urls(package)["download"]).status_code == 404
    fragment = owner_http.get(urls(package)["status"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and 'value="0"' in fragment


def test_outsiders_get_404_or_login(world, setup, django_capture_on_commit_callbacks):
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    u = urls(package)
    b_staff = staff_client(world.outsider_staff)
    for url in (u["status"], u["download"]):
        assert b_staff.get(url).status_code == 404
    assert b_staff.post(u["create"]).status_code == 404
    for http in (HttpClient(), portal_client(world.contact), portal_client(world.outsider_contact)):
        for url in (u["status"], u["download"]):
            got = http.get(url)
            assert got.status_code == 302 and "/login" in got["Location"]
        assert http.post(u["create"]).status_code in (302, 403)
    assert EvidencePackage.objects.count() == 1


def test_package_of_another_assessment_is_404(world, setup, owner_http, django_capture_on_commit_callbacks):
    package = build(world, setup["assessment"], django_capture_on_commit_callbacks)
    other = AssessmentFactory(client=world.client)
    wrong = reverse(
        "assessments:package-download", kwargs={"assessment_id": other.pk, "package_id": package.pk}
    )
    assert owner_http.get(wrong).status_code == 404


# --- S3 ------------------------------------------------------------------------------------------------


def test_builds_against_s3(world, s3_storage, owner_http, django_capture_on_commit_callbacks):
    client, bucket = s3_storage
    assessment = AssessmentFactory(client=world.client, name="S3 ROC")
    evidence = EvidenceRequestFactory(assessment=assessment, requirement="5.1", title="Antivirus")
    big = bytes(range(256)) * 12_000  # ~3 MB: several chunks, a multipart-sized upload path
    records = [
        store(evidence, "av.pdf", b"%PDF-1.4 av"),
        # Opaque bytes, so the sniffed type's extension (.bin) is the name's (files.filetypes).
        store(evidence, "av.bin", big, ctype="application/octet-stream"),
    ]
    accept(world, evidence)
    package = build(world, assessment, django_capture_on_commit_callbacks)
    assert package.status == PackageStatus.READY, package.error
    obj = client.get_object(Bucket=bucket, Key=package.file.name)["Body"].read()
    assert hashlib.sha256(obj).hexdigest() == package.sha256
    zf = zipfile.ZipFile(io.BytesIO(obj))
    for record in records:
        assert hashlib.sha256(zf.read(f"5.1 Antivirus/{record.original_name}")).hexdigest() == record.sha256
    download = owner_http.get(urls(package)["download"])
    assert download.status_code == 302
    assert (
        bucket in download["Location"] and "response-content-disposition=attachment" in download["Location"]
    )


def test_entries_are_named_from_the_sniffed_type(world, django_capture_on_commit_callbacks):
    assessment = AssessmentFactory(client=world.client, name="Names ROC")
    evidence = EvidenceRequestFactory(assessment=assessment, requirement="6.1", title="Patching")
    bat = store(evidence, "evidence.bat", b"%PDF-1.4 a pdf named like a script")
    html = store(evidence, "polyglot.html", b"%PDF-1.4 <html><script>alert(1)</script></html>")
    text = store(evidence, "notes", b"plain notes\n", ctype="text/plain")
    accept(world, evidence)
    package = build(world, assessment, django_capture_on_commit_callbacks)
    assert package.status == PackageStatus.READY, package.error
    zf = open_zip(package)
    expected = {
        bat: "6.1 Patching/evidence.bat.pdf",
        html: "6.1 Patching/polyglot.html.pdf",
        text: "6.1 Patching/notes.txt",
    }
    assert set(expected.values()) <= set(zf.namelist())
    rows = {r["path"]: r for r in manifest_rows(zf) if r["path"]}
    for record, path in expected.items():
        assert hashlib.sha256(zf.read(path)).hexdigest() == record.sha256
        # The manifest keeps what the uploader called it beside the name it has in the ZIP.
        assert rows[path]["original_name"] == record.original_name
