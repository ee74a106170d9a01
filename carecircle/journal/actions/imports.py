"""Importing a journal from a CSV file (the format in `csvformat.py`): all of it, or nothing.

Every row is validated through `payloads.clean_*`, exactly as a form or the API would, and every
problem is collected with its line (as a spreadsheet numbers rows: the header is line 1) and
column. If any row has a problem nothing is written; otherwise everything is written in one
transaction. A row identical to a record already in the journal (same type, time and data) is
skipped, so importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carecircle.core.audit import record_event
from carecircle.core.errors import ValidationFailed
from carecircle.core.ratelimit import check_rate
from carecircle.journal import csvformat
from carecircle.journal.actions import count_journal_write
from carecircle.journal.actions.entries import clean_recorded_at
from carecircle.journal.models import EntrySource, Goal, JournalEntry, Medication
from carecircle.journal.payloads import clean_entry, clean_goal, clean_medication, error_details
from carecircle.journal.permissions import check_can_write_journal
from carecircle.journal.queries import data_of, entries_for, goals_for

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 20_000
# Every error is counted; this many are kept to show (a file broken throughout says so early).
MAX_REPORTED_ERRORS = 1000
IMPORT_RATE = "30/h"


@dataclass(frozen=True)
class RowError:
    """One problem in the file: line 1 is the header; `column` is "" for the whole row."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Line %(line)s, %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("Line %(line)s: %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class ImportReport:
    """What an import did: counts per type, or the problems found (and then nothing written)."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(csvformat.TYPES, 0))
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(csvformat.TYPES, 0))
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0

    def add_error(self, line: int, column: str, message: Any) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(RowError(line=line, column=column, message=str(message)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": dict(self.created),
            "skipped": dict(self.skipped),
            "errors": [
                {"line": e.line, "column": e.column, "message": e.message} for e in self.errors
            ],
            "error_count": self.error_count,
        }


@dataclass
class _Row:
    line: int
    type: str
    recorded_at: datetime | None
    data: dict[str, Any]
    status: str = ""
    closed_at: datetime | None = None
    goal_ref: str = ""  # a goal row's key, or the goal a check-in belongs to
    goal: Goal | None = None  # resolved target of a check-in


def _fingerprint(data: Any) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _read_header(cells: list[str], report: ImportReport) -> list[str]:
    names = [csvformat.unprotect_cell(cell).strip().lower() for cell in cells]
    seen: set[str] = set()
    for name in names:
        if name and name not in csvformat.COLUMNS:
            report.add_error(1, name, _("This is not a column of the journal file format."))
        elif name in seen:
            report.add_error(1, name, _("This column appears twice."))
        seen.add(name)
    for required in ("type", "recorded_at"):
        if required not in seen:
            report.add_error(1, required, _("The header needs this column."))
    return names


def _moment(text: str, zone: Any, field: str) -> datetime:
    """A time cell read as the file format says, then held to the rule of every way in: not in
    the future (a few minutes' clock drift aside), not before 1900."""
    moment = csvformat.parse_timestamp(text, zone, field=field)
    return clean_recorded_at(moment)


def _clean_row(line: int, cells: dict[str, str], zone: Any, report: ImportReport) -> _Row | None:
    kind = cells.get("type", "").strip().lower()
    if kind not in csvformat.TYPES:
        report.add_error(
            line,
            "type",
            _("Use one of: %(types)s.") % {"types": ", ".join(csvformat.TYPES)},
        )
        return None
    errors_before = report.error_count
    used = csvformat.USED_COLUMNS[kind]
    for column, value in cells.items():
        if column not in used and column not in ("type", "recorded_at") and value.strip():
            report.add_error(
                line,
                column,
                _("This column is not used for a %(type)s: leave it empty.") % {"type": kind},
            )
    recorded_at: datetime | None = None
    text = cells.get("recorded_at", "").strip()
    if text:
        try:
            recorded_at = _moment(text, zone, "recorded_at")
        except ValidationFailed as error:
            report.add_error(line, "recorded_at", error.message)
    elif kind in csvformat.ENTRY_TYPES:
        report.add_error(line, "recorded_at", _("This is needed."))
    row = _Row(line=line, type=kind, recorded_at=recorded_at, data={})
    raw: dict[str, Any] = {column: cells.get(column, "") for column in used}
    columns = dict(csvformat.PAYLOAD_FIELD_COLUMNS)
    try:
        if kind == "medication":
            raw["side_effects"] = csvformat.parse_side_effects(raw["side_effects"])
            row.data = dict(clean_medication(raw))
        elif kind == "goal":
            row.goal_ref = raw["goal"].strip()
            _clean_goal_state(row, raw, text, zone, report)
            row.data = dict(clean_goal(raw))
        else:
            if kind == "measurement":
                raw["type"] = raw.pop("measurement_type").strip().lower()
                columns.update(csvformat.MEASUREMENT_FIELD_COLUMNS)
            if kind == "goal_check_in":
                row.goal_ref = raw.pop("goal").strip()
                if not row.goal_ref:
                    report.add_error(line, "goal", _("Name the goal (its key or title)."))
            row.data = clean_entry(kind, raw)
    except ValidationFailed as error:
        # Every problem of the row, each with its column (the cleaners list them all).
        for detail in error_details([error]):
            field_name = str(detail.get("field") or "")
            report.add_error(line, columns.get(field_name, field_name), detail["message"])
    return row if report.error_count == errors_before else None


def _clean_goal_state(
    row: _Row, raw: dict[str, Any], recorded_text: str, zone: Any, report: ImportReport
) -> None:
    status = str(raw.pop("status")).strip().lower() or Goal.Status.ACTIVE
    if status not in Goal.Status.values:
        report.add_error(
            row.line,
            "status",
            _("Use one of: %(statuses)s.") % {"statuses": ", ".join(Goal.Status.values)},
        )
    row.status = status
    closed_text = str(raw.pop("closed_at")).strip()
    if closed_text:
        try:
            row.closed_at = _moment(closed_text, zone, "closed_at")
        except ValidationFailed as error:
            report.add_error(row.line, "closed_at", error.message)
            return
        if status == Goal.Status.ACTIVE:
            report.add_error(
                row.line,
                "closed_at",
                _("A goal you are still working on has no closed date: leave this empty."),
            )
    elif status in (Goal.Status.ACHIEVED, Goal.Status.STOPPED):
        # A closed goal always has its closing time (sharing reads a goal without one as open):
        # without a closed_at it closed when it was recorded; with neither it is refused.
        if row.recorded_at is not None:
            row.closed_at = row.recorded_at
        elif not recorded_text:
            report.add_error(
                row.line,
                "closed_at",
                _("A goal you achieved or stopped needs the date it closed (or a recorded_at)."),
            )
    raw.pop("goal", None)


def _resolve_goals(
    rows: list[_Row], existing: list[Goal], report: ImportReport
) -> dict[int, _Row | Goal]:
    """Each check-in's goal: a goal row of the file (by key, then title) or one in the journal."""
    goal_rows = [row for row in rows if row.type == "goal"]
    by_key: dict[str, _Row] = {}
    for row in goal_rows:
        if not row.goal_ref:
            continue
        if row.goal_ref in by_key:
            report.add_error(row.line, "goal", _("Another goal in this file has this key."))
        by_key.setdefault(row.goal_ref, row)
    file_titles: dict[str, list[_Row]] = defaultdict(list)
    for row in goal_rows:
        file_titles[row.data["title"]].append(row)
    journal_titles: dict[str, list[Goal]] = defaultdict(list)
    for goal in existing:
        journal_titles[str(data_of(goal).get("title", ""))].append(goal)
    targets: dict[int, _Row | Goal] = {}
    for row in rows:
        if row.type != "goal_check_in":
            continue
        reference = row.goal_ref
        candidates: list[_Row] | list[Goal]
        if reference in by_key:
            targets[row.line] = by_key[reference]
            continue
        candidates = file_titles.get(reference) or journal_titles.get(reference) or []
        if len(candidates) == 1:
            targets[row.line] = candidates[0]
        elif candidates:
            report.add_error(
                row.line,
                "goal",
                _(
                    "More than one goal has this title: give each goal its own key in "
                    "the goal column."
                ),
            )
        else:
            report.add_error(
                row.line, "goal", _("No goal with this key or title, in this file or your journal.")
            )
    return targets


def _parse(actor: Any, content: bytes, report: ImportReport) -> list[_Row]:
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed(
            _("This file is too big: the most is %(size)s.")
            % {"size": filesizeformat(MAX_IMPORT_BYTES)},
            code="too_big",
            field="file",
        )
    records = csvformat.read_records(csvformat.decode(content))
    if not records:
        raise ValidationFailed(_("This file is empty."), code="empty", field="file")
    header = _read_header(records[0][1], report)
    body = [(line, cells) for line, cells in records[1:] if any(c.strip() for c in cells)]
    if not body:
        raise ValidationFailed(
            _("This file has a header but no rows to import."), code="empty", field="file"
        )
    if len(body) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            ngettext(
                "This file has too many rows: the most is %(count)s.",
                "This file has too many rows: the most is %(count)s.",
                MAX_IMPORT_ROWS,
            )
            % {"count": MAX_IMPORT_ROWS},
            code="too_many_rows",
            field="file",
        )
    if not report.is_valid:
        return []
    zone = csvformat.member_zone(actor)
    rows: list[_Row] = []
    for line, cells in body:
        if len(cells) != len(header):
            report.add_error(
                line,
                "",
                _("This row has %(cells)s cells; the header has %(columns)s.")
                % {"cells": len(cells), "columns": len(header)},
            )
            continue
        named = {
            name: csvformat.unprotect_cell(cell)
            for name, cell in zip(header, cells, strict=True)
            if name
        }
        row = _clean_row(line, named, zone, report)
        if row is not None:
            rows.append(row)
    return rows


