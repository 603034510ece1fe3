"""One way to log what happens inside an assessment: on its hash chain, with its client and id."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import models

from activity.models import Event
from activity.services import record_event
from assessments.models import Assessment


def log_assessment_event(
    assessment: Assessment,
    verb: str,
    *,
    target: models.Model | None = None,
    user=None,
    contact=None,
    **data: Any,
) -> Event:
    """Call inside the transaction of the change. `assessment_id` lets the portal feed hide events of
    assessments a contact was not invited to."""
    return record_event(
        workspace=assessment.workspace,
        client=assessment.client,
        verb=verb,
        actor_user=user,
        actor_contact=contact,
        target=target if target is not None else assessment,
        data={**data, "assessment_id": assessment.pk},
    )


def message_digest(body: str) -> str:
    """The SHA-256 of a message's text as its `evidence.message_posted` event records it."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
