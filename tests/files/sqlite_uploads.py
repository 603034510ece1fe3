"""Run by test_sqlite_concurrency.py in a subprocess: six parallel evidence uploads on the laptop set-up
(SQLite file database, local media). Prints how many were stored and the errors of the rest."""

from __future__ import annotations

import json
import os
import sys
import threading

import django

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts.models import Client, Contact, Workspace  # noqa: E402
from assessments import services  # noqa: E402
from assessments.models import Assessment, AssessmentAccess, EvidenceRequest  # noqa: E402

call_command("migrate", verbosity=0)
ws = Workspace.objects.create(name="Lite", slug="lite")
client = Client.objects.create(workspace=ws, name="Lite Co", portal_enabled=True)
contact = Contact.objects.create(workspace=ws, client=client, email="c@lite.example")
assessment = Assessment.objects.create(workspace=ws, client=client, name="A")
AssessmentAccess.objects.create(assessment=assessment, contact=contact)
evidence = EvidenceRequest.objects.create(assessment=assessment, requirement="1.1", title="T")
connection.close()

N = int(sys.argv[1]) if len(sys.argv) > 1 else 6
start = threading.Barrier(N)
results: list[str] = []


def upload(i: int) -> None:
    pdf = b"%PDF-1.4\n" + bytes(str(i), "ascii") * 300_000 + b"\n%%EOF\n"
    start.wait()
    try:
        services.upload_file(
            evidence=EvidenceRequest.objects.get(pk=evidence.pk),
            upload=SimpleUploadedFile(f"f{i}.pdf", pdf),
            contact=contact,
        )
        results.append("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        results.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()


threads = [threading.Thread(target=upload, args=(i,)) for i in range(N)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(json.dumps({"stored": evidence.files.count(), "results": results}))
