"""The app run the way docker-compose.yml runs it, checked over real HTTP.

`collectstatic` into a fresh STATIC_ROOT, `migrate` on a PostgreSQL database made for this test (dropped
at the end), gunicorn with `DEBUG=0` and config/gunicorn.py, and a real Celery worker on Redis (not eager)
that delivers mail into a directory (EMAIL_URL=filemail://…). Then, as a browser would: a hashed static
file comes with a far-future cache lifetime; a contact asks for a sign-in link on the login form, the
worker mails it, the contact follows it and uploads a 3 MB PDF to an evidence request; a staff member
signs in on the staff form and downloads the same bytes. And without `collectstatic`, production settings
answer 500: the README's deployment steps are the ones that work.
"""

from __future__ import annotations

import contextlib
import email
import hashlib
import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SUITE_DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_test")
SUITE_REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
STAFF_PASSWORD = "correct horse battery"  # tests.factories.UserFactory's

# What the test's `manage.py shell` makes: a workspace, its owner, a client with a contact who was given
# an assessment with one evidence request. Printed as JSON for the test to read.
SEED = """
import json
from tests.factories import (AssessmentAccessFactory, AssessmentFactory, ClientFactory, ContactFactory,
    EvidenceRequestFactory, MembershipFactory, UserFactory, WorkspaceFactory)
ws = WorkspaceFactory(name="Prod Shape Assurance", slug="prodshape")
owner = UserFactory(email="owner@prodshape.example")
MembershipFactory(user=owner, workspace=ws)
client = ClientFactory(workspace=ws, name="Shapeco Payments")
contact = ContactFactory(client=client, email="pat@shapeco.example", name="Pat Shape")
assessment = AssessmentFactory(client=client, name="PCI DSS ROC 2026", lead=owner)
AssessmentAccessFactory(assessment=assessment, contact=contact)
req = EvidenceRequestFactory(assessment=assessment, requirement="1.2.1", title="Network diagram")
print(json.dumps({"slug": ws.slug, "staff": owner.email, "contact": contact.email,
                  "assessment": assessment.pk, "request": req.pk}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _with_path(url: str, path: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, parts.fragment))


def _redis_db_url() -> str:
    """Redis for the app under test: the suite's server, another DB number (PRODSHAPE_REDIS_DB, else the
    suite's + 8), so its broker and cache never meet the suite's. Its queue name is unique as well."""
    suite_db = int(urlsplit(SUITE_REDIS_URL).path.strip("/") or 0)
    db = int(os.environ.get("PRODSHAPE_REDIS_DB", (suite_db + 8) % 16))
    return _with_path(SUITE_REDIS_URL, f"/{db}")


class Browser:
    """Enough of a browser over http.client: a cookie jar (every cookie sent back, as over HTTPS: the
    production cookies are Secure and this test speaks plain HTTP to gunicorn), no redirect following."""

    def __init__(self, base: str):
        self.base = base
        self.netloc = urlsplit(base).netloc
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        host, port = self.netloc.split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        all_headers = {"Host": self.netloc, "User-Agent": "prodshape-test"}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            all_headers["Origin"] = self.base  # what a browser sends; CSRF checks it
            all_headers["Referer"] = self.base + path
        all_headers.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                cookie_value = rest.split(";", 1)[0]
                if "max-age=0" in value.lower() or not cookie_value.strip('"'):
                    self.cookies.pop(cookie_name, None)
                else:
                    self.cookies[cookie_name] = cookie_value
        return response, content

    def get(self, path: str, **headers):
        return self.request("GET", path, headers=headers)

    def post_form(self, path: str, fields: dict):
        body = urlencode(fields).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_multipart(self, path: str, fields: dict, files: dict[str, tuple[str, bytes, str]]):
        boundary = "----prodshape" + secrets.token_hex(12)
        parts = []
        for name, value in fields.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, (filename, content, content_type) in files.items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n".encode()
                + content
                + b"\r\n"
            )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request(
            "POST", path, b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )


def _csrf_token(html: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1).decode()


class Stack:
    """The processes of one run, their logs, and the clean-up."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.t0 = time.monotonic()
        self.marks: list[str] = []

    def mark(self, what: str) -> None:
        """Note when a step ended (printed with the logs on failure)."""
        self.marks.append(f"{time.monotonic() - self.t0:6.1f}s {what}")

    def start(self, name: str, args: list[str], env: dict) -> subprocess.Popen:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        with log.open("wb") as out:
            proc = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs[name] = proc
        return proc

    def run(self, name: str, args: list[str], env: dict, timeout: float = 120) -> str:
        proc = self.start(name, args, env)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop(name)
            raise AssertionError(f"{name} did not finish in {timeout}s:\n{self.log(name)}") from None
        assert proc.returncode == 0, f"{name} failed ({proc.returncode}):\n{self.log(name)}"
        return self.log(name)

    def log(self, name: str) -> str:
        return self.logs[name].read_text(errors="replace") if name in self.logs else ""

    def stop(self, name: str) -> None:
        proc = self.procs.get(name)
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def dump(self) -> str:
        return (
            "\n".join(self.marks)
            + "\n"
            + "\n".join(f"===== {name} =====\n{self.log(name)[-6000:]}" for name in self.logs)
        )


