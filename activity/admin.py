from django.contrib import admin

from activity.models import DigestLog, Event, EventChain, OutboxMessage
from core.admin import ReadOnlyAdmin


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    """Read-only: the log is append-only, so the admin can look but not touch."""

    list_display = [
        "created_at",
        "workspace",
        "client",
        "verb",
        "target_label",
        "chain_key",
        "chain_seq",
        "key_id",
    ]
    list_filter = ["verb"]
    search_fields = ["verb", "target_label"]


@admin.register(OutboxMessage)
class OutboxAdmin(admin.ModelAdmin):
    list_display = ["id", "handler", "created_at", "processed_at", "attempts"]
    list_filter = ["handler"]
    readonly_fields = ["handler", "kwargs", "created_at", "processed_at", "attempts", "last_error"]


@admin.register(EventChain)
class EventChainAdmin(ReadOnlyAdmin):
    """Read-only: a head deleted or reset here would fork or hide the end of its chain."""

    list_display = ["key", "last_seq", "last_hash"]
    readonly_fields = ["key", "last_seq", "last_hash"]


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    list_display = ["key", "created_at"]
    search_fields = ["key"]
