"""The clinician-ready summary of a member's journal over a period (page, PDF and JSON).

`build_summary` reads the period's entries, the medicines and the goals in three queries and
returns plain figures; the page, the PDF (`pdf.py`) and the API only lay them out.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.core.errors import ValidationFailed
from carecircle.journal import queries
from carecircle.journal.charts import format_number, trend_of
from carecircle.journal.models import EntryKind, Goal
from carecircle.journal.payloads import CUSTOM, EFFECTIVENESS, MEASUREMENT_TYPES, to_canonical

DEFAULT_MONTHS = 3
MAX_DAYS = 366 * 20
# A symptom's severity is "up" or "down" when the later reports' mean moved by at least this.
SYMPTOM_TREND_THRESHOLD = 1.0


@dataclass
class MedicationLine:
    name: str
    dose: str
    unit: str
    frequency: str
    reason: str
    started_on: date | None
    stopped_on: date | None
    stop_reason: str
    effectiveness: str  # the member's words ("Moderately"), "" when not said
    side_effects: list[str]  # "nausea (4/10)"


@dataclass
class SymptomTrend:
    name: str
    count: int
    average: float
    latest: int
    latest_at: datetime
    trend: str  # "up" (worse), "down" (better) or "steady"

    @property
    def trend_text(self) -> str:
        return trend_label(self.trend)

    @property
    def average_text(self) -> str:
        return format_number(self.average)

    @property
    def latest_text(self) -> str:
        return f"{self.latest} ({_day(timezone.localtime(self.latest_at).date())})"


@dataclass
class MeasurementStats:
    key: str
    label: str
    unit: str
    count: int
    minimum: float
    maximum: float
    average: float
    latest: float
    latest_at: datetime
    # Blood pressure's lower (diastolic) figures; None for single-value measurements.
    minimum_2: float | None = None
    maximum_2: float | None = None
    average_2: float | None = None
    latest_2: float | None = None

    @property
    def cells(self) -> list[str]:
        return measurement_row(self)

    @property
    def labelled_cells(self) -> list[tuple[str, str]]:
        return list(zip(measurement_columns(), measurement_row(self), strict=True))


@dataclass
class GoalProgress:
    title: str
    status: str
    target: float | None
    unit: str
    due_on: date | None
    check_ins: int  # in the period
    latest_value: float | None
    latest_at: datetime | None

    @property
    def target_text(self) -> str:
        return goal_target(self)

    @property
    def latest_text(self) -> str:
        if self.latest_value is None or self.latest_at is None:
            return ""
        day = _day(timezone.localtime(self.latest_at).date())
        return f"{format_number(self.latest_value)} ({day})"


@dataclass
class Note:
    recorded_at: datetime
    kind: str  # an EntryKind value
    title: str  # what the note is about ("Fatigue", "Weight", a diary page's title)
    text: str


@dataclass
class Summary:
    start: date
    end: date
    current_medications: list[MedicationLine] = field(default_factory=list)
    started_medications: list[MedicationLine] = field(default_factory=list)
    stopped_medications: list[MedicationLine] = field(default_factory=list)
    symptoms: list[SymptomTrend] = field(default_factory=list)
    measurements: list[MeasurementStats] = field(default_factory=list)
    mood_count: int = 0
    mood_average: float | None = None
    energy_average: float | None = None
    goals: list[GoalProgress] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def mood_text(self) -> str:
        return mood_sentence(self)

    @property
    def is_empty(self) -> bool:
        return not (
            self.current_medications
            or self.started_medications
            or self.stopped_medications
            or self.symptoms
            or self.measurements
            or self.mood_count
            or self.goals
            or self.notes
        )


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last three months up to today (the same day of the month, or the month's last)."""
    today = today or timezone.localdate()
    month = today.month - DEFAULT_MONTHS
    year = today.year
    while month < 1:
        month += 12
        year -= 1
    day = today.day
    while True:
        try:
            return date(year, month, day), today
        except ValueError:
            day -= 1


