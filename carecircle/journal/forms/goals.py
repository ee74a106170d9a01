"""Input of the goal pages: what the member typed, kept as typed, and shaped for the actions.

Validation itself is `payloads.clean_goal` / `clean_goal_check_in` (through the actions); the
only parsing here is the check-in's local date and time, read in the member's own time zone.
"""

from __future__ import annotations

from datetime import datetime

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed
from carecircle.journal.models import Goal
from carecircle.journal.queries import data_of

GOAL_FIELDS = ("title", "target", "unit", "due_on", "note")
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def goal_values(post: QueryDict) -> dict[str, str]:
    """The add/edit form as typed."""
    return {name: post.get(name, "") for name in GOAL_FIELDS}


def goal_initial(goal: Goal | None) -> dict[str, str]:
    """The add/edit form filled from a stored goal (empty for a new one)."""
    data = data_of(goal) if goal is not None else {}
    values = {name: "" if data.get(name) is None else str(data[name]) for name in GOAL_FIELDS}
    if data.get("target") is not None:
        values["target"] = number_text(data["target"])
    return values


def number_text(value: float) -> str:
    """7.0 as "7", 7.25 as "7.25": what a member would type."""
    return str(int(value)) if float(value).is_integer() else f"{value:.6f}".rstrip("0")


def now_local_text() -> str:
    """Now, in the member's time zone, as a datetime-local input's value."""
    return timezone.localtime().strftime(LOCAL_FORMAT)


def check_in_values(post: QueryDict) -> dict[str, str]:
    """The check-in form as typed."""
    return {name: post.get(name, "") for name in ("value", "note", "recorded_at")}


def parse_recorded_at(text: str) -> datetime | None:
    """A datetime-local value read in the member's time zone; None when left empty (now)."""
    text = text.strip()
    if not text:
        return None
    try:
        naive = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            _("Enter a date and time, like 2026-03-01 08:30."),
            code="bad_datetime",
            field="recorded_at",
        ) from None
    if timezone.is_aware(naive):
        return naive
    return timezone.make_aware(naive, timezone.get_current_timezone())
