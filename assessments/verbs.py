"""Activity verbs of the evidence workflow (registered in AssessmentsConfig.ready), in the Assessments
section. Clients see what happens to their evidence; access changes, integrity checks and packages are
internal."""

from __future__ import annotations

from activity.verbs import CLIENT, STAFF, Verb, register

SECTION = "assessments"


def register_verbs() -> None:
    register(
        Verb(
            "assessment.created",
            "created assessment",
            client="opened assessment",
            audience=CLIENT,
            section=SECTION,
        ),
        Verb("assessment.updated", "edited assessment", audience=STAFF, section=SECTION),
        Verb("assessment.access_granted", "shared assessment", audience=STAFF, section=SECTION),
        Verb("assessment.access_revoked", "unshared assessment", audience=STAFF, section=SECTION),
        Verb(
            "assessment.integrity_verified",
            "verified the chain of custody of",
            audience=STAFF,
            section=SECTION,
        ),
        Verb(
            "assessment.package_requested",
            "requested an evidence package of",
            audience=STAFF,
            section=SECTION,
        ),
        Verb("assessment.package_ready", "built an evidence package of", audience=STAFF, section=SECTION),
        Verb(
            "assessment.package_failed",
            "could not build an evidence package of",
            audience=STAFF,
            section=SECTION,
        ),
        Verb(
            "evidence.created",
            "added request",
            audience=CLIENT,
            section=SECTION,
            on_target="added this request",
        ),
        Verb(
            "evidence.updated",
            "edited request",
            audience=CLIENT,
            section=SECTION,
            on_target="edited this request",
        ),
        Verb(
            "evidence.imported",
            "imported requests into",
            client="added requests to",
            audience=CLIENT,
            section=SECTION,
            on_target="imported this request",
        ),
        Verb(
            "evidence.file_uploaded",
            "uploaded a file to",
            audience=CLIENT,
            section=SECTION,
            plural="uploaded {n} files to",
            on_target="uploaded",
        ),
        Verb(
            "evidence.file_deleted",
            "deleted a file from",
            audience=CLIENT,
            section=SECTION,
            plural="deleted {n} files from",
            on_target="deleted",
        ),
        Verb(
            "evidence.message_posted",
            "wrote on",
            audience=CLIENT,
            section=SECTION,
            plural="wrote {n} messages on",
            on_target="wrote a message",
        ),
        Verb(
            "evidence.submitted",
            "submitted evidence for",
            audience=CLIENT,
            section=SECTION,
            on_target="submitted evidence for review",
        ),
        Verb(
            "evidence.under_review",
            "started reviewing",
            audience=CLIENT,
            section=SECTION,
            on_target="started reviewing",
        ),
        Verb(
            "evidence.accepted",
            "accepted",
            audience=CLIENT,
            section=SECTION,
            on_target="accepted the evidence",
        ),
        Verb(
            "evidence.changes_requested",
            "requested changes to",
            audience=CLIENT,
            section=SECTION,
            on_target="requested changes",
        ),
        Verb("evidence.waived", "waived", audience=CLIENT, section=SECTION, on_target="waived this request"),
    )