def import_journal_csv(*, actor: Any, content: bytes) -> ImportReport:
    """Add a CSV file's records to the actor's journal: all rows valid, or nothing is written.

    Raises ValidationFailed (field "file") for a file that cannot be read at all; otherwise
    returns the report, with errors (nothing written) or counts per type.
    """
    check_can_write_journal(actor)
    count_journal_write(actor)
    check_rate(scope="journal-import", key=str(actor.pk), rate=IMPORT_RATE)
    report = ImportReport()
    rows = _parse(actor, content, report)
    needs_goals = any(row.type in ("goal", "goal_check_in") for row in rows)
    existing_goals = list(goals_for(actor).order_by("created_at", "pk")) if needs_goals else []
    targets = _resolve_goals(rows, existing_goals, report)
    if not report.is_valid:
        report.errors.sort(key=lambda error: error.line)
        return report

    with transaction.atomic():
        goals = _plan_goals(actor, rows, existing_goals, report)
        medications = _plan_medications(actor, rows, report)
        Goal.objects.bulk_create([goal for goal, _row in goals])
        Medication.objects.bulk_create([medication for medication, _row in medications])
        _restore_created_at(Goal, goals)
        _restore_created_at(Medication, medications)
        for row in rows:
            target = targets.get(row.line)
            if target is not None:
                row.goal = target.goal if isinstance(target, _Row) else target
        JournalEntry.objects.bulk_create(_plan_entries(actor, rows, report), batch_size=500)
        record_event(
            actor=actor,
            verb="journal.import",
            target=actor,
            subject=actor,
            # That an import happened, and its size: what a journal holds is not for the log.
            rows=len(rows),
        )
    return report


