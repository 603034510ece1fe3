from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from assessments.models import Assessment, EvidenceFile, EvidenceRequest, RequestMessage, Status


def test_seed_demo_builds_a_lived_in_assessment_idempotently(db, settings):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assessment = Assessment.objects.get(workspace__slug="demo")
    requests = EvidenceRequest.objects.filter(assessment=assessment)
    assert 38 <= requests.count() <= 45
    assert set(requests.values_list("status", flat=True)) == set(Status.values)
    assert requests.overdue().exists()
    assert {r.requirement.split(".")[0] for r in requests} == {str(n) for n in range(1, 13)}
    assert EvidenceFile.objects.filter(request__assessment=assessment).count() > 10
    assert RequestMessage.objects.filter(request__assessment=assessment).exists()
    assert assessment.accesses.exists()
    first_lines = out.getvalue().splitlines()[-4:]
    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert Assessment.objects.filter(workspace__slug="demo").count() == 1
    assert EvidenceRequest.objects.filter(assessment=assessment).count() == requests.count()
    assert again.getvalue().splitlines()[-4:] == first_lines


def test_the_demo_assessment_verifies_clean(db, settings, tmp_path):
    """Its history (files, messages, decisions) is on the chain: Verify integrity on the demo finds nothing,
    and no demo message emailed anyone."""
    from django.core import mail

    from assessments.integrity import verify_assessment

    settings.MEDIA_ROOT = str(tmp_path)  # checkpoints of this database only
    call_command("seed_demo", stdout=StringIO())
    assessment = Assessment.objects.get(workspace__slug="demo")
    assert RequestMessage.objects.filter(request__assessment=assessment).count() >= 4
    report = verify_assessment(assessment=assessment)
    assert report.ok, [str(p) for p in report.problems]
    assert not [m for m in mail.outbox if "message" in m.subject.lower()]


def test_seed_demo_ends_with_the_three_login_lines(db):
    """The demo's three login lines, followed only by the other demos' (the agency's `agency-` lines)."""
    out = StringIO()
    call_command("seed_demo", stdout=out)
    lines = out.getvalue().splitlines()
    at = lines.index("staff: demo@portal.localhost demo-portal-2026")
    last, after = lines[at : at + 3], lines[at + 3 :]
    assert after and all(line.startswith("agency-") for line in after)
    assert last[0] == "staff: demo@portal.localhost demo-portal-2026"
    assert last[1] == "contact: jordan@acme-payments.example"
    assert last[2].startswith("portal: http") and last[2].endswith("/p/demo/login")
