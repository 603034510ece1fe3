"""The outsider sweep's database snapshot: every row of every table before and after a request, and what
changed (tests/test_outsider_sweep.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection

from accounts.models import Contact, User, Workspace

# Fields that move on any authenticated read (throttled "last seen" stamps).
TICKING_FIELDS = {"last_seen_at", "last_access_at"}
# Tables nobody writes at run time.
NOT_SNAPSHOTTED = {"contenttypes.ContentType", "auth.Permission"}
# The column that identifies a session, so the outsiders' own sessions can be left out.
SESSION_KEYS = {"sessions.Session": "session_key", "accounts.PortalSession": "token_hash"}


@dataclass(frozen=True)
class Row:
    values: tuple
    workspaces: frozenset  # every workspace the row reaches through its foreign keys
    people: frozenset  # ("user" | "contact", id) the row points at, or is
    session: str | None  # session key / token hash, for session tables


@dataclass(frozen=True)
class Change:
    table: str
    pk: Any
    before: Row | None
    after: Row | None
    fields: tuple[str, ...]

    def __str__(self) -> str:
        if self.before is None:
            return f"{self.table} #{self.pk} added {dict(zip(self.fields, self.after.values, strict=True))}"
        if self.after is None:
            return f"{self.table} #{self.pk} deleted"
        moved = [
            f"{name}: {old!r} → {new!r}"
            for name, old, new in zip(self.fields, self.before.values, self.after.values, strict=True)
            if old != new
        ]
        return f"{self.table} #{self.pk} changed {'; '.join(moved)}"


def _workspace_paths(model, depth: int = 3) -> list[str]:
    """Lookups from `model` to a Workspace id through forward foreign keys (all of them, up to `depth`)."""
    if model is Workspace:
        return ["pk"]
    paths, frontier = [], [(model, "")]
    for _ in range(depth):
        nxt = []
        for current, prefix in frontier:
            for f in current._meta.concrete_fields:
                if f.is_relation and (f.many_to_one or f.one_to_one):
                    if f.related_model is Workspace:
                        paths.append(prefix + f.name)
                    else:
                        nxt.append((f.related_model, f"{prefix}{f.name}__"))
        frontier = nxt
    return paths


@dataclass
class _Plan:
    model: Any
    label: str
    fields: tuple[str, ...]
    workspace_paths: list[str]
    people: list[tuple[str, str]]  # (kind, lookup)
    session: str | None

    @property
    def columns(self) -> list[str]:
        return ["pk", *self.fields, *self.workspace_paths, *(lookup for _, lookup in self.people)]


class Snapshot:
    """Every row of every table, read in one round trip (each table's query compiled once): a few ms."""

    def __init__(self) -> None:
        self.plans = []
        for model in apps.get_models(include_auto_created=True):
            label = model._meta.label
            if label in NOT_SNAPSHOTTED:
                continue
            fields = tuple(f.attname for f in model._meta.concrete_fields if f.attname not in TICKING_FIELDS)
            people = [("user", "pk")] if model is User else [("contact", "pk")] if model is Contact else []
            for f in model._meta.concrete_fields:
                if f.is_relation and f.related_model in (User, Contact):
                    people.append(("user" if f.related_model is User else "contact", f.attname))
            plan = _Plan(model, label, fields, _workspace_paths(model), people, SESSION_KEYS.get(label))
            self.plans.append(plan)
        statements = []
        for plan in self.plans:
            query = plan.model._base_manager.order_by().values_list(*plan.columns).query
            sql, params = query.get_compiler(connection=connection).as_sql()
            assert not params, f"{plan.label}: the snapshot query takes no parameters"
            statements.append(sql)
        self.sql = ";\n".join(statements)

    def take(self) -> dict[str, dict[Any, Row]]:
        state = {}
        with connection.cursor() as cursor:
            cursor.execute(self.sql)
            for i, plan in enumerate(self.plans):
                if i:
                    cursor.nextset()
                state[plan.label] = self._rows(plan, cursor.fetchall())
        return state

    @staticmethod
    def _rows(plan: _Plan, records: list[tuple]) -> dict[Any, Row]:
        n, w = len(plan.fields), len(plan.workspace_paths)
        session_at = plan.fields.index(plan.session) if plan.session else None
        rows = {}
        for record in records:
            values = record[1 : 1 + n]
            rows[record[0]] = Row(
                values,
                frozenset(v for v in record[1 + n : 1 + n + w] if v is not None),
                frozenset(
                    (kind, v)
                    for (kind, _), v in zip(plan.people, record[1 + n + w :], strict=True)
                    if v is not None
                ),
                values[session_at] if session_at is not None else None,
            )
        return rows

    def diff(self, before: dict, after: dict, *, ignore_sessions: set[str] = frozenset()) -> list[Change]:
        changes = []
        for plan in self.plans:
            old, new = before[plan.label], after[plan.label]
            for pk in old.keys() | new.keys():
                a, b = old.get(pk), new.get(pk)
                if a == b or any(r is not None and r.session in ignore_sessions for r in (a, b)):
                    continue
                changes.append(Change(plan.label, pk, a, b, plan.fields))
        return changes