def _plan_goals(
    actor: Any, rows: list[_Row], existing: list[Goal], report: ImportReport
) -> list[tuple[Goal, _Row]]:
    """New goals to create; a goal row identical to one in the journal maps onto that one."""
    available: dict[tuple[str, str], list[Goal]] = defaultdict(list)
    for goal in existing:
        available[(goal.status, _fingerprint(data_of(goal)))].append(goal)
    planned: list[tuple[Goal, _Row]] = []
    for row in rows:
        if row.type != "goal":
            continue
        same = available.get((row.status, _fingerprint(row.data)))
        if same:
            row.goal = same.pop(0)
            report.skipped["goal"] += 1
            continue
        row.goal = Goal(
            owner=actor, status=row.status, data=cast(Any, row.data), closed_at=row.closed_at
        )
        planned.append((row.goal, row))
        report.created["goal"] += 1
    return planned


def _plan_medications(
    actor: Any, rows: list[_Row], report: ImportReport
) -> list[tuple[Medication, _Row]]:
    medication_rows = [row for row in rows if row.type == "medication"]
    if not medication_rows:
        return []
    available = Counter(_fingerprint(data_of(m)) for m in Medication.objects.filter(owner=actor))
    planned: list[tuple[Medication, _Row]] = []
    for row in medication_rows:
        key = _fingerprint(row.data)
        if available[key] > 0:
            available[key] -= 1
            report.skipped["medication"] += 1
            continue
        planned.append((Medication(owner=actor, data=cast(Any, row.data)), row))
        report.created["medication"] += 1
    return planned


def _plan_entries(actor: Any, rows: list[_Row], report: ImportReport) -> list[JournalEntry]:
    entry_rows = [row for row in rows if row.type in csvformat.ENTRY_TYPES]
    if not entry_rows:
        return []
    moments = [row.recorded_at for row in entry_rows if row.recorded_at is not None]
    available = Counter(
        (entry.kind, _utc(entry.recorded_at), entry.goal_id, _fingerprint(data_of(entry)))
        for entry in entries_for(actor, since=min(moments)).filter(recorded_at__lte=max(moments))
    )
    planned: list[JournalEntry] = []
    for row in entry_rows:
        assert row.recorded_at is not None
        goal = row.goal
        key = (row.type, _utc(row.recorded_at), goal.pk if goal else None, _fingerprint(row.data))
        if available[key] > 0:
            available[key] -= 1
            report.skipped[row.type] += 1
            continue
        planned.append(
            JournalEntry(
                owner=actor,
                kind=row.type,
                recorded_at=row.recorded_at,
                data=cast(Any, row.data),
                source=EntrySource.IMPORT,
                goal=goal,
            )
        )
        report.created[row.type] += 1
    return planned


def _restore_created_at(model: type[Goal] | type[Medication], planned: list[Any]) -> None:
    """Keep when a goal or medicine was first added, as the file says (bulk_create stamps now)."""
    dated = []
    for record, row in planned:
        if row.recorded_at is not None:
            record.created_at = row.recorded_at
            dated.append(record)
    if dated:
        model.objects.bulk_update(dated, ["created_at"], batch_size=500)  # type: ignore[attr-defined]
