"""The portal's own part of the outsider sweep (tests/test_outsider_sweep.py): its slug and sign-in doors.

Each domain registers its own portal URLs (e.g. portal:request-detail in tests/assessments/sweep.py).
"""

from __future__ import annotations

from tests.test_outsider_sweep import get_request, kwarg_source, post_data

BOGUS_TOKEN = "x" * 43

kwarg_source("slug", lambda w: w.ws.slug)
kwarg_source("token", lambda w: BOGUS_TOKEN, url="portal:magic-link")

# A signed-in contact is sent on to the dashboard.
get_request("portal:login", actor="anonymous")

# Another contact of A's: Secretco's own address contains the marker, and the page echoes the address.
post_data("portal:login", lambda w: {"email": w.other_contact.email})
post_data("portal:magic-link", lambda w: {}, own_session=True)
post_data("portal:logout", lambda w: {}, own_session=True)
