"""The consent to sign electronically, shown above every signature field and recorded word for word.

Versioned: a signature stores the version and the exact text the signer saw. To change the wording, add a
new version and make it CURRENT; never edit a published one (signatures made under it quote it).
"""

from __future__ import annotations

CONSENT_TEXTS: dict[str, str] = {
    "2026-11": (
        "I agree to sign this document electronically. I understand that typing my full name below and "
        "pressing the button to sign is my legally binding signature, just as if I had signed a paper "
        "copy by hand, and that it binds the organisation I represent to the document as shown on this "
        "page. I consent to a record of this signature being kept as evidence: my name as typed, my email "
        "address, how I signed in, the date and time, my IP address and browser, and a fingerprint "
        "(SHA-256) of the document's content."
    ),
}
CURRENT = "2026-11"


def current() -> tuple[str, str]:
    """(version, text) of the consent shown to signers now."""
    return CURRENT, CONSENT_TEXTS[CURRENT]
