"""The evidence package carries the chain's signed checkpoint (and says so in index.pdf), and checks each
file against the SHA-256 in its chained upload event rather than the editable column."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.signals import template_rendered

from activity import checkpoints
from activity.checkpoints import Checkpoint
from activity.models import Event
from assessments import workflow
from assessments.models import EvidencePackage, EvidenceRequest, Status
from assessments.package import HASH_MISMATCH, build_package
from assessments.services import upload_file

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def accepted(world, ev):
    record = upload_file(
        evidence=ev.request, upload=SimpleUploadedFile("policy.pdf", PDF), contact=world.contact
    )
    workflow.transition(evidence=ev.request, to=Status.SUBMITTED, contact=world.contact)
    for status in (Status.UNDER_REVIEW, Status.ACCEPTED):
        workflow.transition(
            evidence=EvidenceRequest.objects.get(pk=ev.request.pk), to=status, user=world.owner
        )
    return record


def _build(world, ev) -> zipfile.ZipFile:
    package = EvidencePackage.objects.create(assessment=ev.assessment, requested_by=world.owner)
    package = build_package(package.pk)
    assert package.status == "ready", package.error
    with default_storage.open(package.file.name, "rb") as fh:
        return zipfile.ZipFile(io.BytesIO(fh.read()))


def _manifest(zf: zipfile.ZipFile) -> list[dict]:
    return [r for r in csv.DictReader(io.StringIO(zf.read("manifest.csv").decode("utf-8-sig"))) if r["path"]]


def test_the_package_holds_the_signed_checkpoint_of_the_chain_and_the_index_names_it(world, ev, accepted):
    seen: list[dict] = []

    def capture(sender, template, context, **kwargs):
        if template.name == "assessments/package_index.html":
            seen.append(context.flatten())

    template_rendered.connect(capture)
    try:
        zf = _build(world, ev)
    finally:
        template_rendered.disconnect(capture)
    checkpoint = Checkpoint.from_json(zf.read("checkpoint.json"))
    head = Event.objects.filter(chain_key=ev.assessment.audit_chain_key).order_by("-chain_seq").first()
    # The build's own "package ready" event comes after the snapshot.
    assert head.verb == "assessment.package_ready"
    anchored = Event.objects.get(chain_key=head.chain_key, chain_seq=head.chain_seq - 1)
    assert checkpoint.signature_ok()
    assert (checkpoint.chain, checkpoint.seq, checkpoint.event_id, checkpoint.head_hash) == (
        ev.assessment.audit_chain_key,
        anchored.chain_seq,
        anchored.pk,
        anchored.hash,
    )
    # The same checkpoint is anchored in storage.
    assert checkpoints.read(checkpoints.path_for(checkpoint.chain, checkpoint.seq)) == checkpoint
    assert seen and seen[0]["checkpoint"] == checkpoint
    html = render_to_string("assessments/package_index.html", seen[0])
    assert "checkpoint.json" in html and checkpoint.head_hash in html


def test_package_checks_files_against_the_chained_upload_hash_not_the_column(world, ev, accepted):
    chained = Event.objects.get(verb="evidence.file_uploaded").data["sha256"]
    forged = PDF + b"% swapped"
    default_storage.delete(accepted.file.name)
    default_storage.save(accepted.file.name, ContentFile(forged))
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE assessments_evidencefile SET sha256 = %s WHERE id = %s",
            [hashlib.sha256(forged).hexdigest(), accepted.pk],
        )
    (row,) = _manifest(_build(world, ev))
    assert row["sha256"] == chained and row["sha256_check"] == HASH_MISMATCH


def test_package_trusts_the_chain_over_an_edited_column(world, ev, accepted):
    with connection.cursor() as cur:
        cur.execute("UPDATE assessments_evidencefile SET sha256 = %s WHERE id = %s", ["0" * 64, accepted.pk])
    (row,) = _manifest(_build(world, ev))
    assert row["sha256"] == hashlib.sha256(PDF).hexdigest() and row["sha256_check"] == "OK"
    assert json.loads(_build(world, ev).read("checkpoint.json"))["format"] == "portal.audit-checkpoint/1"
