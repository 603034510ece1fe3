"""Portal projects and deliverables: pages, approval through the UI, preview mode without write controls,
visibility toggles (nav, dashboard, feed, URLs) and flat query counts."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import set_visibility
from projects import services
from projects.models import ApprovalStatus, Deliverable, DeliverableVersion, Project, ProjectStatus
from tests.conftest import portal_client
from tests.projects.conftest import pdf_upload

pytestmark = pytest.mark.django_db


def _url(name, *args):
    return reverse(f"portal:{name}", args=["alpha", *args])


def test_project_list_and_page_show_status_dates_and_deliverables(world, project, deliverable, contact_http):
    page = contact_http.get(_url("project-list"))
    assert page.status_code == 200
    (row,) = page.context["projects"]
    assert (row.name, row.n_deliverables, row.n_awaiting) == ("Website redesign", 1, 1)
    assert "1 awaiting your approval" in page.content.decode()
    filtered = contact_http.get(_url("project-list"), {"status": ProjectStatus.COMPLETED})
    assert list(filtered.context["projects"]) == []
    detail = contact_http.get(_url("project-detail", project.pk))
    assert list(detail.context["deliverables"]) == [deliverable]
    assert "started project" in detail.content.decode()  # client wording of the project's events


def test_deliverables_list_is_newest_first_with_a_project_filter(world, project, deliverable, contact_http):
    other = services.create_project(workspace=world.ws, client=world.client, actor=world.owner, name="Brand")
    newer = services.create_deliverable(project=other, upload=pdf_upload(), user=world.owner, title="Logo")
    page = contact_http.get(_url("deliverable-list"))
    assert list(page.context["deliverables"]) == [newer, deliverable]
    only = contact_http.get(_url("deliverable-list"), {"project": project.pk})
    assert list(only.context["deliverables"]) == [deliverable]
    # Another client's project id is no filter at all.
    foreign = services.create_project(
        workspace=world.ws, client=world.other_client, actor=world.owner, name="Theirs"
    )
    assert (
        len(contact_http.get(_url("deliverable-list"), {"project": foreign.pk}).context["deliverables"]) == 2
    )


def test_contact_requests_changes_then_approves_the_new_version(world, deliverable, contact_http):
    detail = _url("deliverable-detail", deliverable.pk)
    v1 = deliverable.current_version
    page = contact_http.get(detail)
    assert page.context["can_decide"] and b'id="approve-btn"' in page.content
    refused = contact_http.post(
        _url("deliverable-decide", deliverable.pk), {"decision": "changes", "version": v1.pk}
    )
    assert refused.status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.approval_status == ApprovalStatus.PENDING  # a comment is required
    contact_http.post(
        _url("deliverable-decide", deliverable.pk),
        {"decision": "changes", "comment": "Darker", "version": v1.pk},
    )
    deliverable.refresh_from_db()
    assert deliverable.approval_status == ApprovalStatus.CHANGES_REQUESTED
    v2 = services.upload_version(deliverable=deliverable, upload=pdf_upload("v2.pdf"), user=world.owner)
    # A stale form (still naming v1) is refused; the current one is accepted.
    contact_http.post(_url("deliverable-decide", deliverable.pk), {"decision": "approve", "version": v1.pk})
    deliverable.refresh_from_db()
    assert deliverable.approval_status == ApprovalStatus.PENDING
    contact_http.post(_url("deliverable-decide", deliverable.pk), {"decision": "approve", "version": v2.pk})
    deliverable.refresh_from_db()
    assert deliverable.approval_status == ApprovalStatus.APPROVED
    page = contact_http.get(detail)
    assert not page.context["can_decide"] and b'id="approve-btn"' not in page.content
    versions = page.context["versions"]
    assert [v.number for v in versions] == [2, 1]


def test_comments_post_and_list(world, deliverable, contact_http):
    url = _url("deliverable-comments", deliverable.pk)
    response = contact_http.post(url, {"body": "Can we see it in blue?"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert [c.body for c in response.context["thread"]] == ["Can we see it in blue?"]
    assert contact_http.get(url).status_code == 302  # without htmx: back to the page


def test_files_download_preview_and_raw(world, deliverable, contact_http):
    v = deliverable.current_version
    download = contact_http.get(_url("deliverable-file-download", v.pk))
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    raw = contact_http.get(_url("deliverable-file-raw", v.pk))
    assert raw.status_code == 200 and raw["X-Content-Type-Options"] == "nosniff"
    preview = contact_http.get(_url("deliverable-file-preview", v.pk))
    assert preview.status_code == 200 and preview.context["file"] == v


def test_preview_mode_renders_no_write_controls_and_refuses_posts(world, deliverable, owner_http):
    owner_http.post(
        reverse(
            "accounts:portal-preview", kwargs={"client_id": world.client.pk, "contact_id": world.contact.pk}
        )
    )
    page = owner_http.get(_url("deliverable-detail", deliverable.pk))
    body = page.content.decode()
    assert page.status_code == 200 and "Preview Mode" in body
    assert not page.context["can_decide"]
    assert 'id="decision-form"' not in body and 'id="approve-btn"' not in body
    assert 'class="thread-form"' not in body and 'id="thread-read-only"' in body
    refused = owner_http.post(_url("deliverable-decide", deliverable.pk), {"decision": "approve"})
    assert refused.status_code == 403
    deliverable.refresh_from_db()
    assert deliverable.approval_status == ApprovalStatus.PENDING


def _nav(response) -> list[str]:
    return [i.key for i in response.context["portal_nav"]]


def _widgets(response) -> list[str]:
    return [w.section.key for w in response.context["widgets"]]


@pytest.mark.parametrize(
    ("section", "urls", "verb"),
    [
        ("projects", ["project-list", ("project-detail", "project")], "project.created"),
        (
            "deliverables",
            [
                "deliverable-list",
                ("deliverable-detail", "deliverable"),
                ("deliverable-file-download", "version"),
            ],
            "deliverable.uploaded",
        ),
        ("contracts", ["contract-list"], None),
        ("invoices", ["invoice-list"], None),
        ("proposals", ["proposal-list"], None),
    ],
)
def test_hiding_a_section_hides_nav_widget_feed_and_urls_at_once(
    world, project, deliverable, section, urls, verb
):
    http = portal_client(world.contact)
    objs = {"project": project.pk, "deliverable": deliverable.pk, "version": deliverable.current_version_id}
    paths = [_url(u) if isinstance(u, str) else _url(u[0], objs[u[1]]) for u in urls]
    dashboard = http.get(_url("dashboard"))
    assert section in _nav(dashboard) and section in _widgets(dashboard)
    if verb:
        assert verb in [e.verb for e in dashboard.context["events"]]
    assert all(http.get(p).status_code == 200 for p in paths)
    set_visibility(client=world.client, actor=world.owner, hidden={section})
    dashboard = http.get(_url("dashboard"))
    assert section not in _nav(dashboard) and section not in _widgets(dashboard)
    if verb:
        assert verb not in [e.verb for e in dashboard.context["events"]]
    assert [http.get(p).status_code for p in paths] == [404] * len(paths)


def test_dashboard_widgets_show_active_projects_recent_deliverables_and_empty_states(
    world, project, deliverable
):
    services.create_project(
        workspace=world.ws,
        client=world.client,
        actor=world.owner,
        name="Old site",
        status=ProjectStatus.COMPLETED,
    )
    http = portal_client(world.contact)
    body = http.get(_url("dashboard")).content.decode()
    assert 'id="projects-widget"' in body and "Website redesign" in body
    assert "Old site" not in body.split('id="projects-widget"')[1].split("</section>")[0]
    assert "1 deliverable awaiting your approval" in body
    assert "No outstanding invoices" in body or "no outstanding invoices" in body
    assert "No proposals waiting for you" in body
    assert "No contracts in force" in body


def _deliverables(project, user, n):
    """n deliverables with one version each, inserted in bulk (the upload path is tested elsewhere)."""
    rows = Deliverable.objects.bulk_create([Deliverable(project=project, title=f"D{i}") for i in range(n)])
    versions = DeliverableVersion.objects.bulk_create(
        [
            DeliverableVersion(
                deliverable=d,
                number=1,
                file=f"deliverables/x{d.pk}",
                original_name=f"d{d.pk}.pdf",
                size=10,
                content_type="application/pdf",
                sha256="0" * 64,
                uploaded_by_user=user,
            )
            for d in rows
        ]
    )
    for d, v in zip(rows, versions, strict=True):
        d.current_version, d.version_count = v, 1
    Deliverable.objects.bulk_update(rows, ["current_version", "version_count"])


def _count(http, url) -> int:
    cache.clear()  # the page as rendered (its queries), not as kept or from its cached fragments
    with CaptureQueriesContext(connection) as ctx:
        assert http.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_stay_flat_for_a_project_with_200_deliverables(world, project, owner_http):
    http = portal_client(world.contact)
    _deliverables(project, world.owner, 2)
    pages = {
        "portal project": _url("project-detail", project.pk),
        "portal deliverables": _url("deliverable-list"),
        "staff project": reverse("projects:project-detail", args=[project.pk]),
    }
    for k, u in pages.items():  # warm up: a session's first request stamps it (staff idle timeout)
        (owner_http if k.startswith("staff") else http).get(u)
    small = {k: _count(owner_http if k.startswith("staff") else http, u) for k, u in pages.items()}
    _deliverables(project, world.owner, 198)
    for k, url in pages.items():
        client = owner_http if k.startswith("staff") else http
        assert _count(client, url) == small[k], k


def test_dashboard_query_count_is_flat_with_100_projects(world, deliverable, django_assert_max_num_queries):
    http = portal_client(world.contact)

    def add(n, prefix):
        Project.objects.bulk_create(
            [
                Project(
                    workspace=world.ws, client=world.client, name=f"{prefix}{i}", status=ProjectStatus.ACTIVE
                )
                for i in range(n)
            ]
        )

    add(2, "P")
    few = {name: _count(http, _url(name)) for name in ("dashboard", "project-list")}
    add(97, "Q")  # 100 with the fixture's
    assert Project.objects.filter(client=world.client).count() == 100
    for name, count in few.items():
        with django_assert_max_num_queries(count):
            assert http.get(_url(name)).status_code == 200
