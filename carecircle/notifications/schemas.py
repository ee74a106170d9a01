"""JSON shapes for notifications, notification settings and watch levels."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema

from carecircle.api.schemas import PageMeta


class NotificationActorOut(Schema):
    # A member: handle and display name. Anonymous writers and the system: only a label.
    handle: str | None
    display_name: str | None
    label: str


class NotificationOut(Schema):
    id: int
    kind: str
    text: str  # the sentence the bell shows, in the request's language
    url: str  # site-relative
    actor: NotificationActorOut | None
    count: int  # how many events this line stands for
    is_read: bool
    created_at: datetime
    updated_at: datetime


class NotificationPage(PageMeta):
    items: list[NotificationOut]
    unread: int


class UnreadCountOut(Schema):
    unread: int


class ReadAllOut(Schema):
    marked: int
    unread: int


class KindChannelsOut(Schema):
    kind: str
    label: str
    channels: dict[str, bool]  # {"in_app": true, "email": false, "push": true}
    required: list[str]  # channels that cannot be switched off
    unavailable: list[str]  # channels that do not exist for this kind


class NotificationSettingsOut(Schema):
    kinds: list[KindChannelsOut]
    email_includes_details: bool
    push_includes_details: bool
    quiet_hours_start: str | None  # "HH:MM" in the member's own time zone
    quiet_hours_end: str | None
    time_zone: str
    digest: str  # "off", "daily" or "weekly"
    is_email_paused: bool


class NotificationSettingsIn(Schema):
    # Every field is optional: what is left out stays as it is. `channels` holds only the
    # choices to change: {"reply": {"email": false}}. Quiet hours: "HH:MM", or null for
    # none; left out, they stay as they are.
    channels: dict[str, dict[str, bool]] | None = None
    email_includes_details: bool | None = None
    push_includes_details: bool | None = None
    quiet_hours_start: str | None = None
    quiet_hours_end: str | None = None
    digest: str | None = None
    is_email_paused: bool | None = None


class WatchIn(Schema):
    level: str  # "watching", "normal" or "muted"


class WatchOut(Schema):
    level: str  # the level that applies
    is_explicit: bool  # false when it comes from the community or the default
