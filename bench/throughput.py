"""Throughput in production shape: the busiest pages under load, against a bare Django app, and a 1 GB upload.

Seeds a large workspace (bench/_seed.py), collects static files, starts the project under gunicorn
(2 workers, DEBUG=0, PostgreSQL, Redis, CONN_MAX_AGE=600) and a bare one-view Django app (bench/_hello.py)
under the same gunicorn settings, signs in a contact (magic link, over HTTP) and a staff member, and drives
each page with `wrk` (16 connections). Prints req/s, p50 and p99 and each page's share of bare Django's req/s
beside the issue's target, and the same page with the fragment cache off (a third server with
FRAGMENT_CACHE_SECONDS=0: what the first view after any change costs); then how a page's time grows with its work (one connection, 30/300/3,000
requests); then a 1 GB upload through the portal's upload view: MB/s against `dd` to the same disk and the
worker's RSS growth. Figures are printed, never asserted.

BENCH_SECONDS (default 5) is each page's wrk run; BENCH_PORT (default 8120) the first of four ports;
BENCH_UPLOAD_MB (default 1024) the upload's size; BENCH_PARTS (default load,growth,upload) what to run.
"""

from __future__ import annotations

import http.client
import math
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import ROOT, django_env  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
PARTS = os.environ.get("BENCH_PARTS", "load,growth,upload").split(",")
MAX_SECONDS = 45
PORT = int(os.environ.get("BENCH_PORT", "8120"))
UPLOAD_MB = int(os.environ.get("BENCH_UPLOAD_MB", "1024"))
CONNECTIONS = 16
WORKERS = 2
MB = 1024 * 1024
BIN = Path(sys.executable).parent
CSRF = secrets.token_hex(16)  # our own CSRF cookie secret (32 characters), sent back as the token


# --- servers -----------------------------------------------------------------------------------------


def _database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    auth = urllib.parse.quote(s["USER"] or "postgres")
    if s.get("PASSWORD"):
        auth += ":" + urllib.parse.quote(s["PASSWORD"])
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _production_env(static_root: Path) -> dict[str, str]:
    """The project's production settings (config.settings, DEBUG=0) on the bench's database and media."""
    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=settings.SECRET_KEY,  # sessions and links made here must verify there
        AUDIT_CHAIN_KEYS=",".join(f"{k}:{v}" for k, v in settings.AUDIT_CHAIN_KEYS.items()),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CONN_MAX_AGE="600",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        STATIC_ROOT=str(static_root),
        SECURE_SSL_REDIRECT="0",  # plain HTTP on loopback (a TLS proxy's job in production)
        SITE_URL=f"http://127.0.0.1:{PORT}",
        # The bench's upload is 1 GB; the evidence limit is 100 MB (for the bench only).
        EVIDENCE_MAX_UPLOAD_BYTES=str(max(UPLOAD_MB + 16, 100) * MB),
    )
    return env


class Gunicorn:
    """`gunicorn <app>` with the bench's settings (2 sync workers), stopped on exit."""

    def __init__(self, app: str, port: int, env: dict[str, str], log: Path):
        self.port = port
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        args = [str(BIN / "gunicorn"), app, "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]
        args += ["--timeout", "600", "--graceful-timeout", "5"]
        self.proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn {app} exited: see {log}")
            try:
                request(port, "GET", "/")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn {app} did not answer on port {port}: see {log}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _status_kb(pid: int, field: str) -> int:
    text = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.MULTILINE).group(1))


# --- HTTP ----------------------------------------------------------------------------------------------


