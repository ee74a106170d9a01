"""The journal's export formats: one CSV file (and one JSON document) that hold all of it.

CSV format, version 1 (`import_journal_csv` reads exactly what `journal_csv` writes):

- UTF-8. The export starts with a byte-order mark so spreadsheet programs read it as UTF-8;
  an import accepts a file with or without one. Commas separate cells (an import also accepts
  semicolons, as some spreadsheet programs save them).
- Row 1 is the header: the names in `COLUMNS`. An import accepts them in any order and in any
  case, and reads a missing column as empty; a name that is not in `COLUMNS` is refused.
- Every other row is one record; `type` says which: symptom, measurement, mood, diary,
  goal_check_in (dated entries), medication or goal. `USED_COLUMNS` lists the columns each type
  uses; a value in any other column is refused rather than silently dropped.
- `recorded_at`: ISO 8601. The export writes it in the member's time zone with its offset
  (`2026-03-01T08:30:00+01:00`). An import accepts a time with an offset, a time without one
  (read in the member's time zone) or a date alone (noon in the member's time zone). Entries need
  it; for a medication or a goal it is when it was added (optional). As everywhere in the
  journal, a time in the future (beyond a few minutes of clock drift) is refused.
- `measurement_type`: weight, blood_pressure, blood_glucose, heart_rate, temperature, peak_flow,
  sleep, steps, or custom (then `name` and `unit` are the member's own).
- Goals: the `goal` column of a goal row is its key (the export writes the title, made unique
  when two goals share one); a goal_check_in row names its goal in `goal` by that key, or by
  the title of a goal in the file or already in the journal.
- `side_effects`: `name:severity; name:severity` (severity 0-10); a `;` or `\\` inside a name is
  written `\\;` or `\\\\`.
- Numbers use a dot for decimals; dates (`started_on`, `stopped_on`, `due_on`) are YYYY-MM-DD;
  `closed_at` is a timestamp like `recorded_at`. An achieved or stopped goal without a
  `closed_at` closed at its `recorded_at`; with neither it is refused; an active goal has none.
- Against spreadsheet formula injection, a cell that starts with `=`, `+`, `-`, `@`, a tab or a
  carriage return (after any leading quotes) is written with one more `'` in front, unless it
  is a plain number; an import removes exactly that one quote.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zoneinfo
from collections import Counter, defaultdict
from datetime import date, datetime, time
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.errors import ValidationFailed
from carecircle.journal.models import Goal, JournalEntry, Medication
from carecircle.journal.queries import data_of, entries_for, goals_for, medications_for
from carecircle.notifications.preferences import member_zone

FORMAT_VERSION = 1
JSON_FORMAT_NAME = "carecircle.journal"

COLUMNS: tuple[str, ...] = (
    "type",
    "recorded_at",
    "name",
    "measurement_type",
    "value",
    "value_2",
    "unit",
    "severity",
    "mood",
    "energy",
    "note",
    "title",
    "text",
    "dose",
    "frequency",
    "reason",
    "started_on",
    "stopped_on",
    "stop_reason",
    "effectiveness",
    "side_effects",
    "target",
    "due_on",
    "status",
    "closed_at",
    "goal",
)

ENTRY_TYPES = ("symptom", "measurement", "mood", "diary", "goal_check_in")
TYPES: tuple[str, ...] = (*ENTRY_TYPES, "medication", "goal")

USED_COLUMNS: dict[str, tuple[str, ...]] = {
    "symptom": ("name", "severity", "note"),
    "measurement": ("measurement_type", "name", "value", "value_2", "unit", "note"),
    "mood": ("mood", "energy", "note"),
    "diary": ("title", "text"),
    "goal_check_in": ("goal", "value", "note"),
    "medication": (
        "name",
        "dose",
        "unit",
        "frequency",
        "reason",
        "started_on",
        "stopped_on",
        "stop_reason",
        "effectiveness",
        "side_effects",
        "note",
    ),
    "goal": ("goal", "title", "target", "unit", "due_on", "status", "closed_at", "note"),
}

# Where a payload's field appears in the file, when the names differ.
PAYLOAD_FIELD_COLUMNS = {"kind": "type"}
MEASUREMENT_FIELD_COLUMNS = {"type": "measurement_type"}

_TRIGGERS = frozenset("=+-@\t\r")
# A number a spreadsheet reads as a number, never as a formula or a reference ("-E1" is not one).
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?")


# --- cells -------------------------------------------------------------------------------


def protect_cell(text: str) -> str:
    """A cell as written to the file: one `'` more when a spreadsheet could run it as a formula."""
    unquoted = text.lstrip("'")
    if unquoted and unquoted[0] in _TRIGGERS and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def unprotect_cell(text: str) -> str:
    """Undo `protect_cell` exactly: remove the one `'` it adds, and nothing else."""
    if text.startswith("'"):
        rest = text[1:]
        unquoted = rest.lstrip("'")
        if unquoted and unquoted[0] in _TRIGGERS:
            return rest
    return text


def number_text(value: Any) -> str:
    """A stored number as a cell: "" for none, "70" rather than "70.0", full precision."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def side_effects_text(side_effects: list[dict[str, Any]]) -> str:
    """Side effects as `name:severity; name:severity` (`;` and `\\` in a name escaped)."""
    parts = []
    for item in side_effects:
        name = str(item.get("name", "")).replace("\\", "\\\\").replace(";", "\\;")
        parts.append(f"{name}:{item.get('severity', 0)}")
    return "; ".join(parts)


