"""Page cost as data grows: queries and render time of the busiest pages at 30 and 300 requests.

Prints, for the staff assessment page, the staff inbox, the portal dashboard and the portal request list:
the number of SQL queries (should not grow with rows) and the median render time of 15 requests.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import django_env  # noqa: E402


def _world(n_requests: int, tag: str):
    from accounts.models import Client, Contact, LinkPurpose, Membership, Role, User, Workspace
    from accounts.services import issue_magic_link
    from assessments.models import Assessment, AssessmentAccess, EvidenceRequest, Priority, Status

    ws = Workspace.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}", plan="team")
    user = User.objects.create_user(email=f"staff-{tag}@bench.example", password="bench-pass-1234")
    Membership.objects.create(user=user, workspace=ws, role=Role.OWNER)
    client = Client.objects.create(workspace=ws, name=f"Client {tag}", portal_enabled=True)
    contact = Contact.objects.create(client=client, workspace=ws, email=f"c-{tag}@bench.example")
    assessment = Assessment.objects.create(client=client, workspace=ws, name="ROC", lead=user)
    AssessmentAccess.objects.create(assessment=assessment, contact=contact)
    statuses, priorities = list(Status.values), list(Priority.values)
    EvidenceRequest.objects.bulk_create(
        [
            EvidenceRequest(
                assessment=assessment,
                requirement=f"{i % 12 + 1}.{i // 12 + 1}.{i % 7}",
                requirement_key=f"{i:08d}",
                title=f"Request {i}",
                status=statuses[i % len(statuses)],
                priority=priorities[i % len(priorities)],
            )
            for i in range(n_requests)
        ]
    )
    link = issue_magic_link(contact=contact, purpose=LinkPurpose.LOGIN)
    return ws, user, assessment, link


def _measure(http, url: str) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = http.get(url)
        queries = len(ctx.captured_queries)  # read now: the next request resets Django's query log
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(15):
        start = time.perf_counter()
        http.get(url)
        times.append(time.perf_counter() - start)
    return queries, statistics.median(times) * 1000


def main() -> None:
    from django.conf import settings
    from django.test import Client as HttpClient
    from django.urls import reverse

    print(f"{'page':<28}{'rows':>6}{'queries':>9}{'median ms':>11}")
    for n in (30, 300):
        ws, user, assessment, link = _world(n, str(n))
        staff = HttpClient()
        staff.force_login(user)
        contact = HttpClient()
        path, _, fragment = link.removeprefix(settings.SITE_URL).partition("#t=")
        contact.post(path, {"step": "sign-in", "token": fragment})  # what the Sign in button posts
        pages = [
            ("staff assessment page", staff, reverse("assessments:assessment-detail", args=[assessment.pk])),
            ("staff inbox", staff, reverse("assessments:inbox")),
            ("portal dashboard", contact, reverse("portal:dashboard", args=[ws.slug])),
            (
                "portal request list",
                contact,
                reverse("portal:assessment-detail", args=[ws.slug, assessment.pk]),
            ),
        ]
        for label, http, url in pages:
            queries, ms = _measure(http, url)
            print(f"{label:<28}{n:>6}{queries:>9}{ms:>11.1f}")


if __name__ == "__main__":
    with django_env():
        main()
