"""Reading the entry pages' form posts into the loose dicts `payloads` validates.

No validation lives here beyond turning text into a date and time: the actions call
`payloads.clean_entry`, which accepts or refuses a value the same way for every door.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core import localtime
from carecircle.core.errors import ValidationFailed
from carecircle.core.localtime import local_input_value
from carecircle.journal import payloads
from carecircle.journal.models import EntryKind, JournalEntry
from carecircle.journal.queries import data_of

# The kinds the add page offers (goal check-ins are added from a goal's page).
ADDABLE_KINDS = (EntryKind.SYMPTOM, EntryKind.MEASUREMENT, EntryKind.MOOD, EntryKind.DIARY)

# The inputs each kind's form posts, besides "recorded_at".
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    EntryKind.SYMPTOM: ("name", "severity", "note"),
    EntryKind.MEASUREMENT: ("type", "name", "value", "value_2", "unit", "custom_unit", "note"),
    EntryKind.MOOD: ("mood", "energy", "note"),
    EntryKind.DIARY: ("title", "text"),
    EntryKind.GOAL_CHECK_IN: ("value", "note"),
}
SEVERITIES = tuple(range(0, 11))
# How many new symptoms one check-in adds: one row keeps the page short on a phone; a symptom
# added once is listed, with its last severity, at every check-in after.
NEW_SYMPTOM_ROWS = 1


def parse_local_datetime(text: str, *, field_name: str = "recorded_at") -> datetime:
    """A `datetime-local` value typed in the member's time zone (an entry's time by default)."""
    return localtime.parse_local_datetime(text, field_name=field_name)


def parse_local_date(text: str | None, *, field_name: str) -> date | None:
    """An optional YYYY-MM-DD filter value; None when empty."""
    value = (text or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed(
            _("Enter a date as YYYY-MM-DD."), code="bad_date", field=field_name
        ) from None


def start_of_local_day(day: date) -> datetime:
    """Midnight at the start of `day` in the member's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def end_of_local_day(day: date) -> datetime:
    """Midnight after `day` in the member's time zone (an exclusive bound)."""
    return start_of_local_day(day + timedelta(days=1))


def entry_values(kind: str, post: QueryDict) -> dict[str, str]:
    """The text the member sent for `kind` (kept as typed to show again with errors)."""
    values = {name: post.get(name, "") for name in KIND_FIELDS[kind]}
    values["recorded_at"] = post.get("recorded_at", "")
    if kind == EntryKind.MEASUREMENT:
        values["unit_default"] = post.get("unit_default", "")
    return values


def raw_data(kind: str, values: dict[str, str]) -> dict[str, Any]:
    """The loose dict `payloads.clean_entry(kind, ...)` validates, from the form's values."""
    raw: dict[str, Any] = {name: values.get(name, "") for name in KIND_FIELDS[kind]}
    if kind == EntryKind.MEASUREMENT:
        custom_unit = raw.pop("custom_unit")
        if raw["type"] == payloads.CUSTOM:
            raw["unit"] = custom_unit
        else:
            raw["name"] = ""
            raw["unit"] = unit_for_type(raw["type"], raw["unit"], values.get("unit_default", ""))
    return raw


def unit_for_type(type_code: str, unit: str, unit_default: str) -> str:
    """The unit to validate: a unit of another type, left as the page pre-selected it (the
    member changed the type but not the unit), becomes the type's usual unit ("")."""
    kind = payloads.MEASUREMENT_TYPES.get(type_code)
    if kind is None or not unit or unit in kind.units:
        return unit
    return "" if unit == unit_default else unit


def values_from_entry(entry: JournalEntry) -> dict[str, str]:
    """An entry's data as the form's values, for the edit page."""
    data = data_of(entry)
    values = {name: _as_text(data.get(name)) for name in KIND_FIELDS[entry.kind]}
    if entry.kind == EntryKind.MEASUREMENT and data.get("type") == payloads.CUSTOM:
        values["custom_unit"] = values.get("unit", "")
        values["unit"] = ""
    elif entry.kind == EntryKind.MEASUREMENT:
        values["unit_default"] = values.get("unit", "")
    values["recorded_at"] = local_input_value(entry.recorded_at)
    return values


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class CheckInRow:
    """One symptom line of the daily check-in: known from last time or newly added."""

    key: str  # the inputs' suffix: "s0", "s1" for earlier symptoms, "n0", "n1" for new ones
    name: str
    severity: str  # "" = not rated this time
    is_new: bool = False
    error: str = ""


@dataclass
class CheckInForm:
    """What the check-in page sent, row by row, ready for `record_daily_check_in`."""

    mood: str = ""
    energy: str = ""
    note: str = ""
    rows: list[CheckInRow] = field(default_factory=list)

    def rated_symptoms(self) -> tuple[list[dict[str, Any]], list[CheckInRow]]:
        """The rated rows as payloads for the action, with the row each one came from."""
        rated = [row for row in self.rows if row.name.strip() and row.severity.strip()]
        return [{"name": row.name, "severity": row.severity} for row in rated], rated

    def unrated_new_row(self) -> CheckInRow | None:
        """A symptom typed without a severity (the member probably forgot to choose one)."""
        for row in self.rows:
            if row.is_new and row.name.strip() and not row.severity.strip():
                return row
        return None


def check_in_form(post: QueryDict) -> CheckInForm:
    """Read the check-in post: mood, energy, note, and every symptom row."""
    form = CheckInForm(
        mood=post.get("mood", ""), energy=post.get("energy", ""), note=post.get("note", "")
    )
    for index in range(40):
        key = f"s{index}"
        if f"symptom_{key}" not in post:
            break
        form.rows.append(
            CheckInRow(
                key=key,
                name=post.get(f"symptom_{key}", ""),
                severity=post.get(f"severity_{key}", ""),
            )
        )
    for index in range(NEW_SYMPTOM_ROWS):
        key = f"n{index}"
        form.rows.append(
            CheckInRow(
                key=key,
                name=post.get(f"symptom_{key}", ""),
                severity=post.get(f"severity_{key}", ""),
                is_new=True,
            )
        )
    return form