def parse_period(start_text: str | None, end_text: str | None) -> tuple[date, date]:
    """The period from two YYYY-MM-DD texts (either may be empty: the default is used)."""
    default_start, default_end = default_period()
    start = _parse_date(start_text, "from") or default_start
    end = _parse_date(end_text, "to") or default_end
    if end < start:
        raise ValidationFailed(
            _("The end date is before the start date."), code="bad_date", field="to"
        )
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(
            _("Choose a period of at most 20 years."), code="bad_date", field="from"
        )
    return start, end


def _parse_date(text: str | None, field_name: str) -> date | None:
    if not text or not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(
            _("Enter a date as YYYY-MM-DD."), code="bad_date", field=field_name
        ) from None


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _iso_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _medication_line(data: dict[str, Any]) -> MedicationLine:
    effectiveness = data.get("effectiveness")
    return MedicationLine(
        name=str(data.get("name", "")),
        dose=str(data.get("dose", "")),
        unit=str(data.get("unit", "")),
        frequency=str(data.get("frequency", "")),
        reason=str(data.get("reason", "")),
        started_on=_iso_date(data.get("started_on")),
        stopped_on=_iso_date(data.get("stopped_on")),
        stop_reason=str(data.get("stop_reason", "")),
        effectiveness=str(EFFECTIVENESS[effectiveness]) if effectiveness is not None else "",
        side_effects=[
            f"{effect['name']} ({effect['severity']}/10)"
            for effect in data.get("side_effects") or []
        ],
    )


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 1)


