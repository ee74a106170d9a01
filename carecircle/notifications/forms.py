"""Reading the notification settings form: what the member sent, as the action's arguments.

Only the shape of the input is checked here (a time that is not a time); what is allowed is
the action's decision (`actions.update_notification_settings`), so the page and the API agree.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed
from carecircle.notifications.kinds import CHANNELS, KINDS, NotificationKind
from carecircle.notifications.models import DigestFrequency, NotificationSettings
from carecircle.notifications.preferences import channel_table


def channel_field(kind: str, channel: str) -> str:
    """The form field name of one cell of the kind × channel table."""
    return f"channel-{kind}-{channel}"


def is_switchable(kind: NotificationKind, channel: str) -> bool:
    return channel not in kind.unavailable and channel not in kind.required


def parse_time(value: str, *, field_name: str) -> time | None:
    """ "" → None; "HH:MM" (or "HH:MM:SS" as some browsers send) → a time; else a field error."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            _("Enter a time like 22:00, or leave it empty."), code="invalid_time", field=field_name
        ) from None
    return parsed.replace(second=0, microsecond=0, tzinfo=None)


def format_time(value: time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


@dataclass
class SettingsValues:
    """What the settings page shows: the saved choices, or what the member just sent."""

    channels: dict[str, dict[str, bool]]
    email_includes_details: bool
    push_includes_details: bool
    quiet_hours_start: str
    quiet_hours_end: str
    digest: str
    is_email_paused: bool
    #: Arguments for `update_notification_settings`, when read from a form.
    arguments: dict[str, Any] = field(default_factory=dict)


def chosen_table(row: NotificationSettings | None) -> dict[str, dict[str, bool]]:
    """{kind: {channel: on}} as the member chose, with emails shown as chosen while paused.

    Pausing keeps the choices for later; showing every email box empty while paused would
    make the next save throw them away.
    """
    if row is not None and row.is_email_paused:
        row = copy.copy(row)
        row.is_email_paused = False
    return channel_table(row)


def values_from_row(row: NotificationSettings | None) -> SettingsValues:
    return SettingsValues(
        channels=chosen_table(row),
        email_includes_details=bool(row and row.email_includes_details),
        push_includes_details=bool(row and row.push_includes_details),
        quiet_hours_start=format_time(row.quiet_hours_start if row else None),
        quiet_hours_end=format_time(row.quiet_hours_end if row else None),
        digest=row.digest if row else DigestFrequency.OFF,
        is_email_paused=bool(row and row.is_email_paused),
    )


def values_from_post(data: QueryDict, saved: NotificationSettings | None) -> SettingsValues:
    """The member's input, kept as typed; `arguments` holds what can be passed to the action.

    Raises nothing: a time that cannot be read is left out of `arguments` and reported by
    `time_errors`.
    """
    saved_table = chosen_table(saved)
    channels: dict[str, dict[str, bool]] = {}
    shown: dict[str, dict[str, bool]] = {}
    for key, kind in KINDS.items():
        shown[key] = {}
        for channel in CHANNELS:
            if is_switchable(kind, channel):
                chosen = data.get(channel_field(key, channel)) == "on"
                channels.setdefault(key, {})[channel] = chosen
                shown[key][channel] = chosen
            else:
                shown[key][channel] = saved_table[key][channel]
    values = SettingsValues(
        channels=shown,
        email_includes_details=data.get("email_includes_details") == "on",
        push_includes_details=data.get("push_includes_details") == "on",
        quiet_hours_start=data.get("quiet_hours_start", "").strip(),
        quiet_hours_end=data.get("quiet_hours_end", "").strip(),
        digest=data.get("digest", ""),
        is_email_paused=data.get("is_email_paused") == "on",
    )
    values.arguments = {
        "channels": channels,
        "email_includes_details": values.email_includes_details,
        "push_includes_details": values.push_includes_details,
        "digest": values.digest,
        "is_email_paused": values.is_email_paused,
    }
    return values


def read_quiet_hours(values: SettingsValues) -> None:
    """Add the quiet hours to `values.arguments`; raises ValidationFailed naming the field."""
    values.arguments["quiet_hours_start"] = parse_time(
        values.quiet_hours_start, field_name="quiet_hours_start"
    )
    values.arguments["quiet_hours_end"] = parse_time(
        values.quiet_hours_end, field_name="quiet_hours_end"
    )


@dataclass(frozen=True)
class ChannelCell:
    kind: str
    channel: str
    name: str
    #: The column's heading ("Email"): the first words of the checkbox's accessible name.
    channel_name: str
    is_checked: bool
    is_required: bool
    is_unavailable: bool


@dataclass(frozen=True)
class KindRow:
    key: str
    label: str
    cells: list[ChannelCell]


def channel_rows(values: SettingsValues) -> list[KindRow]:
    """The settings table: one row per registered kind, one cell per channel."""
    names = channel_names()
    rows = []
    for key, kind in KINDS.items():
        cells = [
            ChannelCell(
                kind=key,
                channel=channel,
                name=channel_field(key, channel),
                channel_name=names[channel],
                is_checked=bool(values.channels.get(key, {}).get(channel)),
                is_required=channel in kind.required,
                is_unavailable=channel in kind.unavailable,
            )
            for channel in CHANNELS
        ]
        rows.append(KindRow(key=key, label=str(kind.label), cells=cells))
    return rows


def channel_names() -> dict[str, str]:
    """Column headings, and the first word of each checkbox's accessible name."""
    return {"in_app": _("In the app"), "email": _("Email"), "push": _("Push")}
