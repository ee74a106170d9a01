"""What each journal record's encrypted `data` holds, and the one validation every way in uses.

Forms, the JSON API and CSV import all call `clean_*` here (through the actions), so a value
is accepted or refused the same way whichever door it came through. Each `clean_*` takes loose
input (strings from a form or a CSV cell, numbers from JSON) and returns the normalised dict
that is stored, or raises `ValidationFailed` whose `field` names the offending input.

A cleaner checks every field of its record before refusing it: the error's message and field are
the first problem's, and its `details` list every problem as {"field", "code", "message"}, so a
form can show each one next to its field and an app can show them all at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict, TypeVar

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from carecircle.core.errors import ValidationFailed

NAME_MAX = 120
NOTE_MAX = 2000
DIARY_MAX = 20000
# Every number a member gives lies within ±NUMBER_MAX (built-in measurement types have their own,
# tighter ranges): charts add, average and scale values, which must never overflow.
NUMBER_MAX = 1e9
# Dates (a medicine's start and stop, a goal's due date) lie within these years.
YEAR_MIN = 1900
YEAR_MAX = 2200
SIDE_EFFECTS_MAX = 30


class SymptomData(TypedDict):
    name: str
    severity: int  # 0 (none) .. 10 (worst imaginable)
    note: str


class MeasurementData(TypedDict):
    type: str  # a MEASUREMENT_TYPES code, or "custom"
    name: str  # the custom measurement's name ("" for built-in types)
    value: float
    value_2: float | None  # diastolic for blood pressure; otherwise None
    unit: str
    note: str


class MoodData(TypedDict):
    mood: int | None  # 1 (very low) .. 5 (very good)
    energy: int | None  # 1 (exhausted) .. 5 (full of energy)
    note: str


class DiaryData(TypedDict):
    title: str
    text: str


class GoalCheckInData(TypedDict):
    value: float | None
    note: str


class SideEffect(TypedDict):
    name: str
    severity: int  # 0..10


class MedicationData(TypedDict):
    name: str
    dose: str  # "500", "1-2"; free text, numbers are not assumed
    unit: str  # "mg", "puffs", ...
    frequency: str  # "twice a day"
    reason: str  # what it is for
    started_on: str | None  # ISO date
    stopped_on: str | None  # ISO date
    stop_reason: str
    effectiveness: int | None  # EFFECTIVENESS code 0..4, None = not said
    side_effects: list[SideEffect]
    note: str


class GoalData(TypedDict):
    title: str
    target: float | None
    unit: str
    due_on: str | None  # ISO date
    note: str


@dataclass(frozen=True)
class MeasurementType:
    code: str
    label: Any
    units: tuple[str, ...]  # the first is the canonical unit the charts draw in
    minimum: float  # plausible range in the canonical unit; outside it is refused
    maximum: float
    has_second_value: bool = False


MEASUREMENT_TYPES: dict[str, MeasurementType] = {
    t.code: t
    for t in [
        MeasurementType("weight", _("Weight"), ("kg", "lb", "st"), 1, 650),
        MeasurementType(
            "blood_pressure", _("Blood pressure"), ("mmHg",), 30, 300, has_second_value=True
        ),
        MeasurementType("blood_glucose", _("Blood glucose"), ("mmol/L", "mg/dL"), 0.5, 60),
        MeasurementType("heart_rate", _("Heart rate"), ("bpm",), 20, 250),
        MeasurementType("temperature", _("Temperature"), ("°C", "°F"), 30, 45),
        MeasurementType("peak_flow", _("Peak flow"), ("L/min",), 30, 1000),
        MeasurementType("sleep", _("Sleep"), ("hours",), 0, 24),
        MeasurementType("steps", _("Steps"), ("steps",), 0, 200000),
    ]
}
CUSTOM = "custom"

# Perceived effectiveness of a medicine, as members say it.
EFFECTIVENESS: dict[int, Any] = {
    0: _("Not at all"),
    1: _("A little"),
    2: _("Moderately well"),
    3: _("Very well"),
    4: _("Completely"),
}
MOOD_LABELS: dict[int, Any] = {
    1: _("Very low"),
    2: _("Low"),
    3: _("OK"),
    4: _("Good"),
    5: _("Very good"),
}
ENERGY_LABELS: dict[int, Any] = {
    1: _("Exhausted"),
    2: _("Tired"),
    3: _("OK"),
    4: _("Energetic"),
    5: _("Full of energy"),
}


def to_canonical(type_code: str, value: float, unit: str) -> float:
    """The value in its type's first unit (kg, mmol/L, °C), for charts and range checks."""
    if unit == "lb":
        return value * 0.45359237
    if unit == "st":
        return value * 6.35029318
    if unit == "mg/dL":
        return value / 18.0
    if unit == "°F":
        return (value - 32) * 5 / 9
    return value


