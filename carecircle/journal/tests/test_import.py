"""CSV import: every problem reported by line and column with nothing written; refusals."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.core.errors import PermissionDeniedError, RateLimitedError, ValidationFailed
from carecircle.core.models import AuditEvent
from carecircle.journal import csvformat
from carecircle.journal.actions import imports
from carecircle.journal.actions.imports import RowError, import_journal_csv
from carecircle.journal.models import Goal, JournalEntry, Medication
from carecircle.journal.payloads import clean_goal
from carecircle.journal.queries import data_of


def row(**cells: str) -> str:
    """One CSV line with the given cells in their columns (no quoting: simple values only)."""
    return ",".join(cells.get(column, "") for column in csvformat.COLUMNS)


def csv_text(*lines: str, header: str = ",".join(csvformat.COLUMNS)) -> bytes:
    return "\n".join([header, *lines, ""]).encode()


def counts() -> tuple[int, int, int, int]:
    return (
        JournalEntry.objects.count(),
        Medication.objects.count(),
        Goal.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_malformed_file_reports_every_problem_by_line_and_writes_nothing(patient):
    Goal.objects.create(owner=patient, data=clean_goal({"title": "Sleep more"}))
    Goal.objects.create(owner=patient, data=clean_goal({"title": "Sleep more"}))
    quoted_note = '"a note, on two\nlines"'
    content = csv_text(
        row(type="symptom", recorded_at="2026-03-01T08:00", name="Headache", severity="4"),  # 2
        row(type="symptom", recorded_at="2026-13-01", name="Headache", severity="4"),  # 3
        row(type="symptom", recorded_at="2026-03-01", name="Headache", severity="11"),  # 4
        row(type="weather", recorded_at="2026-03-01", name="Rain"),  # 5
        row(type="symptom", recorded_at="2026-03-01", severity="2"),  # 6
        "symptom,2026-03-01,Cough,,,,,3",  # 7: too few cells
        row(type="goal_check_in", recorded_at="2026-03-01", goal="Run a marathon", value="3"),  # 8
        row(type="measurement", recorded_at="2026-03-02", measurement_type="weight", value="80",
            note=quoted_note),  # 9 and 10 in a text editor, one row (9) in a spreadsheet
        row(type="mood", recorded_at="2026-03-02"),  # 10
        row(type="symptom", name="Dizzy", severity="1", mood="3"),  # 11
        row(type="medication", name="Ibuprofen", started_on="2026-02-30", side_effects="rash:12"),
        row(type="goal", title="Walk", status="paused", closed_at="yesterday"),  # 13
        row(type="goal_check_in", recorded_at="2026-03-03", goal="Sleep more", value="7"),  # 14
        row(type="measurement", recorded_at="2026-03-03", measurement_type="glucose", value="5"),
        "",  # 16: an empty row is skipped, but still counted as a line
        row(type="goal_check_in", recorded_at="2026-03-04", goal="Walk"),  # 17
    )  # fmt: skip
    before = counts()

    report = import_journal_csv(actor=patient, content=content)

    assert report.errors == [
        RowError(3, "recorded_at", "Enter a date and time like 2026-03-01T08:30:00+01:00, "
                 "or a date like 2026-03-01."),
        RowError(4, "severity", "Choose a whole number from 0 to 10."),
        RowError(5, "type", "Use one of: symptom, measurement, mood, diary, goal_check_in, "
                 "medication, goal."),
        RowError(6, "name", "Enter the symptom's name."),
        RowError(7, "", "This row has 8 cells; the header has 26."),
        RowError(8, "goal", "No goal with this key or title, in this file or your journal."),
        RowError(10, "mood", "Choose how your mood or your energy is."),
        RowError(11, "mood", "This column is not used for a symptom: leave it empty."),
        RowError(11, "recorded_at", "This is needed."),
        RowError(12, "started_on", "Enter a date as YYYY-MM-DD."),
        # Every problem of a row, not only its first one.
        RowError(12, "side_effects", "Choose a whole number from 0 to 10."),
        RowError(13, "status", "Use one of: active, achieved, stopped."),
        RowError(13, "closed_at", "Enter a date and time like 2026-03-01T08:30:00+01:00, "
                 "or a date like 2026-03-01."),
        RowError(14, "goal", "More than one goal has this title: give each goal its own key "
                 "in the goal column."),
        RowError(15, "measurement_type", "Choose a kind of measurement."),
        RowError(17, "value", "Enter where you are now, or a note."),
    ]  # fmt: skip
    assert report.error_count == 16
    assert report.created == dict.fromkeys(csvformat.TYPES, 0)
    assert counts() == before
    assert str(report.errors[1]) == "Line 4, severity: Choose a whole number from 0 to 10."
    assert str(report.errors[4]) == "Line 7: This row has 8 cells; the header has 26."


def test_the_header_is_checked_first(patient):
    content = csv_text(
        row(type="symptom", recorded_at="2026-03-01", name="Cough", severity="2"),
        header=",".join(["Type", "name", "severity", "colour", "name"]),
    )

    report = import_journal_csv(actor=patient, content=content)

    assert report.errors == [
        RowError(1, "colour", "This is not a column of the journal file format."),
        RowError(1, "name", "This column appears twice."),
        RowError(1, "recorded_at", "The header needs this column."),
    ]
    assert JournalEntry.objects.count() == 0


def test_accepted_forms_times_bom_semicolons_fewer_columns_and_goals_by_title(patient):
    User.objects.filter(pk=patient.pk).update(time_zone="Europe/Berlin")
    patient.refresh_from_db()
    walk = Goal.objects.create(owner=patient, data=clean_goal({"title": "Walk"}))
    content = "\ufeff" + "\r\n".join(
        [
            "TYPE;Recorded_At;name;severity;goal;value;note;measurement_type;unit;title",
            "symptom;2026-03-01 08:30;Cough;2;;;'=1+1;;;",
            "symptom;2026-03-01T08:30:00Z;Cough;2;;;;;;",
            "Goal_Check_In;2026-07-01;;;Walk;3,5;;;;",
            "goal_check_in;2026-07-02;;;new walk;;'''-ok;;;",
            "goal;;;;new walk;;;;;Walk further",
            "measurement;2026-03-01;;;;98.6;;TEMPERATURE;°F;",
        ]
    )

    report = import_journal_csv(actor=patient, content=content.encode())

    assert report.error_count == 0
    assert report.created == {
        "symptom": 2, "measurement": 1, "mood": 0, "diary": 0, "goal_check_in": 2,
        "medication": 0, "goal": 1,
    }  # fmt: skip
    entries = {
        (e.kind, e.recorded_at.isoformat()): (data_of(e), e.goal_id)
        for e in JournalEntry.objects.filter(owner=patient)
    }
    new_walk = Goal.objects.exclude(pk=walk.pk).get()
    assert entries == {
        ("symptom", "2026-03-01T07:30:00+00:00"): (
            {"name": "Cough", "severity": 2, "note": "=1+1"},
            None,
        ),
        ("symptom", "2026-03-01T08:30:00+00:00"): (
            {"name": "Cough", "severity": 2, "note": ""},
            None,
        ),
        ("goal_check_in", "2026-07-01T10:00:00+00:00"): ({"value": 3.5, "note": ""}, walk.pk),
        ("goal_check_in", "2026-07-02T10:00:00+00:00"): (
            {"value": None, "note": "''-ok"},
            new_walk.pk,
        ),
        ("measurement", "2026-03-01T11:00:00+00:00"): (
            {"type": "temperature", "name": "", "value": 98.6, "value_2": None, "unit": "°F",
             "note": ""},
            None,
        ),
    }  # fmt: skip
    assert data_of(new_walk)["title"] == "Walk further"


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (
            "type,recorded_at,name\nsymptom,2026-03-01,Übelkeit\n".encode("latin-1"),
            "bad_encoding",
            "This file is not in UTF-8. Save it as “CSV UTF-8” (comma-separated) from your "
            "spreadsheet program and try again.",
        ),
        (
            "type,recorded_at\n".encode("utf-16"),
            "bad_encoding",
            "This file is saved as UTF-16. Save it as “CSV UTF-8” (comma-separated) and try again.",
        ),
        (b"", "empty", "This file is empty."),
        (b"type,recorded_at\r\n,\r\n", "empty", "This file has a header but no rows to import."),
        (b"type,recorded_at\nsymptom,\x00\n", "bad_file", "This does not look like a CSV file."),
        (
            b"type,recorded_at\n" + b"x" * 200,
            "too_big",
            "This file is too big: the most is 150\xa0bytes.",
        ),
        (
            b"type,recorded_at\n" + b"symptom,2026-03-01\n" * 4,
            "too_many_rows",
            "This file has too many rows: the most is 3.",
        ),
    ],
)
def test_unreadable_files_are_refused_whole(
    patient, monkeypatch, content: bytes, code: str, message: str
):
    monkeypatch.setattr(imports, "MAX_IMPORT_BYTES", 150)
    monkeypatch.setattr(imports, "MAX_IMPORT_ROWS", 3)
    before = counts()

    with pytest.raises(ValidationFailed) as caught:
        import_journal_csv(actor=patient, content=content)

    assert (caught.value.code, caught.value.field, str(caught.value.message)) == (
        code,
        "file",
        message,
    )
    assert counts() == before


def test_only_an_active_member_may_import_and_imports_are_rate_limited(
    patient, outsider, monkeypatch
):
    content = csv_text(row(type="symptom", recorded_at="2026-03-01", name="Cough", severity="2"))
    User.objects.filter(pk=outsider.pk).update(memorialised_at=timezone.now())
    outsider.refresh_from_db()
    monkeypatch.setattr(imports, "IMPORT_RATE", "1/h")
    before = counts()

    with pytest.raises(PermissionDeniedError) as memorial:
        import_journal_csv(actor=outsider, content=content)
    with pytest.raises(PermissionDeniedError):
        import_journal_csv(actor=AnonymousUser(), content=content)
    assert memorial.value.code == "memorialised"
    assert counts() == before

    import_journal_csv(actor=patient, content=content)
    with pytest.raises(RateLimitedError):
        import_journal_csv(actor=patient, content=content)
    assert counts()[0] == before[0] + 1


def test_timestamps_far_outside_any_life_are_refused():
    zone = csvformat.member_zone(None)
    with pytest.raises(ValidationFailed) as caught:
        csvformat.parse_timestamp("0001-01-01", zone, field="recorded_at")
    assert str(caught.value.message) == "Enter a year between 1900 and 2200."
    assert csvformat.parse_timestamp("2026-01-01T00:00", zone, field="x") == datetime.fromisoformat(
        "2026-01-01T00:00:00+00:00"
    )
