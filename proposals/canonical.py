"""The canonical content of what a client signs, and its SHA-256.

A signature records the SHA-256 of these bytes; anyone holding the stored version can rebuild them and
check the hash (the staff version page offers them for download). The document is JSON with sorted keys,
no insignificant whitespace and UTF-8 text; amounts are fixed-point strings at the field's precision, and
the content is the rendered, sanitised HTML the client was shown. Only what the version itself stores goes
in, so renaming the client or the firm later never changes a hash. Change the layout only with a new
`format` (old signatures keep verifying under theirs).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

PROPOSAL_FORMAT = "portal.proposal-content/1"
CONTRACT_FORMAT = "portal.contract-content/1"


def _fixed(value: Decimal | None, places: int) -> str | None:
    if value is None:
        return None
    return str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def to_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256_hex(document: dict[str, Any]) -> str:
    return hashlib.sha256(to_bytes(document)).hexdigest()


def proposal_version_document(version) -> dict[str, Any]:
    items = sorted(version.items.all(), key=lambda i: (i.position, i.pk))
    return {
        "format": PROPOSAL_FORMAT,
        "proposal": version.proposal_id,
        "version": version.number,
        "title": version.title,
        "currency": version.currency,
        "content_html": version.content_html,
        "terms_html": version.terms_html,
        "tax_rate": _fixed(version.tax_rate, 2),
        "discount_percent": _fixed(version.discount_percent, 2),
        "deposit_percent": _fixed(version.deposit_percent, 2),
        "items": [
            {
                "id": item.pk,
                "position": item.position,
                "description": item.description,
                "quantity": _fixed(item.quantity, 3),
                "unit_price": _fixed(item.unit_price, 3),
                "tax_rate": _fixed(item.tax_rate, 2),
                "optional": item.optional,
                "selected_by_default": item.selected_by_default,
            }
            for item in items
        ],
    }


def contract_document(contract) -> dict[str, Any]:
    current = contract.current_file
    return {
        "format": CONTRACT_FORMAT,
        "contract": contract.pk,
        "title": contract.title,
        "body_html": contract.body_html,
        "file_sha256": current.sha256 if current is not None else None,
        "start_date": contract.start_date.isoformat() if contract.start_date else None,
        "end_date": contract.end_date.isoformat() if contract.end_date else None,
        "proposal": contract.proposal_id,
    }


def proposal_version_sha256(version) -> str:
    return sha256_hex(proposal_version_document(version))


def contract_sha256(contract) -> str:
    return sha256_hex(contract_document(contract))
