"""What contract uploads accept (their upload policy, from settings: PDF only by default)."""

from __future__ import annotations

from files.policies import UploadPolicy, register

CONTRACT = register(
    UploadPolicy(
        key="contract",
        label="contract",
        max_bytes_setting="CONTRACT_MAX_UPLOAD_BYTES",
        types_setting="CONTRACT_ALLOWED_TYPES",
    )
)