def build_summary(owner: User, *, start: date, end: date) -> Summary:
    """The owner's summary for the days `start` to `end` (inclusive, in the current time zone)."""
    summary = Summary(start=start, end=end)
    for medication in queries.medications_for(owner):
        line = _medication_line(queries.data_of(medication))
        if line.started_on and start <= line.started_on <= end:
            summary.started_medications.append(line)
        if line.stopped_on and start <= line.stopped_on <= end:
            summary.stopped_medications.append(line)
        began = line.started_on is None or line.started_on <= end
        if began and (line.stopped_on is None or line.stopped_on > end):
            summary.current_medications.append(line)
    summary.started_medications.sort(key=lambda m: (m.started_on or start, m.name))
    summary.stopped_medications.sort(key=lambda m: (m.stopped_on or start, m.name))

    entries = cast(
        list[tuple[str, datetime, dict[str, Any], int | None]],
        list(
            queries.entries_for(
                owner, since=_midnight(start), until=_midnight(end + timedelta(days=1))
            )
            .order_by("recorded_at", "id")
            .values_list("kind", "recorded_at", "data", "goal_id")
        ),
    )
    symptoms: dict[str, list[tuple[datetime, int]]] = defaultdict(list)
    symptom_names: dict[str, str] = {}
    measurements: dict[str, list[tuple[datetime, float, float | None]]] = defaultdict(list)
    measurement_labels: dict[str, tuple[str, str]] = {}
    moods: list[float] = []
    energies: list[float] = []
    mood_entries = 0
    check_ins: dict[int, list[tuple[datetime, float | None]]] = defaultdict(list)
    goal_titles: dict[int, str] = {}
    pending_notes: list[tuple[datetime, str, str, str, int | None]] = []
    for kind, recorded_at, data, goal_id in entries:
        note = str(data.get("note", "") or "")
        if kind == EntryKind.SYMPTOM:
            name = str(data.get("name", "")).strip()
            symptoms[name.casefold()].append((recorded_at, int(data.get("severity", 0))))
            symptom_names[name.casefold()] = name
            if note:
                pending_notes.append((recorded_at, kind, name, note, None))
        elif kind == EntryKind.MEASUREMENT:
            key, label, unit, value, value_2 = _measurement(data)
            if key is None:
                continue
            measurements[key].append((recorded_at, value, value_2))
            measurement_labels.setdefault(key, (label, unit))
            if note:
                pending_notes.append((recorded_at, kind, label, note, None))
        elif kind == EntryKind.MOOD:
            mood_entries += 1
            if data.get("mood") is not None:
                moods.append(float(data["mood"]))
            if data.get("energy") is not None:
                energies.append(float(data["energy"]))
            if note:
                pending_notes.append((recorded_at, kind, _("Mood and energy"), note, None))
        elif kind == EntryKind.DIARY:
            pending_notes.append(
                (recorded_at, kind, str(data.get("title", "")), str(data.get("text", "")), None)
            )
        elif kind == EntryKind.GOAL_CHECK_IN and goal_id is not None:
            goal_value = data.get("value")
            check_ins[goal_id].append(
                (recorded_at, None if goal_value is None else float(goal_value))
            )
            if note:
                pending_notes.append((recorded_at, kind, "", note, goal_id))

    for key, reports in symptoms.items():
        severities = [float(severity) for _at, severity in reports]
        summary.symptoms.append(
            SymptomTrend(
                name=symptom_names[key],
                count=len(reports),
                average=_mean(severities),
                latest=reports[-1][1],
                latest_at=reports[-1][0],
                trend=trend_of(severities, SYMPTOM_TREND_THRESHOLD),
            )
        )
    summary.symptoms.sort(key=lambda s: (-s.count, s.name.casefold()))

    order = list(MEASUREMENT_TYPES)
    for key in sorted(measurements, key=lambda k: (order.index(k) if k in order else 99, k)):
        readings = measurements[key]
        values = [value for _at, value, _second in readings]
        label, unit = measurement_labels[key]
        stats = MeasurementStats(
            key=key,
            label=label,
            unit=unit,
            count=len(readings),
            minimum=round(min(values), 1),
            maximum=round(max(values), 1),
            average=_mean(values),
            latest=round(values[-1], 1),
            latest_at=readings[-1][0],
        )
        seconds = [second for _at, _value, second in readings if second is not None]
        if seconds:
            stats.minimum_2 = round(min(seconds), 1)
            stats.maximum_2 = round(max(seconds), 1)
            stats.average_2 = _mean(seconds)
            last_second = readings[-1][2]
            stats.latest_2 = None if last_second is None else round(last_second, 1)
        summary.measurements.append(stats)

    summary.mood_count = mood_entries
    summary.mood_average = _mean(moods) if moods else None
    summary.energy_average = _mean(energies) if energies else None

    period_start, period_end = _midnight(start), _midnight(end + timedelta(days=1))
    for goal in queries.goals_for(owner).order_by("created_at", "id"):
        goal_data = queries.data_of(goal)
        goal_titles[goal.pk] = str(goal_data.get("title", ""))
        closed_before = goal.closed_at is not None and goal.closed_at < period_start
        if (closed_before or goal.created_at >= period_end) and goal.pk not in check_ins:
            continue
        goal_readings = check_ins.get(goal.pk, [])
        valued = [(at, value) for at, value in goal_readings if value is not None]
        summary.goals.append(
            GoalProgress(
                title=goal_titles[goal.pk],
                status=str(Goal.Status(goal.status).label),
                target=goal_data.get("target"),
                unit=str(goal_data.get("unit", "")),
                due_on=_iso_date(goal_data.get("due_on")),
                check_ins=len(goal_readings),
                latest_value=valued[-1][1] if valued else None,
                latest_at=valued[-1][0] if valued else None,
            )
        )
    for recorded_at, kind, title, text, goal_id in pending_notes:
        if goal_id is not None:
            title = goal_titles.get(goal_id, "")
        summary.notes.append(Note(recorded_at=recorded_at, kind=kind, title=title, text=text))
    return summary


