from __future__ import annotations

import pytest

from activity import verbs

# Verbs the chain tests append: registered for them only (record_event refuses unregistered verbs).
TEST_VERBS = ("a.one", "a.two", "a.three", "race.append")


@pytest.fixture(autouse=True)
def _chain_test_verbs():
    for code in TEST_VERBS:
        verbs.register(verbs.Verb(code, f"did {code} to"))
    yield
    for code in TEST_VERBS:
        verbs.unregister(code)
