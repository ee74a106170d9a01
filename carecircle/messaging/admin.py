"""Messaging in the Django admin: ids, times and states, never what anyone wrote.

Every model is read-only here (changes go through the messaging actions and the report pages)
and each admin lists its fields explicitly, so no message body, rendered HTML, report note or
reported words can be shown, searched or edited, and a field added later stays hidden until
someone adds it on purpose. Staff read a reported message only on the report page, which
records each viewing (docs/privacy.md).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from carecircle.messaging.models import (
    ChatRoom,
    ChatSession,
    Conversation,
    MemberBlock,
    Message,
    MessageReport,
    MessagingSettings,
    Participant,
    RoomPresence,
    RoomRestriction,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Shows the listed fields and allows no add, change or delete."""

    actions = None

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.fields or ()


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    fields = (
        "conversation",
        "room",
        "author",
        "created_at",
        "edited_at",
        "deleted_at",
        "deleted_by",
    )
    list_display = ("id", "conversation_id", "room_id", "author_id", "created_at", "is_deleted")
    list_select_related = False
    show_full_result_count = False


@admin.register(MessageReport)
class MessageReportAdmin(ReadOnlyAdmin):
    fields = (
        "message",
        "reporter",
        "reason",
        "status",
        "created_at",
        "closed_at",
        "closed_by",
    )
    list_display = ("id", "message_id", "reason", "status", "created_at", "closed_at")
    list_filter = ("status", "reason")


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyAdmin):
    # The title of a group is written by its members: it stays private like the messages.
    fields = ("kind", "created_by", "created_at", "last_message_at", "last_message_id")
    list_display = ("id", "kind", "created_at", "last_message_at")
    list_filter = ("kind",)


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyAdmin):
    fields = (
        "conversation",
        "user",
        "state",
        "added_by",
        "joined_at",
        "answered_at",
        "left_at",
        "is_muted",
    )
    list_display = ("id", "conversation_id", "user_id", "state", "joined_at")
    list_filter = ("state",)


@admin.register(MemberBlock)
class MemberBlockAdmin(ReadOnlyAdmin):
    fields = ("blocker", "blocked", "level", "created_at")
    list_display = ("id", "blocker_id", "blocked_id", "level", "created_at")


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(ReadOnlyAdmin):
    fields = ("user", "requests_from", "shares_read_receipts")
    list_display = ("user_id", "requests_from", "shares_read_receipts")


@admin.register(ChatRoom)
class ChatRoomAdmin(ReadOnlyAdmin):
    fields = (
        "community",
        "name",
        "slug",
        "description",
        "created_by",
        "created_at",
        "retention_days",
        "slow_mode_seconds",
        "is_archived",
    )
    list_display = ("id", "name", "community", "is_archived", "created_at")
    list_select_related = ("community",)


@admin.register(ChatSession)
class ChatSessionAdmin(ReadOnlyAdmin):
    fields = (
        "room",
        "title",
        "starts_at",
        "ends_at",
        "publishes_transcript",
        "published_topic",
        "created_by",
        "created_at",
    )
    list_display = ("id", "title", "room_id", "starts_at", "ends_at")


@admin.register(RoomRestriction)
class RoomRestrictionAdmin(ReadOnlyAdmin):
    fields = ("room", "user", "until", "reason", "restricted_by", "created_at")
    list_display = ("id", "room_id", "user_id", "until", "created_at")


@admin.register(RoomPresence)
class RoomPresenceAdmin(ReadOnlyAdmin):
    fields = ("room", "user", "last_seen_at")
    list_display = ("id", "room_id", "user_id", "last_seen_at")
