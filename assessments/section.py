"""The Assessments section of the portal, registered in AssessmentsConfig.ready (core/sections.py)."""

from __future__ import annotations

from assessments.selectors import dashboard_context, visible_events
from assessments.verbs import SECTION
from core.sections import Section, register_section


def register() -> None:
    register_section(
        Section(
            key=SECTION,
            label="Assessments",
            list_url="portal:assessment-list",
            # request pages and evidence file pages belong to this section too
            url_prefixes=("assessment-", "request-", "file-"),
            order=10,
            description="Evidence requests of the assessments a contact is invited to.",
            widget_template="portal/assessments/_widget.html",
            widget_context=dashboard_context,
            feed_filter=visible_events,
        )
    )