@contextlib.contextmanager
def _database():
    """A PostgreSQL database of its own, on the suite's server, dropped afterwards."""
    name = f"portal_prodshape_{secrets.token_hex(4)}"
    admin_url = _with_path(SUITE_DATABASE_URL, "/postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _with_path(SUITE_DATABASE_URL, f"/{name}")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _wait_until(what: str, check, timeout: float, stack: Stack, watch: tuple[str, ...]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name in watch:
            if stack.procs[name].poll() is not None:
                raise AssertionError(
                    f"{name} exited ({stack.procs[name].returncode}) while waiting for {what}"
                )
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _mailed_link(mail_dir: Path, to: str, base: str) -> str | None:
    """The sign-in link in the message to `to`, once the worker's file backend has written it."""
    for path in sorted(mail_dir.glob("*.log")):
        # The file backend ends each message with a line of 79 dashes: a message without it is still
        # being written, so only the pieces before the last separator are read.
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n")[:-1]:
            message = email.message_from_bytes(raw.strip())
            if to not in (message.get("To") or ""):
                continue
            for part in message.walk():
                if part.get_content_type() == "text/plain":
                    body = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
                    match = re.search(re.escape(base) + r"/p/[\w-]+/auth#t=[\w-]+", body)
                    if match:
                        return match.group(0)
    return None


def _pdf(size: int) -> bytes:
    head = b"%PDF-1.4\n1 0 obj<<>>endobj\n"
    tail = b"\ntrailer<<>>\n%%EOF\n"
    filler = b"% " + secrets.token_hex(32).encode() + b"\n"
    body = filler * ((size - len(head) - len(tail)) // len(filler) + 1)
    return head + body[: size - len(head) - len(tail)] + tail


def _app_env(**extra: str) -> dict[str, str]:
    """The environment docker-compose gives the app, and nothing of this test process's own."""
    keep = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
        "DEBUG": "0",
        "SECRET_KEY": "prod-shape-" + secrets.token_urlsafe(48),
        "AUDIT_CHAIN_KEYS": "k1:" + secrets.token_urlsafe(32),
        "SECURE_SSL_REDIRECT": "0",  # as docker-compose's default: TLS ends at the proxy in front
        **extra,
    }


@pytest.mark.celery_worker
def test_the_documented_production_steps_serve_the_app():
    with tempfile.TemporaryDirectory(prefix="portal-prodshape-") as tmp_name, _database() as database_url:
        tmp = Path(tmp_name)
        static_root, empty_static, media, mail_dir = (tmp / d for d in ("static", "empty", "media", "mail"))
        for d in (static_root, empty_static, media, mail_dir):
            d.mkdir()
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        redis_url = _redis_db_url()
        queue = f"prodshape-{secrets.token_hex(4)}"
        env = _app_env(
            ALLOWED_HOSTS="127.0.0.1",
            SITE_URL=base,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            EMAIL_URL=f"filemail:///{mail_dir}",  # four slashes: an absolute path
            STATIC_ROOT=str(static_root),
            MEDIA_ROOT=str(media),
        )
        manage = [sys.executable, "manage.py"]
        stack = Stack(tmp)
        try:
            # The image's build step, and (to show it is needed) a page rendered without it; migrate
            # beside them. Then the worker, the seed data, and gunicorn once the static files are there.
            collect = stack.start("collectstatic", [*manage, "collectstatic", "--noinput"], env)
            no_static = stack.start(
                "no-collectstatic",
                [*manage, "shell", "-c", "from django.test import Client; Client().get('/app/login')"],
                {**env, "STATIC_ROOT": str(empty_static), "ALLOWED_HOSTS": "testserver"},
            )
            stack.run("migrate", [*manage, "migrate", "--noinput"], env)
            stack.mark("migrate")
            assert collect.wait(timeout=120) == 0, stack.log("collectstatic")
            stack.mark("collectstatic")
            assert (static_root / "staticfiles.json").exists()
            stack.start(
                "worker",
                [str(BIN / "celery"), "-A", "config", "worker", "--loglevel=info", "--concurrency=1"],
                env,
            )
            stack.start(
                "gunicorn",
                [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi:application"],
                {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"},
            )
            seeded = json.loads(
                stack.run("seed", [*manage, "shell", "-c", SEED], env).strip().splitlines()[-1]
            )
            stack.mark("seed")
            # Without collectstatic, production settings cannot render a page, not even the 500 page
            # (so under gunicorn every page is its bare 500).
            assert no_static.wait(timeout=120) != 0
            assert "Missing staticfiles manifest entry for 'css/portal.css'" in stack.log("no-collectstatic")

            http = Browser(base)
            slug = seeded["slug"]

            def login_page():
                with contextlib.suppress(OSError):
                    response, content = http.get(f"/p/{slug}/login")
                    return (response, content)
                return None

            response, login_html = _wait_until("gunicorn", login_page, 90, stack, ("gunicorn",))
            assert response.status == 200, login_html[:2000]
            stack.mark("gunicorn answers")

            # (a) A static file with a hashed name is compressed and cached for a year or more.
            hashed = re.search(rb"/static/css/portal\.[0-9a-f]{12}\.css", login_html)
            assert hashed, login_html[:2000]
            response, css = http.get(hashed.group(0).decode(), **{"Accept-Encoding": "gzip"})
            assert response.status == 200
            cache_control = response.getheader("Cache-Control", "")
            max_age = int(re.search(r"max-age=(\d+)", cache_control).group(1))
            assert max_age >= 31536000 and "immutable" in cache_control, cache_control
            assert response.getheader("Content-Encoding") == "gzip"
            # The unhashed name is served too, but not as immutable: it changes with the next deploy.
            response, _ = http.get("/static/css/portal.css")
            assert response.status == 200 and "immutable" not in response.getheader("Cache-Control", "")

            # (b) A contact asks for a link on the real form; the worker mails it; the contact follows it.
            response, _ = http.post_form(
                f"/p/{slug}/login",
                {"csrfmiddlewaretoken": _csrf_token(login_html), "email": seeded["contact"]},
            )
            assert response.status == 200
            link = _wait_until(
                "the worker's email",
                lambda: _mailed_link(mail_dir, seeded["contact"], base),
                60,
                stack,
                ("gunicorn", "worker"),
            )
            # Delivered by the worker, not inline by the web process: its log records the task.
            _wait_until(
                "the worker's log of the task",
                lambda: re.search(r"Task [\w.]+\[[\w-]+\] succeeded", stack.log("worker")),
                30,
                stack,
                ("worker",),
            )
            stack.mark("email delivered")
            path, _, fragment = link.removeprefix(base).partition("#")
            response, page = http.get(path)
            assert response.status == 200
            response, _ = http.post_form(
                path,
                {
                    "csrfmiddlewaretoken": _csrf_token(page),
                    "step": "sign-in",
                    "token": fragment.removeprefix("t="),
                },
            )
            assert response.status == 302, response.status
            assert response.getheader("Location") == f"/p/{slug}/"
            assert "portal_session" in http.cookies

            # (c) The contact uploads a 3 MB PDF through the request page's form.
            request_path = f"/p/{slug}/requests/{seeded['request']}/"
            response, page = http.get(request_path)
            assert response.status == 200, page[:2000]
            pdf = _pdf(3 * 1024 * 1024)
            response, _ = http.post_multipart(
                request_path + "files",
                {"csrfmiddlewaretoken": _csrf_token(page)},
                {"file": ("network-diagram.pdf", pdf, "application/pdf")},
            )
            assert response.status == 302, response.status
            response, page = http.get(request_path)
            assert b"network-diagram.pdf" in page
            stack.mark("uploaded")

            # (d) A staff member signs in on the staff form, sees the file and downloads the same bytes.
            staff = Browser(base)
            response, page = staff.get("/app/login")
            assert response.status == 200
            response, _ = staff.post_form(
                "/app/login",
                {
                    "csrfmiddlewaretoken": _csrf_token(page),
                    "username": seeded["staff"],
                    "password": STAFF_PASSWORD,
                },
            )
            assert response.status == 302, response.status
            response, page = staff.get(
                f"/app/assessments/{seeded['assessment']}/requests/{seeded['request']}/"
            )
            assert response.status == 200, page[:2000]
            assert b"network-diagram.pdf" in page
            download = re.search(rb"/app/assessments/files/\d+/download", page)
            assert download, page[:4000]
            response, content = staff.get(download.group(0).decode())
            assert response.status == 200
            assert hashlib.sha256(content).hexdigest() == hashlib.sha256(pdf).hexdigest()
            stack.mark("staff downloaded")
            print("\n".join(stack.marks))
        except BaseException:
            stack.stop_all()
            print(stack.dump())
            raise
        finally:
            stack.stop_all()
            with contextlib.suppress(redis.RedisError):
                r = redis.Redis.from_url(redis_url)
                r.delete(queue, *r.keys(f"*{queue}*"))  # the queue and kombu's bindings of it
