"""Activity verbs of tenancy and access (registered in AccountsConfig.ready). All internal: clients never
see who revoked whom, which sections changed or when the portal was switched."""

from __future__ import annotations

from activity.verbs import STAFF, Verb, register


def register_verbs() -> None:
    register(
        Verb("workspace.created", "created workspace", audience=STAFF),
        Verb("workspace.branding_changed", "updated branding of", audience=STAFF),
        Verb("staff.invited", "invited a teammate", audience=STAFF, shows_target=False),
        Verb("staff.joined", "joined", audience=STAFF),
        Verb("staff.removed", "removed a teammate", audience=STAFF, shows_target=False),
        Verb("staff.invite_cancelled", "cancelled a teammate invitation", audience=STAFF, shows_target=False),
        Verb("client.created", "added client", audience=STAFF),
        Verb("contact.invited", "invited", audience=STAFF),
        Verb("contact.invite_resent", "re-sent an invite to", audience=STAFF),
        Verb("contact.revoked", "revoked access for", audience=STAFF),
        Verb("portal.enabled", "enabled the portal for", audience=STAFF),
        Verb("portal.disabled", "disabled the portal for", audience=STAFF),
        Verb("portal.sessions_revoked", "ended all portal sessions for", audience=STAFF),
        Verb("portal.visibility_changed", "changed portal sections for", audience=STAFF),
        Verb("portal.login", "signed in", audience=STAFF, plural="signed in {n} times", shows_target=False),
        Verb(
            "portal.logout", "signed out", audience=STAFF, plural="signed out {n} times", shows_target=False
        ),
    )
