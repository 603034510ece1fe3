"""The portal's own part of the outsider sweep (tests/test_outsider_sweep.py): its slug and sign-in doors.

Each domain registers its own portal URLs (e.g. portal:request-detail in tests/assessments/sweep.py).
"""

from __future__ import annotations

from tests.sweep_registry import get_request, kwarg_source, post_data

BOGUS_TOKEN = "x" * 43

kwarg_source("slug", lambda w: w.ws.slug)

# A signed-in contact is sent on to the dashboard.
get_request("portal:login", actor="anonymous")

# Another contact of A's: Secretco's own address contains the marker, and the page echoes the address.
post_data("portal:login", lambda w: {"email": w.other_contact.email})
# The token travels in the POST body (the emailed URL keeps it in the fragment); the sweep's is bogus.
post_data("portal:magic-link", lambda w: {"token": BOGUS_TOKEN, "step": "sign-in"}, own_session=True)
post_data("portal:logout", lambda w: {}, own_session=True)