def _measurement(
    data: dict[str, Any],
) -> tuple[str | None, str, str, float, float | None]:
    type_code = str(data.get("type", ""))
    value = data.get("value")
    if value is None:
        return None, "", "", 0.0, None
    second = data.get("value_2")
    if type_code == CUSTOM:
        name = str(data.get("name", "")).strip()
        unit = str(data.get("unit", ""))
        return f"custom:{name.casefold()}:{unit}", name, unit, float(value), None
    kind = MEASUREMENT_TYPES.get(type_code)
    if kind is None:
        return None, "", "", 0.0, None
    unit = str(data.get("unit") or kind.units[0])
    canonical = to_canonical(type_code, float(value), unit)
    canonical_2 = (
        to_canonical(type_code, float(second), unit)
        if kind.has_second_value and second is not None
        else None
    )
    return type_code, str(kind.label), kind.units[0], canonical, canonical_2


def summary_as_dict(summary: Summary) -> dict[str, Any]:
    """The summary as JSON-ready data (dates as ISO text)."""

    def medication(line: MedicationLine) -> dict[str, Any]:
        return {
            "name": line.name,
            "dose": line.dose,
            "unit": line.unit,
            "frequency": line.frequency,
            "reason": line.reason,
            "started_on": line.started_on,
            "stopped_on": line.stopped_on,
            "stop_reason": line.stop_reason,
            "effectiveness": line.effectiveness,
            "side_effects": line.side_effects,
        }

    return {
        "start": summary.start,
        "end": summary.end,
        "current_medications": [medication(m) for m in summary.current_medications],
        "started_medications": [medication(m) for m in summary.started_medications],
        "stopped_medications": [medication(m) for m in summary.stopped_medications],
        "symptoms": [vars(s) for s in summary.symptoms],
        "measurements": [vars(m) for m in summary.measurements],
        "mood": {
            "count": summary.mood_count,
            "mood_average": summary.mood_average,
            "energy_average": summary.energy_average,
        },
        "goals": [vars(g) for g in summary.goals],
        "notes": [vars(n) for n in summary.notes],
    }


def trend_label(trend: str) -> str:
    """A symptom trend in words (severity up is worse), as the charts' descriptions say it."""
    return {"up": _("getting worse"), "down": _("getting better"), "steady": _("steady")}.get(
        trend, trend
    )


def goal_target(goal: GoalProgress) -> str:
    """A goal's target and due date in words ("30 minutes, by 6 Jan 2027")."""
    amount = ""
    if goal.target is not None:
        amount = " ".join(part for part in (format_number(goal.target), goal.unit) if part)
    if goal.due_on is None:
        return amount
    due = _("by %(day)s") % {"day": _day(goal.due_on)}
    return f"{amount}, {due}" if amount else due


def _pair(first: float, second: float | None) -> str:
    if second is None:
        return format_number(first)
    return f"{format_number(first)}/{format_number(second)}"


def measurement_columns() -> list[str]:
    """The headings of `measurement_row`'s cells."""
    return [_("Measurement"), _("Times"), _("Lowest"), _("Highest"), _("Average"), _("Latest")]


def measurement_row(m: MeasurementStats) -> list[str]:
    """One measurement's figures as table cells (blood pressure as "120/80")."""
    label = f"{m.label} ({m.unit})" if m.unit else m.label
    return [
        label,
        str(m.count),
        _pair(m.minimum, m.minimum_2),
        _pair(m.maximum, m.maximum_2),
        _pair(m.average, m.average_2),
        f"{_pair(m.latest, m.latest_2)} ({_day(timezone.localtime(m.latest_at).date())})",
    ]


def mood_sentence(summary: Summary) -> str:
    """Mood and energy averages in one sentence."""
    parts = [_("%(count)s check-ins.") % {"count": summary.mood_count}]
    if summary.mood_average is not None:
        parts.append(
            _("Average mood %(value)s of 5.") % {"value": format_number(summary.mood_average)}
        )
    if summary.energy_average is not None:
        parts.append(
            _("Average energy %(value)s of 5.") % {"value": format_number(summary.energy_average)}
        )
    return " ".join(parts)


def _day(value: date | None) -> str:
    return formats.date_format(value, "j M Y") if value else ""
