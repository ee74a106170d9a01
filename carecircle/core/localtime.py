"""Dates and times as a member types them: `datetime-local` inputs, read in their time zone.

The middleware activates each member's own zone, so "now" and typed times here are theirs.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed

# What a `datetime-local` input sends and shows.
DATETIME_INPUT = "%Y-%m-%dT%H:%M"


def local_input_value(moment: datetime | None = None) -> str:
    """A moment as a `datetime-local` input's value, in the member's own time zone."""
    return timezone.localtime(moment or timezone.now()).strftime(DATETIME_INPUT)


def parse_local_datetime(text: str, *, field_name: str) -> datetime:
    """A `datetime-local` value typed in the member's time zone, as an aware datetime."""
    value = (text or "").strip()
    for pattern in (DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            naive = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return timezone.make_aware(naive, timezone.get_current_timezone())
    raise ValidationFailed(
        _("Enter a date and time, like 2026-03-01 08:30."), code="bad_datetime", field=field_name
    )
