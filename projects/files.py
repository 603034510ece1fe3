"""What deliverable uploads accept (their upload policy, from settings)."""

from __future__ import annotations

from files.policies import UploadPolicy, register

DELIVERABLE = register(
    UploadPolicy(
        key="deliverable",
        label="deliverable",
        max_bytes_setting="DELIVERABLE_MAX_UPLOAD_BYTES",
        types_setting="DELIVERABLE_ALLOWED_TYPES",
    )
)
