"""A local HTTP stand-in of the Stripe REST API, for the real `StripeClient` to talk to in tests.

The suite starts one per test session on 127.0.0.1 (an ephemeral port) and points `STRIPE_API_BASE` at
it (tests/conftest.py). It speaks what billing uses, the way Stripe does: form-encoded requests with
nested keys (`metadata[invoice]`, `line_items[0][price_data][currency]`), JSON answers shaped like
Stripe's objects, errors as `{"error": {...}}` with Stripe's status codes, objects scoped to the
connected account named by the `Stripe-Account` header (another account's session is a 404), and
`Idempotency-Key` honoured like Stripe: the same key with the same parameters replays the first answer,
with other parameters it is a 400 `idempotency_error`.

It records every request (method, path, parsed form, `Stripe-Account`, `Idempotency-Key`) so tests can
assert on what was sent. Tests move the world on as Stripe would (`pay_session`, `update_account`,
`refund`) and build events (`event`) that `sign` signs with Stripe's algorithm
(`t=<ts>,v1=HMAC-SHA256(secret, "<ts>.<payload>")`) for posting to the webhook.

Checkout and onboarding have a tiny HTML page each, so a browser lands somewhere real: the Checkout page
has a "Pay" button that marks the session paid and sends the browser to its `success_url`, as Stripe does.

`localstripe` was considered: it has no Connect, Checkout Sessions or account links.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

PLATFORM = ""  # the account key of objects made without a Stripe-Account header

_RUNNING: StripeStandIn | None = None


def running() -> StripeStandIn:
    """The test session's stand-in (started by tests/conftest.py), for code that cannot take a fixture."""
    assert _RUNNING is not None, "the Stripe stand-in is not running (tests/conftest.py starts it)"
    return _RUNNING


@dataclass
class Recorded:
    method: str
    path: str
    form: dict[str, Any]
    stripe_account: str | None
    idempotency_key: str | None
    query: dict[str, Any] = field(default_factory=dict)


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str = "", param: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type_, "message": message}}
        if code:
            self.body["error"]["code"] = code
        if param:
            self.body["error"]["param"] = param


def not_found(kind: str, object_id: str) -> StripeError:
    return StripeError(
        404, "invalid_request_error", f"No such {kind}: '{object_id}'", "resource_missing", "id"
    )


def parse_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's nested form encoding back into dicts and lists: a[b][0][c]=v → {"a": {"b": [{"c": v}]}}."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        parts = re.findall(r"[^\[\]]+", raw_key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})  # list indices arrive as keys "0", "1": listified below
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_listify(node[key]) for key in sorted(node, key=int)]
        return {key: _listify(value) for key, value in node.items()}
    return node


