"""What evidence uploads and CSV imports accept (their upload policies) and where evidence is stored."""

from __future__ import annotations

import uuid

from files.policies import UploadPolicy, register

EVIDENCE = register(
    UploadPolicy(
        key="evidence",
        label="evidence file",
        max_bytes_setting="EVIDENCE_MAX_UPLOAD_BYTES",
        types_setting="EVIDENCE_ALLOWED_TYPES",
        max_files_setting="EVIDENCE_MAX_FILES_PER_REQUEST",
    )
)
REQUEST_IMPORT = register(
    UploadPolicy(
        key="import",
        label="CSV import",
        max_bytes_setting="IMPORT_MAX_UPLOAD_BYTES",
        types_setting="IMPORT_ALLOWED_TYPES",
    )
)


def evidence_key() -> str:
    # Never derived from the uploaded name: that is attacker-controlled. Sharded to keep directories small.
    token = uuid.uuid4().hex
    return f"evidence/{token[:2]}/{token}"