# What a refusal of an empty required field says, naming the field where it can.
REQUIRED_MESSAGES: dict[str, Any] = {
    "symptom.name": _("Enter the symptom's name."),
    "measurement.name": _("Enter the measurement's name."),
    "diary.text": _("Write something in your diary entry."),
    "medication.name": _("Enter the medicine's or treatment's name."),
    "goal.title": _("Enter your goal."),
    "side_effects": _("Give each side effect a name."),
    "symptom.severity": _("Choose how bad it is, from 0 to 10."),
    "measurement.value": _("Enter the number you measured."),
    "measurement.value_2": _("Enter the second (lower) number too."),
}

T = TypeVar("T")


class _Problems:
    """The field errors of one record, collected so every one can be reported at once."""

    def __init__(self) -> None:
        self.errors: list[ValidationFailed] = []

    def check(self, default: T, call: Any, *args: Any, **kwargs: Any) -> T:
        """`call(*args, **kwargs)`, or `default` after noting its ValidationFailed."""
        try:
            return call(*args, **kwargs)  # type: ignore[no-any-return]
        except ValidationFailed as error:
            self.add(error)
            return default

    def add(self, error: ValidationFailed) -> None:
        self.errors.append(error)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def about(self, *fields: str) -> bool:
        """Whether any of `fields` was refused."""
        return any(error.field in fields for error in self.errors)

    def raise_any(self) -> None:
        """Refuse the record if any field was refused: the first error leads, all are listed."""
        if not self.errors:
            return
        first = self.errors[0]
        raise ValidationFailed(
            first.message,
            code=first.code,
            field=first.field,
            details=error_details(self.errors),
        )


def error_details(errors: list[ValidationFailed]) -> list[dict[str, Any]]:
    """Errors as the `details` list: {"field", "code", "message"} each, messages as text."""
    details: list[dict[str, Any]] = []
    for error in errors:
        nested = [d for d in error.details if isinstance(d, dict) and "field" in d]
        if nested:
            details.extend(nested)
        else:
            details.append(
                {"field": error.field or "", "code": error.code, "message": str(error.message)}
            )
    return details


def _required(field: str, record: str) -> ValidationFailed:
    message = REQUIRED_MESSAGES.get(f"{record}.{field}") or REQUIRED_MESSAGES.get(field)
    return ValidationFailed(message or _("This is needed."), code="required", field=field)


def _text(value: Any, field: str, *, limit: int, required: bool = False, record: str = "") -> str:
    # A list or an object is not text: refused, never stored as its Python spelling.
    if value is not None and (isinstance(value, bool) or not isinstance(value, str | int | float)):
        raise ValidationFailed(_("Enter text here."), code="not_text", field=field)
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise _required(field, record)
    if len(text) > limit:
        raise ValidationFailed(
            _("Keep this under %(limit)s characters.") % {"limit": limit},
            code="too_long",
            field=field,
        )
    return text