def parse_side_effects(text: str) -> list[dict[str, Any]]:
    """Read `side_effects_text` back into [{"name", "severity"}] for payloads.clean_medication.

    The severity follows the last `:`, so a name may hold a colon; a missing severity is 0.
    """
    items: list[str] = []
    current: list[str] = []
    characters = iter(text)
    for character in characters:
        if character == "\\":
            current.append(next(characters, ""))
        elif character == ";":
            items.append("".join(current))
            current = []
        else:
            current.append(character)
    items.append("".join(current))
    side_effects: list[dict[str, Any]] = []
    for item in items:
        if not item.strip():
            continue
        name, separator, severity = item.rpartition(":")
        if not separator:
            name, severity = item, ""
        side_effects.append({"name": name.strip(), "severity": severity.strip() or 0})
    return side_effects


# --- times -------------------------------------------------------------------------------


def timestamp_text(moment: datetime | None, zone: zoneinfo.ZoneInfo) -> str:
    """A stored moment in the member's zone, ISO 8601 with its offset ("" for none)."""
    if moment is None:
        return ""
    return moment.astimezone(zone).isoformat()


def parse_timestamp(text: str, zone: zoneinfo.ZoneInfo, *, field: str) -> datetime:
    """A cell as an aware datetime: with an offset, naive (member's zone) or a date (noon)."""
    text = text.strip()
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(12), tzinfo=zone)
        else:
            moment = datetime.fromisoformat(text)
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=zone)
    except ValueError:
        raise ValidationFailed(
            _("Enter a date and time like 2026-03-01T08:30:00+01:00, or a date like 2026-03-01."),
            code="bad_date",
            field=field,
        ) from None
    if not 1900 <= moment.year <= 2200:
        raise ValidationFailed(
            _("Enter a year between 1900 and 2200."), code="bad_date", field=field
        )
    return moment


# --- reading a file ----------------------------------------------------------------------