def request(port: int, method: str, path: str, headers: dict | None = None, body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


def _cookies(headers) -> dict[str, str]:
    found = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            found[key.strip()] = rest.split(";", 1)[0]
    return found


def sign_in_contact(contact, port: int = PORT) -> str:
    """The portal's magic-link sign-in over HTTP (what the Sign in button posts); returns a Cookie header."""
    from django.conf import settings

    from accounts.models import LinkPurpose
    from accounts.services import issue_magic_link

    link = issue_magic_link(contact=contact, purpose=LinkPurpose.LOGIN)
    path, _, fragment = link.removeprefix(settings.SITE_URL).partition("#")
    body = urllib.parse.urlencode(
        {"step": "sign-in", "token": fragment.removeprefix("t="), "csrfmiddlewaretoken": CSRF}
    )
    status, headers, _ = request(
        port,
        "POST",
        path,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={CSRF}"},
        body.encode(),
    )
    session = _cookies(headers).get(settings.PORTAL_SESSION_COOKIE)
    if status != 302 or not session:
        raise RuntimeError(f"portal sign-in answered {status} without a session cookie")
    return f"csrftoken={CSRF}; {settings.PORTAL_SESSION_COOKIE}={session}"


def sign_in_staff(user) -> str:
    """A staff session (the one Django's login makes), as a Cookie header."""
    from django.conf import settings
    from django.test import Client

    http = Client()
    http.force_login(user)
    return (
        f"csrftoken={CSRF}; {settings.SESSION_COOKIE_NAME}={http.cookies[settings.SESSION_COOKIE_NAME].value}"
    )


# --- wrk -----------------------------------------------------------------------------------------------


def drain(port: int) -> None:
    """Wait for the requests wrk left queued (it closes its connections; a sync worker still serves each
    request already sent): a cheap request per worker, answered once the queue ahead of it is through."""
    for _ in range(2 * WORKERS):
        request(port, "GET", "/bench-drain")


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def wrk(port: int, path: str, cookie: str | None, *, connections: int = CONNECTIONS, seconds: int = SECONDS):
    """(req/s, p50 ms, p99 ms, page bytes) of `path` under wrk; refuses a page that does not answer 200.

    A slow page runs longer than `seconds` (up to MAX_SECONDS): with 16 connections on 2 workers a request
    waits behind 7 others, and every connection should see a few answers.
    """
    headers = {"Cookie": cookie} if cookie else {}
    for _ in range(2):  # the second one is warm
        started = time.perf_counter()
        status, _, body = request(port, "GET", path, headers)
        single = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"{path} answered {status}, not 200")
    duration = min(MAX_SECONDS, max(seconds, math.ceil(5 * single * max(1, connections / WORKERS))))
    args = ["wrk", f"-t{min(2, connections)}", "--latency", "--timeout", "60s"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    url = f"http://127.0.0.1:{port}{path}"
    subprocess.run([*args, "-c2", "-d1s", url], check=True, capture_output=True)  # both workers warm
    drain(port)
    out = subprocess.run(
        [*args, f"-c{connections}", f"-d{duration}s", url], check=True, capture_output=True, text=True
    ).stdout
    drain(port)
    if "Non-2xx" in out:
        raise RuntimeError(f"{path}: wrk saw non-2xx answers:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    return rps, p50, p99, len(body)


# --- the bench -----------------------------------------------------------------------------------------


def _pages(world) -> list[tuple[str, str, str, str]]:
    """(label, who, path, target) of every page measured under load."""
    from django.urls import reverse

    slug = world.workspace.slug
    big, huge = world.assessments["big"], world.assessments["huge"]
    return [
        ("portal login page (no data)", "", reverse("portal:login", args=[slug]), ">= 0.35"),
        ("portal dashboard, 300 requests", "big", reverse("portal:dashboard", args=[slug]), ">= 0.25"),
        (
            "portal request list, 300 rows",
            "big",
            reverse("portal:assessment-detail", args=[slug, big.pk]),
            ">= 0.10",
        ),
        (
            "portal request list, 3,000 rows",
            "huge",
            reverse("portal:assessment-detail", args=[slug, huge.pk]),
            "time <= 1.5x 300-row (below)",
        ),
        (
            "staff assessment page, 300 rows",
            "staff",
            reverse("assessments:assessment-detail", args=[big.pk]),
            ">= 0.10",
        ),
        ("staff invoice list, 500 invoices", "staff", reverse("billing:invoice-list"), ">= 0.15"),
        (
            "portal proposal page",
            "big",
            reverse("portal:proposal-detail", args=[slug, world.proposal.pk]),
            ">= 0.25",
        ),
        ("portal deliverables list, 200", "big", reverse("portal:deliverable-list", args=[slug]), ">= 0.15"),
    ]


def _load(world, cookies: dict[str, str], uncached_port: int) -> None:
    print(
        f"\nUnder load: wrk, {CONNECTIONS} connections, at least {SECONDS} s a page (a slow page longer); gunicorn, {WORKERS} workers"
    )
    print("(cached: the page as seen again while nothing changed, fragments from core/fragments.py;")
    print(" rendered: the same page with FRAGMENT_CACHE_SECONDS=0, i.e. the first view after any change)")
    print(
        f"{'page':<36}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'KB':>7}{'ratio':>8}  target{'':<28}{'rendered':>9}{'ratio':>8}"
    )
    hello_rps, p50, p99, size = wrk(PORT + 1, "/", None)
    print(f"{'bare Django (hello)':<36}{hello_rps:>9.2f}{p50:>9.0f}{p99:>9.0f}{size / 1024:>7.0f}{1:>8.4f}")
    for label, who, path, target in _pages(world):
        rps, p50, p99, size = wrk(PORT, path, cookies.get(who))
        cold, _, _, _ = wrk(uncached_port, path, cookies.get(who))
        ratio = rps / hello_rps
        met = f" ({_yes(ratio >= float(target[3:]))})" if target.startswith(">= ") else ""
        print(
            f"{label:<36}{rps:>9.2f}{p50:>9.0f}{p99:>9.0f}{size / 1024:>7.0f}{ratio:>8.4f}  {target + met:<34}"
            f"{cold:>9.2f}{cold / hello_rps:>8.4f}",
            flush=True,
        )


def _growth(world, cookies: dict[str, str], uncached_port: int) -> None:
    from django.urls import reverse

    slug = world.workspace.slug
    seconds = max(2, SECONDS // 2)
    print(f"\nCost as work grows: one connection, at least {seconds} s each (p50 is one page's time;")
    print(" rendered: the same page with the cache off, where the work grows with the data)")
    print(f"{'page':<28}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'KB':>7}{'rendered p50':>14}")
    p50s = {}
    for label in ("portal dashboard", "portal request list"):
        for key in ("small", "big", "huge"):
            assessment = world.assessments[key]
            path = (
                reverse("portal:dashboard", args=[slug])
                if label == "portal dashboard"
                else reverse("portal:assessment-detail", args=[slug, assessment.pk])
            )
            _, p50, p99, size = wrk(PORT, path, cookies[key], connections=1, seconds=seconds)
            _, cold, _, _ = wrk(uncached_port, path, cookies[key], connections=1, seconds=seconds)
            p50s[label, key] = p50, cold
            print(
                f"{label:<28}{assessment.requests.count():>9}{p50:>9.1f}{p99:>9.1f}{size / 1024:>7.0f}{cold:>14.1f}",
                flush=True,
            )
    for i, what in enumerate(("kept", "rendered")):
        growth = p50s["portal request list", "huge"][i] / p50s["portal request list", "big"][i]
        print(
            f"request list, 3,000 rows / 300 rows, {what}: {growth:.1f}x (target <= 1.5x: {_yes(growth <= 1.5)})"
        )


def _dd_seconds(folder: Path, size_mb: int) -> float:
    target = folder / "dd-bench.bin"
    start = time.perf_counter()
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={target}", "bs=1M", f"count={size_mb}"], check=True, capture_output=True
    )
    elapsed = time.perf_counter() - start
    target.unlink()
    return elapsed


def _multipart_body(boundary: str, size_mb: int):
    """(Content-Length, generator of the body): a PDF header then random megabytes, never all in memory."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench-{size_mb}mb.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    block = os.urandom(MB)
    first = b"%PDF-1.4\n" + block[9:]

    def chunks():
        yield head
        yield first
        for _ in range(size_mb - 1):
            yield block
        yield tail

    return len(head) + size_mb * MB + len(tail), chunks()


def _upload(world, env: dict[str, str], log: Path) -> None:
    from django.conf import settings
    from django.urls import reverse

    from assessments.models import EvidenceFile

    server = Gunicorn("config.wsgi:application", PORT + 2, env, log)  # fresh workers: RSS from a clean start
    try:
        cookie = sign_in_contact(world.contacts["small"], PORT + 2)
        slug, pk = world.workspace.slug, world.upload_request.pk
        page = reverse("portal:request-detail", args=[slug, pk])
        for _ in range(3 * WORKERS):  # both workers have served the page before we measure
            request(PORT + 2, "GET", page, {"Cookie": cookie})
        before = {pid: _status_kb(pid, "VmRSS") for pid in server.workers()}
        boundary = "bench" + secrets.token_hex(12)
        length, body = _multipart_body(boundary, UPLOAD_MB)
        conn = http.client.HTTPConnection("127.0.0.1", PORT + 2, timeout=600)
        start = time.perf_counter()
        conn.putrequest("POST", reverse("portal:request-upload", args=[slug, pk]))
        for name, value in {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Content-Length": str(length),
            "Cookie": cookie,
            "X-CSRFToken": CSRF,
            "X-Requested-With": "XMLHttpRequest",
        }.items():
            conn.putheader(name, value)
        conn.endheaders()
        for chunk in body:
            conn.send(chunk)
        response = conn.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        conn.close()
        growth = max(_status_kb(pid, "VmHWM") - rss for pid, rss in before.items()) / 1024
    finally:
        server.stop()
    stored = EvidenceFile.objects.filter(request_id=pk).first()
    if response.status != 200 or stored is None or stored.size != UPLOAD_MB * MB:
        raise RuntimeError(f"the upload answered {response.status}; stored: {stored and stored.size}")
    dd = _dd_seconds(Path(settings.MEDIA_ROOT), UPLOAD_MB)
    (Path(settings.MEDIA_ROOT) / stored.file.name).unlink()
    up_rate, dd_rate = UPLOAD_MB / elapsed, UPLOAD_MB / dd
    print(f"\nUpload of {UPLOAD_MB} MB through the portal's upload view (multipart over HTTP, streamed)")
    print(f"{'':<36}{'MB/s':>9}{'ratio':>8}  target")
    print(f"{'dd to the same disk':<36}{dd_rate:>9.0f}")
    print(
        f"{'upload':<36}{up_rate:>9.0f}{up_rate / dd_rate:>8.2f}  >= 0.50 ({_yes(up_rate / dd_rate >= 0.5)})"
    )
    print(f"{'worker RSS growth':<36}{growth:>8.1f} MB          < 64 MB ({_yes(growth < 64)})")


def _yes(ok: bool) -> str:
    return "met" if ok else "not met"


def main() -> None:
    from bench._seed import seed

    if shutil.which("wrk") is None:
        print("wrk is not installed (`make bench` installs it): skipped")
        return
    work = Path(tempfile.mkdtemp(prefix="portal-bench-throughput-"))
    try:
        log = work / "gunicorn.log"
        started = time.perf_counter()
        world = seed()
        steps = ", ".join(f"{label} {seconds:.0f} s" for label, seconds in world.timings.items())
        print(f"seeded in {time.perf_counter() - started:.0f} s ({steps})", flush=True)
        env = _production_env(work / "static")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
        )
        hello_env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench._hello"}
        app, hello = Gunicorn("config.wsgi:application", PORT, env, log), None
        try:
            hello = Gunicorn("bench._hello:application", PORT + 1, hello_env, log)
            cookies = {key: sign_in_contact(contact) for key, contact in world.contacts.items()}
            cookies["staff"] = sign_in_staff(world.staff)
            if {"load", "growth"} & set(PARTS):
                uncached = Gunicorn(
                    "config.wsgi:application", PORT + 3, {**env, "FRAGMENT_CACHE_SECONDS": "0"}, log
                )
                try:
                    if "load" in PARTS:
                        _load(world, cookies, PORT + 3)
                    if "growth" in PARTS:
                        _growth(world, cookies, PORT + 3)
                finally:
                    uncached.stop()
        finally:
            app.stop()
            if hello is not None:
                hello.stop()
        if "upload" in PARTS:
            _upload(world, env, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nthroughput bench took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    with django_env():
        main()
