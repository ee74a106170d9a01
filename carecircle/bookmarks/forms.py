"""Reading the bookmark form: the reminder is typed in the member's own time zone."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed
from carecircle.notifications.preferences import member_zone

#: A reminder given as a date only is set for this hour of the member's day.
DEFAULT_REMINDER_TIME = time(9, 0)

_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def parse_remind_at(value: str | None, member: Any) -> datetime | None:
    """The member's typed local date and time as an aware datetime; None when left empty.

    Accepts what a `datetime-local` input sends ("2027-03-01T09:30"), the same with a space
    (browsers without that input show a text box), and a bare date (9:00 that day).
    """
    text = (value or "").strip()
    if not text:
        return None
    zone = member_zone(member)
    for pattern in _FORMATS:
        try:
            parsed = datetime.strptime(text, pattern)
        except ValueError:
            continue
        _check_year(parsed.year)
        return parsed.replace(tzinfo=zone)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _invalid() from None
    _check_year(day.year)
    return datetime.combine(day, DEFAULT_REMINDER_TIME, tzinfo=zone)


def _invalid() -> ValidationFailed:
    return ValidationFailed(
        _("Write the reminder as a date and time, for example 2027-03-01 09:30."),
        code="invalid_date",
        field="remind_at",
    )


def _check_year(year: int) -> None:
    # Years far from now would overflow when compared across time zones (year 1, year 9999).
    if not 1900 <= year <= 9000:
        raise _invalid()


def local_value(moment: datetime | None, member: Any) -> str:
    """A stored reminder as the `datetime-local` input's value in the member's time zone."""
    if moment is None:
        return ""
    return moment.astimezone(member_zone(member)).strftime("%Y-%m-%dT%H:%M")