def decode(content: bytes) -> str:
    """The file's text: UTF-8 with or without a byte-order mark; anything else is refused."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValidationFailed(
            _(
                "This file is saved as UTF-16. Save it as “CSV UTF-8” (comma-separated) "
                "and try again."
            ),
            code="bad_encoding",
            field="file",
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            _(
                "This file is not in UTF-8. Save it as “CSV UTF-8” (comma-separated) from "
                "your spreadsheet program and try again."
            ),
            code="bad_encoding",
            field="file",
        ) from None
    if "\x00" in text:
        raise ValidationFailed(
            _("This does not look like a CSV file."), code="bad_file", field="file"
        )
    return text


# Lines in the file, blank ones and lines inside quoted notes included: far more than any real
# journal's 20,000 rows need, and a bound on the time spent reading a hostile file.
MAX_PHYSICAL_LINES = 200_000


def read_records(text: str, *, max_rows: int = 20_000) -> list[tuple[int, list[str]]]:
    """(line, cells) for the header and every non-blank row, numbered as a spreadsheet shows
    them (the header is 1). Stops after `max_rows` + 1 rows, so the caller can refuse a file
    that is too long without holding all of it.

    A cell with a line break inside quotes stays one row, as in a spreadsheet. Blank rows are
    skipped as they are read: a file of a header and millions of empty lines costs nothing.
    """
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for cells in reader:
            line += 1
            if reader.line_num > MAX_PHYSICAL_LINES:
                raise ValidationFailed(
                    _("This file has too many lines: the most is %(count)s.")
                    % {"count": MAX_PHYSICAL_LINES},
                    code="too_many_rows",
                    field="file",
                )
            if records and not any(cell.strip() for cell in cells):
                continue
            records.append((line, cells))
            if len(records) > max_rows + 1:
                break
    except csv.Error:
        raise ValidationFailed(
            _("Row %(line)s cannot be read as CSV (check its quotes).") % {"line": line + 1},
            code="bad_file",
            field="file",
        ) from None
    return records


# --- writing -----------------------------------------------------------------------------


def goal_keys(goals: list[Goal]) -> dict[int, str]:
    """A key for each goal: its title, with " (2)", " (3)" ... when titles repeat."""
    titles = Counter(str(data_of(goal).get("title", "")) for goal in goals)
    taken = set(titles)
    seen: Counter[str] = Counter()
    keys: dict[int, str] = {}
    for goal in sorted(goals, key=lambda g: (g.created_at, g.pk)):
        title = str(data_of(goal).get("title", ""))
        seen[title] += 1
        key = title
        if titles[title] > 1 and seen[title] > 1:
            number = seen[title]
            while f"{title} ({number})" in taken:
                number += 1
            key = f"{title} ({number})"
            taken.add(key)
        keys[goal.pk] = key
    return keys


def _goal_row(goal: Goal, key: str, zone: zoneinfo.ZoneInfo) -> dict[str, str]:
    data = data_of(goal)
    return {
        "type": "goal",
        "recorded_at": timestamp_text(goal.created_at, zone),
        "goal": key,
        "title": data.get("title", ""),
        "target": number_text(data.get("target")),
        "unit": data.get("unit", ""),
        "due_on": data.get("due_on") or "",
        "status": goal.status,
        "closed_at": timestamp_text(goal.closed_at, zone),
        "note": data.get("note", ""),
    }


def _medication_row(medication: Medication, zone: zoneinfo.ZoneInfo) -> dict[str, str]:
    data = data_of(medication)
    return {
        "type": "medication",
        "recorded_at": timestamp_text(medication.created_at, zone),
        "name": data.get("name", ""),
        "dose": data.get("dose", ""),
        "unit": data.get("unit", ""),
        "frequency": data.get("frequency", ""),
        "reason": data.get("reason", ""),
        "started_on": data.get("started_on") or "",
        "stopped_on": data.get("stopped_on") or "",
        "stop_reason": data.get("stop_reason", ""),
        "effectiveness": number_text(data.get("effectiveness")),
        "side_effects": side_effects_text(data.get("side_effects") or []),
        "note": data.get("note", ""),
    }


def _entry_row(
    entry: JournalEntry, zone: zoneinfo.ZoneInfo, keys: dict[int, str]
) -> dict[str, str]:
    data = data_of(entry)
    row = {"type": entry.kind, "recorded_at": timestamp_text(entry.recorded_at, zone)}
    if entry.kind == "measurement":
        row["measurement_type"] = data.get("type", "")
    if entry.kind == "goal_check_in":
        row["goal"] = keys.get(entry.goal_id or 0, "")
    for column in USED_COLUMNS[entry.kind]:
        if column in row or column not in data:
            continue
        value = data[column]
        row[column] = value if isinstance(value, str) else number_text(value)
    return row


def journal_rows(owner: Any) -> list[dict[str, str]]:
    """Every record of the owner's journal as CSV rows: goals, medicines, then entries by time."""
    zone = member_zone(owner)
    goals = list(goals_for(owner))
    keys = goal_keys(goals)
    rows = [
        _goal_row(goal, keys[goal.pk], zone)
        for goal in sorted(goals, key=lambda g: (g.created_at, g.pk))
    ]
    medications = sorted(medications_for(owner), key=lambda m: (m.created_at, m.pk))
    rows += [_medication_row(medication, zone) for medication in medications]
    entries = entries_for(owner).order_by("recorded_at", "pk")
    rows += [_entry_row(entry, zone, keys) for entry in entries]
    return rows


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    """The rows as a CSV file (UTF-8 with a byte-order mark), every cell protected."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([protect_cell(str(row.get(column, "") or "")) for column in COLUMNS])
    return buffer.getvalue().encode("utf-8-sig")


def journal_csv(owner: Any) -> bytes:
    """The owner's whole journal as one CSV file (see the module docstring)."""
    return csv_bytes(journal_rows(owner))