def _number(
    value: Any,
    field: str,
    *,
    required: bool = True,
    record: str = "",
    bounded: bool = True,
) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            message = REQUIRED_MESSAGES.get(f"{record}.{field}") or _("Enter a number.")
            raise ValidationFailed(message, code="required", field=field)
        return None
    if isinstance(value, bool):
        raise ValidationFailed(_("Enter a number."), code="not_a_number", field=field)
    try:
        text = str(value).strip().replace(",", ".") if isinstance(value, str) else value
        number = float(text)
    except (TypeError, ValueError):
        raise ValidationFailed(
            _("Enter a number, like 7 or 7.5."), code="not_a_number", field=field
        ) from None
    if not math.isfinite(number):
        raise ValidationFailed(_("Enter a number."), code="not_a_number", field=field)
    if bounded and abs(number) > NUMBER_MAX:
        raise ValidationFailed(
            _("Enter a number from %(low)s to %(high)s.")
            % {
                "low": number_format(-NUMBER_MAX, decimal_pos=0, force_grouping=True),
                "high": number_format(NUMBER_MAX, decimal_pos=0, force_grouping=True),
            },
            code="out_of_range",
            field=field,
        )
    return number


def _scale(
    value: Any, field: str, low: int, high: int, *, required: bool = True, record: str = ""
) -> int | None:
    # The scale's own range is tighter than NUMBER_MAX, and its message says which.
    number = _number(value, field, required=required, record=record, bounded=False)
    if number is None:
        return None
    if number != int(number) or not low <= number <= high:
        raise ValidationFailed(
            _("Choose a whole number from %(low)s to %(high)s.") % {"low": low, "high": high},
            code="out_of_range",
            field=field,
        )
    return int(number)


