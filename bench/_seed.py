"""Seed a large workspace for the throughput bench (bench/throughput.py): bulk inserts where the rows need
no service logic, the services where they do (invoices, proposals), so a run takes well under a minute.

One workspace with 200 clients (a contact each), three of which carry the measured data:
- `big`: the 300-request assessment, 100 projects, 200 deliverables (a version each), 500 invoices and
  50 proposals (the measured proposal is sent);
- `huge`: the 3,000-request assessment; `small`: a 30-request assessment (and the upload's request).
Requests have files (rows; the list pages never read the bytes) and messages.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

N_CLIENTS = 200
N_PROJECTS = 100
N_DELIVERABLES = 200
N_INVOICES = 500
N_PROPOSALS = 50
SIZES = {"small": 30, "big": 300, "huge": 3000}


@dataclass
class World:
    workspace: object
    staff: object
    contacts: dict = field(default_factory=dict)  # "small" | "big" | "huge" -> Contact
    assessments: dict = field(default_factory=dict)  # same keys -> Assessment
    proposal: object = None
    upload_request: object = None
    timings: dict = field(default_factory=dict)  # seeding step -> seconds


def _evidence(assessment, n: int, staff, contact) -> None:
    from django.utils import timezone

    from assessments.models import (
        EvidenceFile,
        EvidenceRequest,
        Priority,
        RequestMessage,
        Status,
        requirement_sort_key,
    )

    statuses, priorities = list(Status.values), list(Priority.values)
    today = timezone.localdate()
    rows = []
    for i in range(n):
        requirement = f"{i % 12 + 1}.{i // 12 % 9 + 1}.{i // 108 + 1}"
        rows.append(
            EvidenceRequest(
                assessment=assessment,
                requirement=requirement,
                requirement_key=requirement_sort_key(requirement),
                title=f"Evidence item {i}: network segmentation test results",
                description="Provide the **current** document.",
                description_html="<p>Provide the <strong>current</strong> document.</p>",
                status=statuses[i % len(statuses)],
                priority=priorities[i % len(priorities)],
                due_date=today + timedelta(days=i % 40 - 10),
                submission_round=1,
            )
        )
    requests = EvidenceRequest.objects.bulk_create(rows, batch_size=1000)
    digest = hashlib.sha256(b"bench").hexdigest()
    files = [
        EvidenceFile(
            request=r,
            file=f"evidence/bench/{uuid.uuid4().hex}",
            original_name=f"evidence-{r.pk}.pdf",
            size=123_456,
            content_type="application/pdf",
            sha256=digest,
            uploaded_by_contact=contact,
            submission_round=1,
        )
        for r in requests
        if r.pk % 2 == 0
    ]
    EvidenceFile.objects.bulk_create(files, batch_size=1000)
    messages = []
    for r in requests:
        if r.pk % 3 == 0:
            messages.append(RequestMessage(request=r, author_contact=contact, body="Uploaded the latest."))
            messages.append(RequestMessage(request=r, author_user=staff, body="Thanks, reviewing."))
    RequestMessage.objects.bulk_create(messages, batch_size=1000)


def _projects(ws, staff, clients, big) -> None:
    from django.utils import timezone

    from projects.models import ApprovalStatus, Deliverable, DeliverableVersion, Project, ProjectStatus

    statuses = list(ProjectStatus.values)
    today = timezone.localdate()
    projects = Project.objects.bulk_create(
        [
            Project(
                workspace=ws,
                client=big if i < 20 else clients[i % len(clients)],
                name=f"Project {i}: website redesign",
                status=statuses[i % len(statuses)],
                start_date=today - timedelta(days=30),
                end_date=today + timedelta(days=i),
                budget=Decimal("12000.00"),
                created_by=staff,
            )
            for i in range(N_PROJECTS)
        ]
    )
    mine = [p for p in projects if p.client_id == big.pk]
    approvals = list(ApprovalStatus.values)
    deliverables = Deliverable.objects.bulk_create(
        [
            Deliverable(
                project=mine[i % len(mine)],
                title=f"Deliverable {i}: wireframes",
                approval_status=approvals[i % len(approvals)],
                version_count=1,
                created_by=staff,
            )
            for i in range(N_DELIVERABLES)
        ]
    )
    digest = hashlib.sha256(b"bench").hexdigest()
    versions = DeliverableVersion.objects.bulk_create(
        [
            DeliverableVersion(
                deliverable=d,
                number=1,
                file=f"deliverables/bench/{uuid.uuid4().hex}",
                original_name=f"deliverable-{d.pk}.pdf",
                size=654_321,
                content_type="application/pdf",
                sha256=digest,
                uploaded_by_user=staff,
            )
            for d in deliverables
        ]
    )
    for d, v in zip(deliverables, versions, strict=True):
        d.current_version = v
    Deliverable.objects.bulk_update(deliverables, ["current_version"])


def _invoices(ws, staff, clients, big) -> None:
    """One invoice made by the service (totals, bill-to, lines as billing computes them), cloned in bulk:
    most numbered and sent or paid (finalising one by one would render a PDF each)."""
    from django.utils import timezone

    from billing import services
    from billing.models import Invoice, InvoiceLine, InvoiceStatus
    from core.money import PricedLine

    today = timezone.localdate()
    template = services.create_invoice(
        workspace=ws,
        client=big,
        actor=staff,
        currency="EUR",
        lines=[
            PricedLine(description="Design sprint", quantity=Decimal("2"), unit_price=Decimal("1450")),
            PricedLine(
                description="Stock imagery licences", quantity=Decimal("12"), unit_price=Decimal("29.50")
            ),
        ],
        issue_date=today,
        due_date=today + timedelta(days=30),
        tax_rate=Decimal(20),
    )
    lines = list(template.lines.all())
    now = timezone.now()
    copies = []
    for n in range(1, N_INVOICES):
        copy = Invoice.objects.get(pk=template.pk)
        copy.pk = None
        copy.client = big if n % 5 == 0 else clients[n % len(clients)]
        copy.bill_to_name = copy.client.name
        copy.issue_date = today - timedelta(days=n % 90)
        copy.due_date = copy.issue_date + timedelta(days=30)
        if n % 10:
            copy.status = InvoiceStatus.PAID if n % 3 == 0 else InvoiceStatus.SENT
            copy.number = f"INV-{n:05d}"
            copy.finalised_at = copy.sent_at = now
            if copy.status == InvoiceStatus.PAID:
                copy.amount_paid, copy.paid_at = copy.total, now
        copies.append(copy)
    copies = Invoice.objects.bulk_create(copies, batch_size=500)
    clones = []
    for invoice in copies:
        for line in lines:
            line.pk, line.invoice = None, invoice
            clones.append(
                InvoiceLine(
                    **{f.attname: getattr(line, f.attname) for f in InvoiceLine._meta.concrete_fields}
                )
            )
    InvoiceLine.objects.bulk_create(clones, batch_size=1000)


def _proposals(ws, staff, clients, big):
    from django.utils import timezone

    from proposals import compose, workflow
    from proposals.compose import DraftData, ItemData

    today = timezone.localdate()
    items = [
        ItemData(
            "Discovery workshop", Decimal("1"), Decimal("1450"), optional=False, selected_by_default=False
        ),
        ItemData("Wireframes", Decimal("3"), Decimal("900"), optional=False, selected_by_default=False),
        ItemData("Brand refresh", Decimal("1"), Decimal("2400"), optional=True, selected_by_default=True),
    ]
    measured = None
    for i in range(N_PROPOSALS):
        proposal = compose.create_proposal(
            workspace=ws,
            client=big if i % 5 == 0 else clients[i % len(clients)],
            actor=staff,
            draft=DraftData(
                title=f"Proposal {i}: website redesign",
                currency="EUR",
                content_markdown="## Scope\n\nA new website in **three** phases.\n\n- Discovery\n- Design\n",
                terms_markdown="Payment within 30 days.",
                tax_rate=Decimal("20"),
                deposit_percent=Decimal("30"),
                items=items,
            ),
            expires_on=today + timedelta(days=21),
        )
        if i == 0:
            measured = workflow.send_proposal(proposal=proposal, actor=staff, expires_on=proposal.expires_on)
    return measured


def seed() -> World:
    from django.utils import timezone

    from accounts.models import Client, Contact, Membership, Role, User, Workspace
    from assessments.models import Assessment, AssessmentAccess, EvidenceRequest, Status

    ws = Workspace.objects.create(name="Throughput Bench", slug="throughput", plan="team")
    staff = User.objects.create_user(email="staff@throughput.example", password="bench-pass-1234")
    Membership.objects.create(user=staff, workspace=ws, role=Role.OWNER)
    now = timezone.now()
    clients = Client.objects.bulk_create(
        [
            Client(workspace=ws, name=f"Client {i:03d}", portal_enabled=True, portal_enabled_at=now)
            for i in range(N_CLIENTS)
        ]
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(workspace=ws, client=c, email=f"contact{i}@client{i}.example", name=f"Contact {i}")
            for i, c in enumerate(clients)
        ]
    )
    world = World(workspace=ws, staff=staff)
    mark = time.perf_counter()

    def step(label: str) -> None:
        nonlocal mark
        world.timings[label] = time.perf_counter() - mark
        mark = time.perf_counter()

    for n, key in enumerate(SIZES):
        client, contact = clients[n], contacts[n]
        assessment = Assessment.objects.create(
            client=client, workspace=ws, name=f"PCI DSS ROC ({SIZES[key]} requests)", lead=staff
        )
        AssessmentAccess.objects.create(assessment=assessment, contact=contact)
        _evidence(assessment, SIZES[key], staff, contact)
        world.contacts[key], world.assessments[key] = contact, assessment
    step("clients and assessments")
    big = clients[1]
    _projects(ws, staff, clients, big)
    step("projects")
    _invoices(ws, staff, clients, big)
    step("invoices")
    world.proposal = _proposals(ws, staff, clients, big)
    step("proposals")
    world.upload_request = EvidenceRequest.objects.create(
        assessment=world.assessments["small"], requirement="99.1", title="Upload bench", status=Status.OPEN
    )
    return world
