"""Dates and times as a member types them: `datetime-local` inputs, read in their time zone.

The middleware activates each member's own zone, so "now" and typed times here are theirs.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed

# What a `datetime-local` input sends and shows.
DATETIME_INPUT = "%Y-%m-%dT%H:%M"
# Also read: seconds (some browsers send them), and a space for the T (browsers without that
# input show a text box where members type one).
_FORMATS = (DATETIME_INPUT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
# Years far from now overflow when moved across time zones (year 1, year 9999): a 500, not a
# message. Nothing a member plans or records is outside these.
FIRST_YEAR, LAST_YEAR = 1900, 9000


def local_input_value(moment: datetime | None = None, zone: tzinfo | None = None) -> str:
    """A moment as a `datetime-local` input's value, in `zone` (the member's active one)."""
    return timezone.localtime(moment or timezone.now(), zone).strftime(DATETIME_INPUT)


def parse_local_datetime(
    text: str,
    *,
    field_name: str,
    zone: tzinfo | None = None,
    default_time: time | None = None,
    message: str = "",
    code: str = "bad_datetime",
) -> datetime:
    """A `datetime-local` value typed in `zone` (the member's active one), as an aware datetime.

    With `default_time`, a bare date ("2027-03-01") means that time of that day. Anything
    else, or a year outside FIRST_YEAR..LAST_YEAR, raises ValidationFailed on `field_name`
    with `message` (a default example otherwise) and `code`.
    """
    value = (text or "").strip()
    zone = zone or timezone.get_current_timezone()
    naive: datetime | None = None
    for pattern in _FORMATS:
        try:
            naive = datetime.strptime(value, pattern)
        except ValueError:
            continue
        break
    if naive is None and default_time is not None:
        try:
            naive = datetime.combine(date.fromisoformat(value), default_time)
        except ValueError:
            naive = None
    if naive is None or not FIRST_YEAR <= naive.year <= LAST_YEAR:
        raise ValidationFailed(
            message or _("Enter a date and time, like 2026-03-01 08:30."),
            code=code,
            field=field_name,
        )
    return timezone.make_aware(naive, zone)
