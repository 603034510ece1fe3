"""Staff view for chain-of-custody verification of an assessment."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from accounts.decorators import staff_required
from assessments.integrity import verify_and_record
from assessments.views import get_assessment_for_staff
from core.types import StaffRequest


@require_POST
@staff_required
def assessment_verify(request: StaffRequest, assessment_id: int) -> HttpResponse:
    """Re-check the event chain and re-hash every stored file; the outcome is itself logged."""
    assessment = get_assessment_for_staff(request, assessment_id)
    report = verify_and_record(assessment=assessment, actor=request.user)
    template = "assessments/_integrity_result.html" if request.htmx else "assessments/integrity_page.html"
    return render(request, template, {"assessment": assessment, "report": report})
