"""The chain is keyed: an HMAC whose secret is in settings (environment or a file), a key id per event so
keys rotate, unkeyed legacy events still verify (flagged), and production refuses to run without a key."""

from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from activity import verbs
from activity.models import Event, EventChain
from activity.services import record_event, verify_chain
from tests.activity.tamper import reset_head, rewrite_chain, write_event

ROOT = Path(__file__).resolve().parents[2]
KEY_A = "a" * 40
KEY_B = "b" * 40


@pytest.fixture(autouse=True)
def _key_test_verb():
    verbs.register(verbs.Verb("keys.step", "did a key test step to"))
    yield
    verbs.unregister("keys.step")


def _append(world, n: int = 3, key: str = "keys") -> str:
    for i in range(n):
        record_event(workspace=world.ws, verb="keys.step", data={"i": i}, chain_key=key)
    return key


@pytest.mark.django_db
def test_events_carry_an_hmac_under_the_current_key_id(world, settings):
    settings.AUDIT_CHAIN_KEYS = {"k1": KEY_A}
    settings.AUDIT_CHAIN_KEY_ID = "k1"
    key = _append(world, 1)
    event = Event.objects.get(chain_key=key)
    assert event.key_id == "k1"
    assert event.hash == hmac.new(KEY_A.encode(), event.canonical(), hashlib.sha256).hexdigest()
    assert event.hash != hashlib.sha256(event.canonical()).hexdigest()
    assert verify_chain(key).ok


@pytest.mark.django_db
def test_history_rewritten_without_the_key_is_detected(world):
    """Someone with the database but not the key rewrites an event and recomputes every hash."""
    key = _append(world)

    def forge(event):
        if event.chain_seq == 2:
            event.data = {"i": "forged"}

    rewrite_chain(key, forge, with_key=False)
    report = verify_chain(key)
    assert not report.ok
    assert sum("changed after it was written" in p for p in report.problems) == 3


@pytest.mark.django_db
def test_history_downgraded_to_unkeyed_hashes_is_detected(world):
    key = _append(world)
    record_event(workspace=world.ws, verb="keys.step", data={"i": "keyed"}, chain_key=key)
    events = list(Event.objects.filter(chain_key=key).order_by("chain_seq"))
    # Only the tail is rewritten as "legacy": an unkeyed event after keyed ones is a downgrade.
    last = events[-1]
    last.data, last.key_id = {"i": "forged"}, ""
    last.hash = hashlib.sha256(last.canonical()).hexdigest()
    write_event(last)
    reset_head(key)
    report = verify_chain(key)
    assert any("unkeyed after keyed events" in p for p in report.problems), report.problems


@pytest.mark.django_db
def test_keys_rotate_and_old_events_verify_with_their_own_key(world, settings):
    settings.AUDIT_CHAIN_KEYS = {"old": KEY_A, "new": KEY_B}
    settings.AUDIT_CHAIN_KEY_ID = "old"
    key = _append(world, 2)
    settings.AUDIT_CHAIN_KEY_ID = "new"
    _append(world, 2, key)
    assert list(
        Event.objects.filter(chain_key=key).order_by("chain_seq").values_list("key_id", flat=True)
    ) == [
        "old",
        "old",
        "new",
        "new",
    ]
    assert verify_chain(key).ok
    settings.AUDIT_CHAIN_KEYS = {"new": KEY_B}  # the old key dropped from the configuration too soon
    report = verify_chain(key)
    assert sum("key id 'old', which is not configured" in p for p in report.problems) == 2


@pytest.mark.django_db
def test_unkeyed_legacy_events_still_verify_and_are_flagged(world):
    """Events written before the chain was keyed (key_id "") keep their plain SHA-256."""
    key, prev = "legacy", ""
    for seq in (1, 2):
        event = Event(
            workspace=world.ws,
            verb="keys.step",
            data={"seq": seq},
            created_at=timezone.now(),
            chain_key=key,
            chain_seq=seq,
            prev_hash=prev,
        )
        event.hash = hashlib.sha256(event.canonical()).hexdigest()
        event.save()
        prev = event.hash
    EventChain.objects.create(key=key, last_seq=2, last_hash=prev)
    _append(world, 1, key)  # new events on the same chain are keyed
    report = verify_chain(key)
    assert report.ok, report.problems
    assert report.unkeyed == 2
    assert any("unkeyed" in note for note in report.notes)


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "AUDIT_CHAIN_KEYS", "AUDIT_CHAIN_KEYS_FILE"}
    }
    base.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY="a-very-long-random-production-secret-" + "z8Y" * 20,
        ALLOWED_HOSTS="portal.example.com",
        **env,
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_chain_key():
    result = _manage("check")
    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEYS (or AUDIT_CHAIN_KEYS_FILE) must be set when DEBUG=0" in result.stderr


def test_production_refuses_a_short_secret_or_an_unknown_current_key_id():
    short = _manage("check", AUDIT_CHAIN_KEYS="k1:tooshort")
    assert short.returncode != 0 and "AUDIT_CHAIN_KEYS entries are id:secret" in short.stderr
    unknown = _manage("check", AUDIT_CHAIN_KEYS=f"k1:{KEY_A}", AUDIT_CHAIN_KEY_ID="k9")
    assert unknown.returncode != 0 and "AUDIT_CHAIN_KEY_ID 'k9' is not in AUDIT_CHAIN_KEYS" in unknown.stderr


def test_keys_are_read_from_a_file_and_the_first_listed_is_current(tmp_path):
    keys_file = tmp_path / "chain-keys"
    keys_file.write_text(f"k2:{KEY_B}\nk1:{KEY_A}\n")
    code = "from django.conf import settings; print(settings.AUDIT_CHAIN_KEY_ID, sorted(settings.AUDIT_CHAIN_KEYS))"
    result = _manage("shell", "-c", code, AUDIT_CHAIN_KEYS_FILE=str(keys_file))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "k2 ['k1', 'k2']"
