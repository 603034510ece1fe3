"""Demo seed step of `proposals` (core/demo.py): contracts and proposals for the `studio` workspace's
clients, after the projects step created them (ctx.objects). Proposals come in every state (draft, sent,
viewed, accepted with its signature and a contract signed from it, declined, expired, withdrawn), all made
through the services, so their events, versions and evidence are real. Idempotent."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Contact
from core.demo import DemoContext, demo_pdf
from proposals import canonical, compose, consent, services, signing, workflow
from proposals.compose import DraftData, ItemData
from proposals.models import Contract, ContractStatus, Proposal

CONTRACTS = [
    # (client key, project name or "", title, status)
    ("brightleaf", "Website redesign", "Website redesign: statement of work", ContractStatus.SIGNED),
    ("brightleaf", "", "Master services agreement", ContractStatus.ACTIVE),
    ("brightleaf", "Annual report 2026", "Annual report: statement of work", ContractStatus.DRAFT),
    ("harbour", "Mobile ordering app", "Mobile app: statement of work", ContractStatus.SENT),
    ("harbour", "Menu photography", "Photography agreement", ContractStatus.TERMINATED),
]


def seed_step(ctx: DemoContext) -> None:
    ws = ctx.objects.get("studio_workspace")
    if ws is None:
        return
    staff, clients, projects = (
        ctx.objects["studio_staff"],
        ctx.objects["studio_clients"],
        ctx.objects["studio_projects"],
    )
    today = timezone.localdate()
    for key, project_name, title, status in CONTRACTS:
        if Contract.objects.filter(workspace=ws, client=clients[key], title=title).exists():
            continue
        services.create_contract(
            workspace=ws,
            client=clients[key],
            actor=staff,
            title=title,
            status=status,
            project=projects.get(project_name),
            start_date=today - timedelta(days=30),
            end_date=today + timedelta(days=335),
            upload=SimpleUploadedFile(f"{title}.pdf".replace(":", ""), demo_pdf(title)),
        )
    seed_proposals(ctx)


CLIENT_IP, CLIENT_UA = "203.0.113.24", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15 (demo)"
TERMS = (
    "- 30% deposit on acceptance, the balance on delivery; invoices are due within 14 days.\n"
    "- Two rounds of revisions are included; more are billed at the day rate.\n"
    "- You own the final files once paid in full."
)

PROPOSALS = [
    # (client key, title, state, items [(description, qty, price, optional, ticked)], content)
    (
        "brightleaf",
        "Spring campaign: landing pages",
        "accepted",
        [
            ("Campaign concept and moodboard", "1", "2400.00", False, False),
            ("Landing page design (desktop and mobile)", "3", "1200.00", False, False),
            ("Build and launch", "1", "3000.00", False, False),
            ("A/B test variant", "1", "900.00", True, False),
            ("Analytics dashboard", "1", "650.00", True, True),
        ],
        "### The idea\n\nThree landing pages for the **spring launch**, built on the new design system.\n\n"
        "### Timeline\n\n| Week | What |\n| --- | --- |\n| 1 | Concept |\n| 2-3 | Design |\n| 4 | Build |\n",
    ),
    (
        "brightleaf",
        "Website care plan 2027",
        "viewed",
        [
            ("Monthly care and updates", "12", "350.00", False, False),
            ("Quarterly performance review", "4", "400.00", True, True),
            ("Priority support (4-hour response)", "12", "120.00", True, False),
        ],
        "Keep the new site fast, safe and up to date all year: updates, backups, uptime monitoring.",
    ),
    (
        "brightleaf",
        "Illustration set",
        "sent",
        [
            ("Custom illustrations", "12", "280.00", False, False),
            ("Animated versions", "4", "350.00", True, False),
        ],
        "Twelve illustrations in the new brand style for the website and social media.",
    ),
    (
        "brightleaf",
        "Photography day",
        "draft",
        [
            ("Photographer, full day", "1", "1800.00", False, False),
            ("Retouching", "40", "15.00", False, False),
        ],
        "A full day of product and team photography at your office.",
    ),
    (
        "brightleaf",
        "Trade show booth",
        "expired",
        [("Booth graphics", "1", "2200.00", False, False)],
        "Graphics for the autumn trade show booth.",
    ),
    (
        "harbour",
        "Loyalty app: phase 2",
        "declined",
        [
            ("Discovery workshop", "1", "1500.00", False, False),
            ("Design and prototype", "1", "9800.00", False, False),
        ],
        "Phase 2 adds the loyalty programme to the ordering app.",
    ),
    (
        "harbour",
        "Menu redesign",
        "withdrawn",
        [("Menu layout", "1", "900.00", False, False)],
        "A new printed and digital menu.",
    ),
]


def _draft(title: str, items, content: str) -> DraftData:
    return DraftData(
        title=title,
        currency="EUR",
        content_markdown=content,
        terms_markdown=TERMS,
        tax_rate=Decimal("20"),
        deposit_percent=Decimal("30"),
        items=[
            ItemData(d, Decimal(q), Decimal(p), optional=o, selected_by_default=t) for d, q, p, o, t in items
        ],
    )


def _signer(contact: Contact) -> signing.SignerInput:
    version, _ = consent.current()
    return signing.SignerInput(
        contact=contact,
        signer_name=contact.name or contact.email,
        consent=True,
        consent_version=version,
        ip=CLIENT_IP,
        user_agent=CLIENT_UA,
    )


def seed_proposals(ctx: DemoContext) -> None:
    ws, staff, clients = (
        ctx.objects["studio_workspace"],
        ctx.objects["studio_staff"],
        ctx.objects["studio_clients"],
    )
    today = timezone.localdate()
    for key, title, state, items, content in PROPOSALS:
        client = clients[key]
        if Proposal.objects.filter(workspace=ws, client=client, title=title).exists():
            continue
        contact = Contact.objects.for_client(client).active().order_by("pk").first()
        proposal = compose.create_proposal(
            workspace=ws,
            client=client,
            actor=staff,
            draft=_draft(title, items, content),
            expires_on=today + timedelta(days=21),
        )
        if state == "draft":
            continue
        proposal = workflow.send_proposal(
            proposal=proposal,
            actor=staff,
            expires_on=proposal.expires_on,
            create_project=state == "accepted",
            create_invoice=state == "accepted",
            ip="198.51.100.10",
            user_agent="Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0 (demo)",
        )
        if state in ("viewed", "accepted", "declined"):
            workflow.record_view(proposal=proposal, contact=contact, ip=CLIENT_IP, user_agent=CLIENT_UA)
        version = proposal.current_version
        if state == "accepted":
            optional = [i.pk for i in version.ordered_items() if i.optional]
            signing.accept_proposal(
                proposal=proposal,
                signer=_signer(contact),
                version_id=version.pk,
                selected_item_ids=optional[:1],
            )
            contract = services.contract_from_proposal(proposal=proposal, actor=staff)
            contract = services.send_contract(contract=contract, actor=staff)
            signing.sign_contract(
                contract=contract,
                signer=_signer(contact),
                content_sha256_seen=canonical.contract_sha256(contract),
            )
        elif state == "declined":
            workflow.decline_proposal(
                proposal=proposal,
                contact=contact,
                version_id=version.pk,
                reason="We are pausing the loyalty programme until next spring.",
                ip=CLIENT_IP,
                user_agent=CLIENT_UA,
            )
        elif state == "expired":
            Proposal.objects.filter(pk=proposal.pk).update(expires_on=today - timedelta(days=3))
            workflow.expire_due(today=today)
        elif state == "withdrawn":
            workflow.withdraw_proposal(proposal=proposal, actor=staff, reason="Replaced by a full rebrand.")