def template_csv() -> bytes:
    """An empty file with just the header row, to fill in."""
    return csv_bytes([])


def entry_document(entry: JournalEntry, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """One entry in the JSON export (and the account data export)."""
    return {
        "kind": entry.kind,
        "recorded_at": timestamp_text(entry.recorded_at, zone),
        "source": entry.source,
        "data": data_of(entry),
    }


def medication_document(medication: Medication, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """One medicine in the JSON export (and the account data export)."""
    return {"created_at": timestamp_text(medication.created_at, zone), "data": data_of(medication)}


def goal_document(goal: Goal, key: str, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    """One goal (without its check-ins) in the JSON export (and the account data export)."""
    return {
        "key": key,
        "status": goal.status,
        "created_at": timestamp_text(goal.created_at, zone),
        "closed_at": timestamp_text(goal.closed_at, zone) or None,
        "data": data_of(goal),
    }


def journal_document(owner: Any) -> dict[str, Any]:
    """The owner's whole journal as one JSON-ready dict, with `format_version`."""
    zone = member_zone(owner)
    goals = sorted(goals_for(owner), key=lambda g: (g.created_at, g.pk))
    keys = goal_keys(goals)
    entries: list[dict[str, Any]] = []
    check_ins: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries_for(owner).order_by("recorded_at", "pk"):
        if entry.goal_id is not None:
            check_ins[entry.goal_id].append(entry_document(entry, zone))
        else:
            entries.append(entry_document(entry, zone))
    medications = sorted(medications_for(owner), key=lambda m: (m.created_at, m.pk))
    return {
        "format": JSON_FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "exported_at": timestamp_text(timezone.now(), zone),
        "time_zone": str(zone.key),
        "entries": entries,
        "medications": [medication_document(m, zone) for m in medications],
        "goals": [
            {**goal_document(goal, keys[goal.pk], zone), "check_ins": check_ins[goal.pk]}
            for goal in goals
        ],
    }


def journal_json(owner: Any) -> bytes:
    """`journal_document` as UTF-8 JSON text."""
    document = journal_document(owner)
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def export_file_name(owner: Any, extension: str) -> str:
    """A download's file name: the date only, nothing about the member."""
    day = timezone.now().astimezone(member_zone(owner)).date().isoformat()
    return f"carecircle-journal-{day}.{extension}"
