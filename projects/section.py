"""The Projects and Deliverables sections of the portal, registered in ProjectsConfig.ready."""

from __future__ import annotations

from core.sections import Section, register_section
from projects.models import DELIVERABLES_SECTION, PROJECTS_SECTION
from projects.selectors import deliverables_widget, projects_widget


def register() -> None:
    register_section(
        Section(
            key=PROJECTS_SECTION,
            label="Projects",
            list_url="portal:project-list",
            url_prefixes=("project-",),
            order=20,
            description="Projects with their status, dates and deliverables.",
            widget_template="portal/projects/_projects_widget.html",
            widget_context=projects_widget,
        )
    )
    register_section(
        Section(
            key=DELIVERABLES_SECTION,
            label="Deliverables",
            list_url="portal:deliverable-list",
            url_prefixes=("deliverable-",),
            order=30,
            description="Delivered files and their versions, approvals and comments.",
            widget_template="portal/projects/_deliverables_widget.html",
            widget_context=deliverables_widget,
        )
    )
