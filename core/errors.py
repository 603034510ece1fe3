"""The one exception a service raises when it refuses: its message is fit to show the person who asked."""

from __future__ import annotations


class ServiceError(Exception):
    """A refused state change. Views show `str(exc)`; nothing has changed when it is raised."""