class StripeStandIn:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.server: ThreadingHTTPServer | None = None
        self.base_url = ""
        self.reset()

    # --- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> StripeStandIn:
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        host, port = self.server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        threading.Thread(target=self.server.serve_forever, name="stripe-standin", daemon=True).start()
        global _RUNNING
        _RUNNING = self
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def reset(self) -> None:
        with self.lock:
            self.requests: list[Recorded] = []
            self.accounts: dict[str, dict] = {}
            # Objects of connected accounts, keyed (account, id): a session is visible only on its account.
            self.objects: dict[tuple[str, str], dict] = {}
            self.idempotent: dict[tuple[str, str], tuple[str, int, dict]] = {}
            # (path prefix, status, replayed) answered once each; `replayed`: the failure happened while
            # executing a keyed request, so Stripe keeps it under that idempotency key like any answer.
            self.failures: list[tuple[str, int, bool]] = []
            self.links: dict[str, dict] = {}  # account-link token -> the link's parameters
            self._ids = itertools.count(1)

    # --- what tests look at ------------------------------------------------------------------------------

    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if (method is None or r.method == method) and (path is None or r.path.startswith(path))
            ]

    def fail_next(self, path_prefix: str, status: int = 500, *, replayed: bool = False) -> None:
        """Answer the next request under `path_prefix` with `status` (a Stripe outage). With `replayed`,
        Stripe had started executing it: "subsequent requests with the same key return the same result,
        including 500 errors" (Stripe's idempotency docs), so a retry with that key gets the failure again."""
        with self.lock:
            self.failures.append((path_prefix, status, replayed))

    # --- ids and objects -----------------------------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):04d}{secrets.token_hex(6)}"

    def get(self, account: str, object_id: str) -> dict | None:
        with self.lock:
            return self.objects.get((account, object_id))

    def put(self, account: str, obj: dict) -> dict:
        with self.lock:
            self.objects[(account, obj["id"])] = obj
        return obj

    def find_session(self, session_id: str) -> tuple[str, dict]:
        with self.lock:
            for (account, object_id), obj in self.objects.items():
                if object_id == session_id:
                    return account, obj
        raise KeyError(session_id)

    # --- the world moves on (what Stripe would do) ---------------------------------------------------------

    def update_account(self, account_id: str, **fields: Any) -> dict:
        with self.lock:
            self.accounts[account_id].update(fields)
            return dict(self.accounts[account_id])

    def enable_charges(self, account_id: str) -> dict:
        return self.update_account(
            account_id, charges_enabled=True, payouts_enabled=True, details_submitted=True
        )

    def pay_session(
        self,
        session_id: str,
        *,
        payment_status: str = "paid",
        amount_total: int | None = None,
        currency: str | None = None,
    ) -> dict:
        """The customer completed Checkout: the session is complete with a payment intent and a charge
        (status `paid`, or `unpaid` while an async method such as a bank debit is pending)."""
        with self.lock:
            account, session = self.find_session(session_id)
            if amount_total is not None:
                session["amount_total"] = session["amount_subtotal"] = amount_total
            if currency is not None:
                session["currency"] = currency
            if not session.get("payment_intent"):
                intent_id = self.new_id("pi")
                charge_id = self.new_id("ch")
                self.put(
                    account,
                    {
                        "id": charge_id,
                        "object": "charge",
                        "amount": session["amount_total"],
                        "amount_refunded": 0,
                        "currency": session["currency"],
                        "payment_intent": intent_id,
                        "paid": True,
                        "refunded": False,
                        "status": "succeeded",
                        "receipt_url": f"{self.base_url}/receipts/{charge_id}",
                        "livemode": False,
                        "created": int(time.time()),
                    },
                )
                self.put(
                    account,
                    {
                        "id": intent_id,
                        "object": "payment_intent",
                        "amount": session["amount_total"],
                        "currency": session["currency"],
                        "status": "processing",
                        "latest_charge": charge_id,
                        "metadata": session.get("metadata", {}),
                        "livemode": False,
                    },
                )
                session["payment_intent"] = intent_id
            session["status"] = "complete"
            session["payment_status"] = payment_status
            intent = self.objects[(account, session["payment_intent"])]
            intent["status"] = "succeeded" if payment_status == "paid" else "processing"
            return dict(session)

    def fail_session_payment(self, session_id: str) -> dict:
        with self.lock:
            account, session = self.find_session(session_id)
            session["payment_status"] = "unpaid"
            if session.get("payment_intent"):
                self.objects[(account, session["payment_intent"])]["status"] = "requires_payment_method"
            return dict(session)

    def expire_session(self, session_id: str) -> dict:
        with self.lock:
            _account, session = self.find_session(session_id)
            if session["status"] == "open":
                session["status"] = "expired"
            return dict(session)

    def refund(self, account: str, charge_id: str, amount: int | None = None) -> dict:
        """A refund made from the firm's Stripe dashboard (not by us): the charge follows."""
        with self.lock:
            charge = self.objects[(account, charge_id)]
            amount = charge["amount"] - charge["amount_refunded"] if amount is None else amount
            refund = self.put(
                account,
                {
                    "id": self.new_id("re"),
                    "object": "refund",
                    "amount": amount,
                    "currency": charge["currency"],
                    "charge": charge_id,
                    "payment_intent": charge["payment_intent"],
                    "status": "succeeded",
                    "created": int(time.time()),
                },
            )
            charge["amount_refunded"] += amount
            charge["refunded"] = charge["amount_refunded"] >= charge["amount"]
            return dict(refund)

    # --- events and signatures ----------------------------------------------------------------------------

    def event(
        self,
        type_: str,
        obj: dict,
        *,
        account: str | None = None,
        livemode: bool = False,
        created: int | None = None,
    ) -> dict:
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": created or int(time.time()),
            "type": type_,
            "livemode": livemode,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": obj},
        }
        if account:
            event["account"] = account
        return event

    def session_event(self, type_: str, session_id: str, **kwargs: Any) -> dict:
        account, session = self.find_session(session_id)
        return self.event(type_, dict(session), account=kwargs.pop("account", account), **kwargs)

    @staticmethod
    def sign(payload: str, secret: str, *, timestamp: int | None = None) -> str:
        timestamp = int(time.time()) if timestamp is None else timestamp
        mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
        return f"t={timestamp},v1={mac}"

    # --- the API -------------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, form: dict, query: dict, account: str | None, key: str | None):
        with self.lock:
            self.requests.append(Recorded(method, path, form, account, key, query))
            for i, (prefix, status, replayed) in enumerate(self.failures):
                if path.startswith(prefix):
                    del self.failures[i]
                    body = {"error": {"type": "api_error", "message": "Stand-in outage."}}
                    if replayed and method == "POST" and key:
                        fingerprint = json.dumps([path, form], sort_keys=True)
                        self.idempotent[(account or PLATFORM, key)] = (fingerprint, status, body)
                    return status, body
            if account and account not in self.accounts:
                raise StripeError(
                    403,
                    "invalid_request_error",
                    "The provided key does not have access to account "
                    f"'{account}' (or that account does not exist).",
                    "account_invalid",
                )
            scope = account or PLATFORM
            if method == "POST" and key:
                fingerprint = json.dumps([path, form], sort_keys=True)
                previous = self.idempotent.get((scope, key))
                if previous is not None:
                    if previous[0] != fingerprint:
                        raise StripeError(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same parameters they "
                            "were first used with.",
                        )
                    return previous[1], previous[2]
            status, body = self.route(method, path, form, query, scope)
            if method == "POST" and key and status < 500:
                self.idempotent[(scope, key)] = (json.dumps([path, form], sort_keys=True), status, body)
            return status, body

    def route(self, method: str, path: str, form: dict, query: dict, scope: str) -> tuple[int, dict]:
        routes = [
            ("POST", r"/v1/accounts", self.create_account),
            ("GET", r"/v1/accounts/(?P<id>[^/]+)", self.retrieve_account),
            ("POST", r"/v1/account_links", self.create_account_link),
            ("POST", r"/v1/checkout/sessions", self.create_session),
            ("GET", r"/v1/checkout/sessions", self.list_sessions),
            ("GET", r"/v1/checkout/sessions/(?P<id>[^/]+)", self.retrieve_scoped),
            ("POST", r"/v1/checkout/sessions/(?P<id>[^/]+)/expire", self.expire_scoped),
            ("GET", r"/v1/payment_intents/(?P<id>[^/]+)", self.retrieve_scoped),
            ("GET", r"/v1/charges/(?P<id>[^/]+)", self.retrieve_scoped),
            ("GET", r"/v1/refunds", self.list_refunds),
        ]
        for verb, pattern, fn in routes:
            match = re.fullmatch(pattern, path)
            if verb == method and match:
                return 200, fn(scope=scope, form=form, query=query, **match.groupdict())
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: {path}).")

    def create_account(self, *, scope: str, form: dict, **_: Any) -> dict:
        account = {
            "id": self.new_id("acct"),
            "object": "account",
            "type": "standard",
            "controller": form.get("controller", {}),
            "country": form.get("country", "US"),
            "email": form.get("email"),
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "metadata": form.get("metadata", {}),
            "created": int(time.time()),
        }
        self.accounts[account["id"]] = account
        return dict(account)

    def retrieve_account(self, *, id: str, scope: str, **_: Any) -> dict:  # noqa: A002
        if id not in self.accounts or (scope and scope != id):
            raise not_found("account", id)
        return dict(self.accounts[id])

    def create_account_link(self, *, form: dict, **_: Any) -> dict:
        account = form.get("account", "")
        if account not in self.accounts:
            raise not_found("account", account)
        for name in ("refresh_url", "return_url", "type"):
            if not form.get(name):
                raise StripeError(400, "invalid_request_error", f"Missing required param: {name}.")
        token = secrets.token_hex(8)
        self.links[token] = {"account": account, **form}
        return {
            "object": "account_link",
            "created": int(time.time()),
            "expires_at": int(time.time()) + 300,
            "url": f"{self.base_url}/connect/onboarding/{token}",
        }

    def create_session(self, *, scope: str, form: dict, **_: Any) -> dict:
        items = form.get("line_items") or []
        if not items:
            raise StripeError(400, "invalid_request_error", "Missing required param: line_items.")
        currencies = {item["price_data"]["currency"] for item in items}
        if len(currencies) != 1:
            raise StripeError(400, "invalid_request_error", "All line items need the same currency.")
        total = sum(int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1)) for item in items)
        fee = (form.get("payment_intent_data") or {}).get("application_fee_amount")
        if fee is not None and not scope:
            raise StripeError(
                400, "invalid_request_error", "Application fees need a connected account (Stripe-Account)."
            )
        session_id = self.new_id("cs")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": total,
            "amount_subtotal": total,
            "currency": currencies.pop(),
            "client_reference_id": form.get("client_reference_id"),
            "customer_email": form.get("customer_email"),
            "metadata": form.get("metadata", {}),
            "payment_intent": None,
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "url": f"{self.base_url}/checkout/{session_id}",
            "livemode": False,
            "created": int(time.time()),
            "expires_at": int(form.get("expires_at") or time.time() + 24 * 3600),
        }
        return dict(self.put(scope, session))

    def retrieve_scoped(self, *, id: str, scope: str, **_: Any) -> dict:  # noqa: A002
        obj = self.get(scope, id)
        if obj is None:
            raise not_found(id.split("_", 1)[0], id)
        return dict(obj)

    def expire_scoped(self, *, id: str, scope: str, **_: Any) -> dict:  # noqa: A002
        obj = self.get(scope, id)
        if obj is None:
            raise not_found("checkout.session", id)
        if obj["status"] != "open":
            raise StripeError(
                400,
                "invalid_request_error",
                f'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session '
                f'has a status of "{obj["status"]}".',
            )
        obj["status"] = "expired"
        return dict(obj)

    def list_sessions(self, *, scope: str, query: dict, **_: Any) -> dict:
        found = [
            dict(obj)
            for (account, _id), obj in self.objects.items()
            if account == scope
            and obj["object"] == "checkout.session"
            and all(obj.get(k) == v for k, v in query.items() if k in ("status", "payment_intent"))
        ]
        found.sort(key=lambda obj: obj["created"], reverse=True)
        return {"object": "list", "data": found, "has_more": False, "url": "/v1/checkout/sessions"}

    def list_refunds(self, *, scope: str, query: dict, **_: Any) -> dict:
        found = [
            dict(obj)
            for (account, _id), obj in self.objects.items()
            if account == scope
            and obj["object"] == "refund"
            and (not query.get("charge") or obj["charge"] == query["charge"])
            and (not query.get("payment_intent") or obj["payment_intent"] == query["payment_intent"])
        ]
        return {"object": "list", "data": found, "has_more": False, "url": "/v1/refunds"}

    # --- the pages a browser is sent to --------------------------------------------------------------------

    def page(self, method: str, path: str) -> tuple[int, str, str | None]:
        """(status, html, redirect) for the hosted pages: Checkout and Connect onboarding."""
        if match := re.fullmatch(r"/checkout/(cs_[A-Za-z0-9_]+)", path):
            try:
                _account, session = self.find_session(match.group(1))
            except KeyError:
                return 404, "<h1>No such session</h1>", None
            if method == "POST":
                if session["status"] == "open":
                    self.pay_session(session["id"])
                return 303, "", session["success_url"]
            amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
            body = (
                f"<h1>Stand-in Checkout</h1><p id='amount'>{html.escape(amount)}</p>"
                f"<p id='status'>{html.escape(session['status'])}</p>"
                f"<form method='post'><button type='submit'>Pay {html.escape(amount)}</button></form>"
                f"<p><a href='{html.escape(session['cancel_url'] or '')}'>Back</a></p>"
            )
            return 200, body, None
        if match := re.fullmatch(r"/connect/onboarding/([0-9a-f]+)", path):
            link = self.links.get(match.group(1))
            if link is None:
                return 404, "<h1>Expired link</h1>", None
            body = (
                f"<h1>Stand-in onboarding</h1><p id='account'>{html.escape(link['account'])}</p>"
                f"<p><a id='return' href='{html.escape(link['return_url'])}'>Return</a> "
                f"<a id='refresh' href='{html.escape(link['refresh_url'])}'>Refresh</a></p>"
            )
            return 200, body, None
        return 404, "<h1>Not found</h1>", None


class _Handler(BaseHTTPRequestHandler):
    standin: StripeStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
        return

    def _read_form(self) -> list[tuple[str, str]]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        return parse_qsl(raw, keep_blank_values=True)

    def _answer(self, method: str) -> None:
        parts = urlsplit(self.path)
        pairs = self._read_form() if method == "POST" else []
        if parts.path.startswith("/v1/"):
            if not (self.headers.get("Authorization") or "").startswith("Bearer sk_"):
                status, body = 401, {"error": {"type": "invalid_request_error", "message": "No API key."}}
            else:
                try:
                    status, body = self.standin.handle(
                        method,
                        parts.path,
                        parse_form(pairs),
                        parse_form(parse_qsl(parts.query)),
                        self.headers.get("Stripe-Account"),
                        self.headers.get("Idempotency-Key"),
                    )
                except StripeError as exc:
                    status, body = exc.status, exc.body
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Request-Id", "req_" + secrets.token_hex(6))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        status, text, location = self.standin.page(method, parts.path)
        data = (
            "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Stand-in</title></head>"
            f"<body><main>{text}</main></body></html>"
        ).encode()
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")
