"""Reading a member's notification choices: channels per kind, quiet hours, details opt-in.

Pure functions over a `NotificationSettings` row (or None for a member who never changed
anything), so the delivery code can load the rows of a thousand recipients in one query and
decide in memory.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings as django_settings
from django.utils import timezone

from carecircle.notifications.kinds import CHANNELS, KINDS
from carecircle.notifications.models import NotificationSettings


def channel_enabled(row: NotificationSettings | None, kind: str, channel: str) -> bool:
    """Whether `channel` ("in_app", "email", "push") is on for `kind` for this member."""
    spec = KINDS.get(kind)
    if spec is None or channel not in CHANNELS or channel in spec.unavailable:
        return False
    if channel in spec.required:
        return True
    if row is not None:
        if channel == "email" and row.is_email_paused:
            return False
        choice = (row.channels or {}).get(kind, {})
        if isinstance(choice, dict) and isinstance(choice.get(channel), bool):
            return bool(choice[channel])
    return spec.default(channel)


def channel_table(row: NotificationSettings | None) -> dict[str, dict[str, bool]]:
    """{kind: {channel: enabled}} for every registered kind (the preferences page and API)."""
    return {
        key: {channel: channel_enabled(row, key, channel) for channel in CHANNELS} for key in KINDS
    }


def member_zone(user: Any) -> zoneinfo.ZoneInfo:
    """The member's own time zone, the site's when they never chose one or it is unknown."""
    name = getattr(user, "time_zone", "") or django_settings.TIME_ZONE
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(django_settings.TIME_ZONE)


def _within(start: time, end: time, moment: time) -> bool:
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # wraps midnight: 22:00-07:00


def in_quiet_hours(
    row: NotificationSettings | None, user: Any, now: datetime | None = None
) -> bool:
    """True while the member's quiet hours hold (in their own time zone)."""
    if row is None or row.quiet_hours_start is None or row.quiet_hours_end is None:
        return False
    local = (now or timezone.now()).astimezone(member_zone(user))
    return _within(row.quiet_hours_start, row.quiet_hours_end, local.time())


def quiet_hours_end(
    row: NotificationSettings | None, user: Any, now: datetime | None = None
) -> datetime | None:
    """When the current quiet hours end (an aware datetime), or None when not in them."""
    now = now or timezone.now()
    if row is None or row.quiet_hours_end is None or not in_quiet_hours(row, user, now):
        return None
    zone = member_zone(user)
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), row.quiet_hours_end, tzinfo=zone)
    if end <= local:
        end += timedelta(days=1)
    return end
