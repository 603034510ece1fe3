"""Chain heads anchored outside the database: signed, write-once checkpoints in storage that reveal a cut
tail or a rewritten history, even one recomputed with the key."""

from __future__ import annotations

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from activity import checkpoints, verbs
from activity.checkpoints import Checkpoint
from activity.models import Event
from activity.services import record_event, verify_chain
from activity.tasks import checkpoint_chains
from tests.activity.tamper import rewrite_chain, truncate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _checkpoint_test_verb():
    verbs.register(verbs.Verb("anchor.step", "did a checkpoint test step to"))
    yield
    verbs.unregister("anchor.step")


def _append(world, key: str, n: int) -> list[Event]:
    return [
        record_event(workspace=world.ws, verb="anchor.step", data={"i": i}, chain_key=key) for i in range(n)
    ]


def test_a_signed_checkpoint_is_written_every_n_events_after_commit(
    world, settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    with django_capture_on_commit_callbacks(execute=True):
        events = _append(world, "anchor:every", 7)
    _, names = default_storage.listdir(checkpoints.folder("anchor:every"))
    assert sorted(names) == ["000000000003.json", "000000000006.json"]
    with default_storage.open(checkpoints.path_for("anchor:every", 6), "rb") as fh:
        data = json.loads(fh.read())
    assert data["chain"] == "anchor:every" and data["seq"] == 6
    assert data["event_id"] == events[5].pk and data["head_hash"] == events[5].hash
    assert data["key_id"] == settings.AUDIT_CHAIN_KEY_ID and data["created_at"]
    assert Checkpoint.from_json(json.dumps(data).encode()).signature_ok()
    report = verify_chain("anchor:every")
    assert report.ok and report.checkpoints == 2 and report.latest_checkpoint.seq == 6


def test_a_checkpoint_is_never_overwritten(world):
    first = _append(world, "anchor:once", 1)[0]
    checkpoint, path, created = checkpoints.write(first)
    assert created
    original = default_storage.open(path, "rb").read()
    again, _, created_again = checkpoints.write(first)
    assert not created_again and again == checkpoint
    assert default_storage.open(path, "rb").read() == original
    _, names = default_storage.listdir(checkpoints.folder("anchor:once"))
    assert names == [path.rsplit("/", 1)[1]]


def test_the_periodic_task_anchors_heads_that_moved(world, settings):
    settings.AUDIT_CHECKPOINT_EVERY = 0
    _append(world, "anchor:beat", 2)
    assert checkpoint_chains() >= 1
    assert default_storage.exists(checkpoints.path_for("anchor:beat", 2))
    assert checkpoint_chains() == 0  # nothing moved since
    _append(world, "anchor:beat", 1)
    assert checkpoint_chains() == 1
    assert default_storage.exists(checkpoints.path_for("anchor:beat", 3))


def test_a_cut_tail_with_a_reset_head_is_detected_from_the_checkpoint(world):
    key = "anchor:truncate"
    _append(world, key, 5)
    checkpoints.write_head(key)
    truncate(key, keep=3)
    report = verify_chain(key)
    # The database alone is consistent again; only the checkpoint outside it knows better.
    assert len(report.problems) == 1, report.problems
    assert "anchors seq 5 but the chain ends at seq 3" in report.problems[0]
    assert "truncated" in report.problems[0]


def test_a_history_rewritten_and_rehashed_with_the_key_is_detected_from_the_checkpoint(world):
    key = "anchor:rewrite"
    _append(world, key, 4)
    checkpoints.write_head(key)

    def forge(event):
        if event.chain_seq == 2:
            event.data = {"i": "forged"}

    rewrite_chain(key, forge, with_key=True)
    report = verify_chain(key)
    assert len(report.problems) == 1, report.problems
    assert "history was rewritten" in report.problems[0] and "seq 4" in report.problems[0]


def test_a_forged_or_altered_checkpoint_is_reported(world):
    key = "anchor:forged"
    events = _append(world, key, 2)
    genuine = checkpoints.make(events[-1])
    forged = Checkpoint(**{**genuine.__dict__, "seq": 9, "event_id": 123456})  # signature of the genuine one
    default_storage.save(checkpoints.path_for(key, 9), ContentFile(forged.to_json()))
    default_storage.save(checkpoints.path_for(key, 10), ContentFile(b"{not json"))
    report = verify_chain(key)
    assert any("signature does not verify" in p for p in report.problems), report.problems
    assert any("cannot be read" in p for p in report.problems)
    assert report.checkpoints == 0


def test_a_chain_without_a_checkpoint_says_so(world):
    key = "anchor:none"
    _append(world, key, 1)
    report = verify_chain(key)
    assert report.ok and any("no checkpoint outside the database" in n for n in report.notes)


def test_checkpoints_on_s3_are_listed_compared_and_never_overwritten(world, s3_storage):
    client, bucket = s3_storage
    key = "anchor:s3"
    events = _append(world, key, 3)
    _, path, created = checkpoints.write(events[-1])
    assert created
    obj = client.get_object(Bucket=bucket, Key=path)
    assert json.loads(obj["Body"].read())["head_hash"] == events[-1].hash
    assert not checkpoints.write(events[-1])[2]
    assert [o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix="audit/")["Contents"]] == [path]
    assert verify_chain(key).checkpoints == 1
    truncate(key, keep=2)
    assert any("truncated" in p for p in verify_chain(key).problems)


def test_an_unreadable_checkpoint_is_left_in_place(world):
    key = "anchor:garbled"
    event = _append(world, key, 1)[0]
    default_storage.save(checkpoints.path_for(key, 1), ContentFile(b"garbled"))
    fresh, path, created = checkpoints.write(event)
    assert not created and fresh.signature_ok()
    assert default_storage.open(path, "rb").read() == b"garbled"
