"""Staff pages: compose with the htmx pricing editor (add, remove, live totals from the server), save,
send with the follow-up choices, withdraw, the list, versions, the hub tab."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from activity.models import Event
from proposals.models import Proposal, ProposalStatus
from tests.proposals.helpers import compose_data, items_by_name

pytestmark = pytest.mark.django_db


def test_compose_add_remove_and_live_totals(world, owner_http):
    url = reverse("proposals:proposal-create")
    page = owner_http.get(url, {"client": world.client.pk})
    assert page.status_code == 200 and page.context["form"].initial["client"] == str(world.client.pk)
    added = owner_http.post(
        url, compose_data(world.client, action="add_item"), headers={"HX-Request": "true"}
    )
    assert added.status_code == 200 and len(added.context["items"].forms) == 3
    assert added["HX-Trigger"] == "items-changed"
    assert [t.name for t in added.templates][0] == "proposals/_items_editor.html"
    removed = owner_http.post(
        url, compose_data(world.client, action="remove_item", remove="0"), headers={"HX-Request": "true"}
    )
    assert [f.initial["description"] for f in removed.context["items"].forms] == ["Guidelines"]
    # Without JavaScript the Remove button posts `remove` alone and gets the whole page back.
    plain = owner_http.post(url, {**compose_data(world.client), "remove": "1"})
    assert [t.name for t in plain.templates][0] == "proposals/proposal_compose.html"
    assert len(plain.context["items"].forms) == 1
    totals = owner_http.post(url, compose_data(world.client, action="totals"), headers={"HX-Request": "true"})
    # 1000 - 10% = 900, + 20% tax = 1080; with the optional 500 too: 1500 - 150 + 270 = 1620.
    assert totals.context["totals"].total == Decimal("1080.00")
    assert totals.context["all_totals"].total == Decimal("1620.00")
    assert "€1,080.00" in totals.content.decode()
    assert not Proposal.objects.exists()  # none of that saved anything


def test_compose_saves_and_shows_field_errors(world, owner_http):
    url = reverse("proposals:proposal-create")
    bad = owner_http.post(
        url, compose_data(world.client, **{"items-0-unit_price": "1.999", "items-1-description": ""})
    )
    assert bad.status_code == 200 and not Proposal.objects.exists()
    items = bad.context["items"]
    assert items.forms[0].errors["unit_price"] and items.forms[1].errors["description"]
    saved = owner_http.post(url, compose_data(world.client))
    proposal = Proposal.objects.get()
    assert saved.status_code == 302 and saved["Location"] == reverse(
        "proposals:proposal-detail", args=[proposal.pk]
    )
    version = proposal.versions.get()
    assert (version.total, version.deposit_percent, proposal.status) == (
        Decimal("1080.00"),
        Decimal(50),
        "draft",
    )
    assert [i.optional for i in version.ordered_items()] == [False, True]
    # Editing goes back through the same page, prefilled.
    edit = owner_http.get(reverse("proposals:proposal-edit", args=[proposal.pk]))
    assert edit.context["form"].initial["title"] == "Brand refresh" and len(edit.context["items"].forms) == 2


def test_send_then_withdraw_from_the_proposal_page(
    world, owner_http, draft_proposal, mailoutbox, django_capture_on_commit_callbacks
):
    detail = reverse("proposals:proposal-detail", args=[draft_proposal.pk])
    assert owner_http.get(detail).context["can_send"]
    past = owner_http.post(
        reverse("proposals:proposal-send", args=[draft_proposal.pk]),
        {"expires_on": (timezone.localdate() - timedelta(days=1)).isoformat()},
        follow=True,
    )
    assert "has passed" in past.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        owner_http.post(
            reverse("proposals:proposal-send", args=[draft_proposal.pk]),
            {"expires_on": (timezone.localdate() + timedelta(days=14)).isoformat(), "create_project": "on"},
        )
    draft_proposal.refresh_from_db()
    assert draft_proposal.status == ProposalStatus.SENT and draft_proposal.create_project_on_accept
    [mail] = mailoutbox
    assert mail.to == [world.contact.email] and "/p/alpha/proposals/" in mail.body
    owner_http.post(
        reverse("proposals:proposal-withdraw", args=[draft_proposal.pk]), {"reason": "Scope changed"}
    )
    draft_proposal.refresh_from_db()
    assert draft_proposal.status == ProposalStatus.WITHDRAWN
    event = Event.objects.get(verb="proposal.withdrawn")
    assert event.data["reason"] == "Scope changed" and event.chain_key == draft_proposal.audit_chain_key


def test_a_deposit_invoice_needs_a_deposit_percentage(world, owner_http):
    from proposals import compose
    from tests.proposals.helpers import draft_data

    proposal = compose.create_proposal(
        workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data(deposit_percent=None)
    )
    response = owner_http.post(
        reverse("proposals:proposal-send", args=[proposal.pk]), {"create_invoice": "on"}, follow=True
    )
    assert "Set a deposit percentage" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT


def test_list_filters_versions_page_and_hub_tab(world, owner_http, proposal, draft_proposal):
    listing = owner_http.get(reverse("proposals:proposal-list"), {"status": "sent"})
    assert list(listing.context["proposals"]) == [proposal]
    version = proposal.current_version
    page = owner_http.get(reverse("proposals:proposal-version", args=[proposal.pk, version.pk]))
    assert page.context["recomputed"] == version.content_sha256
    assert "Design" in page.content.decode() and items_by_name(version)["Design"].amount == Decimal("4000.00")
    client_page = owner_http.get(reverse("accounts:client-detail", args=[world.client.pk])).content.decode()
    assert f"/app/proposals/?client={world.client.pk}" in client_page


def test_a_never_sent_draft_is_deleted_a_sent_one_withdrawn(world, owner_http, proposal):
    from proposals import compose
    from proposals.models import Proposal as P
    from tests.proposals.helpers import draft_data

    draft_proposal = compose.create_proposal(
        workspace=world.ws, client=world.client, actor=world.owner, draft=draft_data("Never sent")
    )
    assert (
        owner_http.post(reverse("proposals:proposal-withdraw", args=[draft_proposal.pk])).status_code == 302
    )
    assert P.objects.get(pk=draft_proposal.pk).status == ProposalStatus.DRAFT  # refused: delete it instead
    owner_http.post(reverse("proposals:proposal-delete", args=[draft_proposal.pk]))
    assert not P.objects.filter(pk=draft_proposal.pk).exists()
    assert Event.objects.filter(verb="proposal.deleted").count() == 1
    owner_http.post(reverse("proposals:proposal-delete", args=[proposal.pk]))
    assert P.objects.filter(pk=proposal.pk).exists()  # sent: a record, never deleted


def test_sent_revised_and_reminder_mails_say_which(
    world, proposal, mailoutbox, django_capture_on_commit_callbacks
):
    from proposals import compose, workflow
    from tests.proposals.helpers import draft_data

    assert mailoutbox[-1].subject == "Proposal from Alpha Assurance: Website redesign"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_proposal(proposal=proposal, actor=world.owner, expires_on=proposal.expires_on)
    assert mailoutbox[-1].subject == "Reminder: Website redesign awaits your answer"
    compose.save_draft(proposal=proposal, actor=world.owner, draft=draft_data("Website redesign"))
    with django_capture_on_commit_callbacks(execute=True):
        workflow.send_proposal(proposal=proposal, actor=world.owner, expires_on=proposal.expires_on)
    assert mailoutbox[-1].subject == "New version of Website redesign" and "(v2)" in mailoutbox[-1].body