def _date(value: Any, field: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed(
                _("Enter a date as YYYY-MM-DD."), code="bad_date", field=field
            ) from None
    if not YEAR_MIN <= day.year <= YEAR_MAX:
        raise ValidationFailed(
            _("Enter a date from %(low)s to %(high)s.") % {"low": YEAR_MIN, "high": YEAR_MAX},
            code="out_of_range",
            field=field,
        )
    return day.isoformat()


def clean_symptom(raw: dict[str, Any]) -> SymptomData:
    """A symptom: its name, severity 0..10 and a note."""
    problems = _Problems()
    name = problems.check(
        "", _text, raw.get("name"), "name", limit=NAME_MAX, required=True, record="symptom"
    )
    severity = problems.check(0, _scale, raw.get("severity"), "severity", 0, 10, record="symptom")
    note = problems.check("", _text, raw.get("note"), "note", limit=NOTE_MAX)
    problems.raise_any()
    return {"name": name, "severity": severity or 0, "note": note}


def clean_measurement(raw: dict[str, Any]) -> MeasurementData:
    """A measurement of a known type (value in a unit of that type) or a custom one."""
    problems = _Problems()
    type_code = problems.check("", _text, raw.get("type"), "type", limit=40, required=True)
    if type_code and type_code != CUSTOM and type_code not in MEASUREMENT_TYPES:
        problems.add(
            ValidationFailed(_("Choose a kind of measurement."), code="bad_type", field="type")
        )
        type_code = ""
    # A built-in type's value is checked against the type's range below (a clearer message).
    value = problems.check(
        None,
        _number,
        raw.get("value"),
        "value",
        record="measurement",
        bounded=type_code == CUSTOM,
    )
    if type_code == CUSTOM:
        name = problems.check(
            "", _text, raw.get("name"), "name", limit=NAME_MAX, required=True, record="measurement"
        )
        unit = problems.check("", _text, raw.get("unit"), "unit", limit=20)
        value_2 = problems.check(None, _number, raw.get("value_2"), "value_2", required=False)
        note = problems.check("", _text, raw.get("note"), "note", limit=NOTE_MAX)
        problems.raise_any()
        assert value is not None
        return {
            "type": CUSTOM,
            "name": name,
            "value": value,
            "value_2": value_2,
            "unit": unit,
            "note": note,
        }
    kind = MEASUREMENT_TYPES.get(type_code)
    if kind is None:
        # No known type: its unit and range cannot be checked; report what was found.
        problems.check(None, _number, raw.get("value_2"), "value_2", required=False)
        problems.check("", _text, raw.get("note"), "note", limit=NOTE_MAX)
        problems.raise_any()
        raise AssertionError("unreachable: a missing type is always refused")  # pragma: no cover
    unit = problems.check("", _text, raw.get("unit"), "unit", limit=20) or kind.units[0]
    unit_ok = unit in kind.units
    if not unit_ok:
        problems.add(
            ValidationFailed(
                _("Use one of these units: %(units)s.") % {"units": ", ".join(kind.units)},
                code="bad_unit",
                field="unit",
            )
        )
    value_2 = problems.check(
        None,
        _number,
        raw.get("value_2"),
        "value_2",
        required=kind.has_second_value,
        record="measurement",
        bounded=False,
    )
    if not kind.has_second_value:
        value_2 = None
    for field, number in (("value", value), ("value_2", value_2)):
        if number is None or not unit_ok:
            continue
        canonical = to_canonical(type_code, number, unit)
        if not kind.minimum <= canonical <= kind.maximum:
            problems.add(
                ValidationFailed(
                    _("That looks too high or too low for %(what)s: check the number and the unit.")
                    % {"what": kind.label},
                    code="out_of_range",
                    field=field,
                )
            )
    if kind.has_second_value and value is not None and value_2 is not None and value_2 >= value:
        problems.add(
            ValidationFailed(
                _("The second (lower) number should be smaller than the first."),
                code="out_of_range",
                field="value_2",
            )
        )
    note = problems.check("", _text, raw.get("note"), "note", limit=NOTE_MAX)
    problems.raise_any()
    assert value is not None
    return {
        "type": type_code,
        "name": "",
        "value": value,
        "value_2": value_2,
        "unit": unit,
        "note": note,
    }


def clean_mood(raw: dict[str, Any]) -> MoodData:
    """Mood and energy, 1..5 each; at least one of them."""
    problems = _Problems()
    mood = problems.check(None, _scale, raw.get("mood"), "mood", 1, 5, required=False)
    energy = problems.check(None, _scale, raw.get("energy"), "energy", 1, 5, required=False)
    note = problems.check("", _text, raw.get("note"), "note", limit=NOTE_MAX)
    if mood is None and energy is None and not problems.about("mood", "energy"):
        problems.add(
            ValidationFailed(
                _("Choose how your mood or your energy is."), code="required", field="mood"
            )
        )
    problems.raise_any()
    return {"mood": mood, "energy": energy, "note": note}


def clean_diary(raw: dict[str, Any]) -> DiaryData:
    """A diary page: an optional title and its text."""
    problems = _Problems()
    title = problems.check("", _text, raw.get("title"), "title", limit=NAME_MAX)
    text = problems.check(
        "", _text, raw.get("text"), "text", limit=DIARY_MAX, required=True, record="diary"
    )
    problems.raise_any()
    return {"title": title, "text": text}


def clean_goal_check_in(raw: dict[str, Any]) -> GoalCheckInData:
    """Where the member is on a goal: a number, a note, or both."""
    problems = _Problems()
    value = problems.check(None, _number, raw.get("value"), "value", required=False)
    note = problems.check("", _text, raw.get("note"), "note", limit=NOTE_MAX)
    if value is None and not note and not problems.about("value", "note"):
        problems.add(
            ValidationFailed(
                _("Enter where you are now, or a note."), code="required", field="value"
            )
        )
    problems.raise_any()
    return {"value": value, "note": note}


def clean_side_effects(raw: Any) -> list[SideEffect]:
    """Side effects as a list of {"name", "severity"}; also accepts "nausea:4; headache:2"."""
    if raw is None or raw == "":
        return []
    items: list[Any]
    if isinstance(raw, str):
        items = []
        for part in raw.split(";"):
            if not part.strip():
                continue
            name, _sep, severity = part.partition(":")
            items.append({"name": name, "severity": severity.strip() or 0})
    elif isinstance(raw, list):
        items = raw
    else:
        raise ValidationFailed(_("List the side effects."), code="bad_list", field="side_effects")
    if len(items) > SIDE_EFFECTS_MAX:
        # Refused, never cut: nothing a member wrote is silently dropped.
        raise ValidationFailed(
            _("List at most %(count)s side effects.") % {"count": SIDE_EFFECTS_MAX},
            code="too_many",
            field="side_effects",
        )
    cleaned: list[SideEffect] = []
    for item in items:
        if not isinstance(item, dict):
            raise ValidationFailed(
                _("Each side effect needs a name and a severity from 0 to 10."),
                code="bad_list",
                field="side_effects",
            )
        cleaned.append(
            {
                "name": _text(item.get("name"), "side_effects", limit=NAME_MAX, required=True),
                "severity": _scale(item.get("severity", 0), "side_effects", 0, 10) or 0,
            }
        )
    return cleaned


def clean_medication(raw: dict[str, Any]) -> MedicationData:
    """A medicine or treatment: name, dose, dates, effectiveness, side effects, note."""
    problems = _Problems()
    name = problems.check(
        "", _text, raw.get("name"), "name", limit=NAME_MAX, required=True, record="medication"
    )
    dose = problems.check("", _text, raw.get("dose"), "dose", limit=40)
    unit = problems.check("", _text, raw.get("unit"), "unit", limit=20)
    frequency = problems.check("", _text, raw.get("frequency"), "frequency", limit=80)
    reason = problems.check("", _text, raw.get("reason"), "reason", limit=NAME_MAX)
    started_on = problems.check(None, _date, raw.get("started_on"), "started_on")
    stopped_on = problems.check(None, _date, raw.get("stopped_on"), "stopped_on")
    if started_on and stopped_on and stopped_on < started_on:
        problems.add(
            ValidationFailed(
                _("The stop date is before the start date."), code="bad_date", field="stopped_on"
            )
        )
    stop_reason = problems.check("", _text, raw.get("stop_reason"), "stop_reason", limit=NOTE_MAX)
    effectiveness = problems.check(
        None, _scale, raw.get("effectiveness"), "effectiveness", 0, 4, required=False
    )
    side_effects: list[SideEffect] = problems.check([], clean_side_effects, raw.get("side_effects"))
    note = problems.check("", _text, raw.get("note"), "note", limit=NOTE_MAX)
    problems.raise_any()
    return {
        "name": name,
        "dose": dose,
        "unit": unit,
        "frequency": frequency,
        "reason": reason,
        "started_on": started_on,
        "stopped_on": stopped_on,
        "stop_reason": stop_reason,
        "effectiveness": effectiveness,
        "side_effects": side_effects,
        "note": note,
    }


def clean_goal(raw: dict[str, Any]) -> GoalData:
    """A goal: what, an optional target with its unit, an optional due date, a note."""
    problems = _Problems()
    title = problems.check(
        "", _text, raw.get("title"), "title", limit=NAME_MAX, required=True, record="goal"
    )
    target = problems.check(None, _number, raw.get("target"), "target", required=False)
    unit = problems.check("", _text, raw.get("unit"), "unit", limit=20)
    due_on = problems.check(None, _date, raw.get("due_on"), "due_on")
    note = problems.check("", _text, raw.get("note"), "note", limit=NOTE_MAX)
    problems.raise_any()
    return {"title": title, "target": target, "unit": unit, "due_on": due_on, "note": note}


CLEANERS = {
    "symptom": clean_symptom,
    "measurement": clean_measurement,
    "mood": clean_mood,
    "diary": clean_diary,
    "goal_check_in": clean_goal_check_in,
}


def clean_entry(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate one entry's data for its kind (see `CLEANERS`)."""
    cleaner = CLEANERS.get(kind)
    if cleaner is None:
        raise ValidationFailed(_("Unknown kind of entry."), code="bad_kind", field="kind")
    return dict(cleaner(raw))
