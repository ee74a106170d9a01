"""CSV import follows the rules of every other way in: times, closed goals, long lists."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from carecircle.core.models import AuditEvent
from carecircle.journal import csvformat
from carecircle.journal.actions.imports import RowError, import_journal_csv
from carecircle.journal.models import Goal, JournalEntry, Medication


def row(**cells: str) -> str:
    return ",".join(cells.get(column, "") for column in csvformat.COLUMNS)


def csv_text(*lines: str) -> bytes:
    return "\n".join([",".join(csvformat.COLUMNS), *lines, ""]).encode()


def counts() -> tuple[int, int, int, int]:
    return (
        JournalEntry.objects.count(),
        Medication.objects.count(),
        Goal.objects.count(),
        AuditEvent.objects.count(),
    )


def test_future_times_and_long_side_effect_lists_are_refused_with_nothing_written(patient):
    soon = (timezone.now() + timedelta(hours=1)).isoformat()
    side_effects = "; ".join(f"e{i}:1" for i in range(31))
    content = csv_text(
        row(type="symptom", recorded_at="2199-06-01T10:00:00+00:00", name="Pain", severity="5"),
        row(type="mood", recorded_at=soon, mood="3"),
        row(type="goal_check_in", recorded_at="2199-01-01", goal="Walk", value="2"),
        row(type="goal", recorded_at="2199-01-01", goal="Walk", title="Walk"),
        row(type="goal", title="Run", status="achieved", closed_at="2199-01-01"),
        row(type="medication", recorded_at="2026-01-01", name="Drug", side_effects=side_effects),
        row(type="symptom", recorded_at="1899-12-31T23:00:00+00:00", name="Pain", severity="1"),
    )
    before = counts()

    report = import_journal_csv(actor=patient, content=content)

    future = "This date and time is in the future."
    assert report.errors == [
        RowError(2, "recorded_at", future),
        RowError(3, "recorded_at", future),
        RowError(4, "recorded_at", future),
        RowError(5, "recorded_at", future),
        RowError(6, "closed_at", future),
        RowError(7, "side_effects", "List at most 30 side effects."),
        RowError(8, "recorded_at", "Enter a year between 1900 and 2200."),
    ]
    assert counts() == before


def test_a_closed_goal_without_closed_at_is_closed_when_recorded_or_refused(patient):
    content = csv_text(
        row(type="goal", recorded_at="2026-02-01T09:00:00+00:00", title="Run", status="achieved"),
        row(type="goal", recorded_at="2026-02-02", title="Swim", status="stopped",
            closed_at="2026-03-01T10:00:00+00:00"),
        row(type="goal", title="Walk", status="active"),
    )  # fmt: skip

    report = import_journal_csv(actor=patient, content=content)

    assert report.error_count == 0
    closed = dict(Goal.objects.filter(owner=patient).values_list("status", "closed_at"))
    assert closed == {
        "achieved": datetime.fromisoformat("2026-02-01T09:00:00+00:00"),
        "stopped": datetime.fromisoformat("2026-03-01T10:00:00+00:00"),
        "active": None,
    }

    before = counts()
    refused = import_journal_csv(
        actor=patient, content=csv_text(row(type="goal", title="Climb", status="stopped"))
    )

    assert refused.errors == [
        RowError(
            2,
            "closed_at",
            "A goal you achieved or stopped needs the date it closed (or a recorded_at).",
        )
    ]
    assert counts() == before
