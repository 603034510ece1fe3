"""What a message in any per-object thread (evidence requests, deliverables) knows about its author."""

from __future__ import annotations


class AuthoredByStaffOrContact:
    """Mixin for a model with `author_user` (staff) and `author_contact` (client); at most one is set."""

    @property
    def from_staff(self) -> bool:
        return self.author_user_id is not None

    @property
    def author_label(self) -> str:
        who = self.author_user or self.author_contact
        return str(who) if who else "Unknown"
