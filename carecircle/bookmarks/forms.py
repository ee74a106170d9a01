"""Reading the bookmark form: the reminder is typed in the member's own time zone."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.utils.translation import gettext as _

from carecircle.core.localtime import local_input_value, parse_local_datetime
from carecircle.notifications.preferences import member_zone

#: A reminder given as a date only is set for this hour of the member's day.
DEFAULT_REMINDER_TIME = time(9, 0)


def parse_remind_at(value: str | None, member: Any) -> datetime | None:
    """The member's typed local date and time as an aware datetime; None when left empty.

    Accepts what a `datetime-local` input sends ("2027-03-01T09:30"), the same with a space
    (browsers without that input show a text box), and a bare date (9:00 that day).
    """
    text = (value or "").strip()
    if not text:
        return None
    return parse_local_datetime(
        text,
        field_name="remind_at",
        zone=member_zone(member),
        default_time=DEFAULT_REMINDER_TIME,
        message=_("Write the reminder as a date and time, for example 2027-03-01 09:30."),
        code="invalid_date",
    )


def local_value(moment: datetime | None, member: Any) -> str:
    """A stored reminder as the `datetime-local` input's value in the member's time zone."""
    if moment is None:
        return ""
    return local_input_value(moment, member_zone(member))
