"""Migration 0002 turns the six visibility booleans into `hidden_sections`, keeping every value."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0001_initial")]
AFTER = [("accounts", "0002_client_hidden_sections")]


@pytest.mark.django_db(transaction=True)
def test_booleans_become_hidden_section_keys_and_back():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    ws = old.get_model("accounts", "Workspace").objects.create(name="W", slug="w-migration")
    Client = old.get_model("accounts", "Client")
    all_on = Client.objects.create(workspace=ws, name="All on")
    some_off = Client.objects.create(workspace=ws, name="Some off", show_invoices=False, show_projects=False)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("accounts", "Client")
    assert new.objects.get(pk=all_on.pk).hidden_sections == ""
    assert new.objects.get(pk=some_off.pk).hidden_sections == ",invoices,projects,"

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = (
        executor.loader.project_state(BEFORE).apps.get_model("accounts", "Client").objects.get(pk=some_off.pk)
    )
    assert (back.show_invoices, back.show_projects, back.show_assessments) == (False, False, True)
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
