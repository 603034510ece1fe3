from __future__ import annotations

import pytest
from django.db import connection

from activity import verbs
from activity.models import AppendOnlyError, Event, EventChain
from activity.services import record_event, verify_chain

# Verbs these tests append: registered for them only (record_event refuses unregistered verbs).
TEST_VERBS = ("a.one", "a.two", "a.three", "race.append")


@pytest.fixture(autouse=True)
def _chain_test_verbs():
    for code in TEST_VERBS:
        verbs.register(verbs.Verb(code, "did a chain test step to"))
    yield
    for code in TEST_VERBS:
        verbs.unregister(code)


pytestmark = pytest.mark.django_db


def _three(world):
    for verb in ("a.one", "a.two", "a.three"):
        record_event(
            workspace=world.ws, verb=verb, client=world.client, data={"n": verb, "z": 1, "a": [1, 2]}
        )
    return f"workspace:{world.ws.pk}"


def test_events_link_into_a_verifiable_chain(world):
    key = _three(world)
    events = list(Event.objects.filter(chain_key=key).order_by("chain_seq"))
    assert [e.chain_seq for e in events][-3:] == [len(events) - 2, len(events) - 1, len(events)]
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    report = verify_chain(key)
    assert report.ok, report.problems
    assert report.events == len(events)
    assert EventChain.objects.get(key=key).last_hash == events[-1].hash


def test_a_changed_event_is_detected(world):
    key = _three(world)
    target = Event.objects.get(verb="a.two")
    with connection.cursor() as cur:
        cur.execute("UPDATE activity_event SET target_label = 'forged' WHERE id = %s", [target.pk])
    report = verify_chain(key)
    assert not report.ok
    assert any("changed after it was written" in p for p in report.problems)


def test_a_deleted_middle_event_is_detected(world):
    key = _three(world)
    target = Event.objects.get(verb="a.two")
    with connection.cursor() as cur:
        cur.execute("DELETE FROM activity_event WHERE id = %s", [target.pk])
    report = verify_chain(key)
    assert any("missing" in p for p in report.problems)
    assert any("does not link" in p for p in report.problems)


def test_a_deleted_last_event_is_detected_by_the_chain_head(world):
    key = _three(world)
    target = Event.objects.get(verb="a.three")
    with connection.cursor() as cur:
        cur.execute("DELETE FROM activity_event WHERE id = %s", [target.pk])
    report = verify_chain(key)
    assert any("events were deleted" in p for p in report.problems)


def test_the_orm_refuses_to_change_or_delete_events(world):
    _three(world)
    event = Event.objects.first()
    event.verb = "x"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(verb="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_never_fork_the_chain(world):
    """Eight threads append to one chain at once: the chain-head row lock serialises them."""
    import threading

    from django.db import connections

    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def append(n: int) -> None:
        try:
            start.wait()
            for i in range(5):
                # A chain that does not exist yet: its head row is created by whichever thread is first.
                record_event(
                    workspace=world.ws, verb="race.append", data={"thread": n, "i": i}, chain_key="race"
                )
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert Event.objects.filter(chain_key="race").count() == 40
    assert sorted(Event.objects.filter(chain_key="race").values_list("chain_seq", flat=True)) == list(
        range(1, 41)
    )
    report = verify_chain("race")
    assert report.ok, report.problems
