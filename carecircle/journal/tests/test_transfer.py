"""Journal export (CSV, JSON, account data export), the round trip through import, and erasure."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st

from carecircle.accounts.models import User
from carecircle.caregivers.models import CaregiverLink
from carecircle.core.models import AuditEvent
from carecircle.journal import csvformat
from carecircle.journal.actions.imports import import_journal_csv
from carecircle.journal.models import (
    EntrySource,
    Goal,
    JournalEntry,
    JournalPreferences,
    JournalShare,
    Medication,
)
from carecircle.journal.payloads import (
    clean_entry,
    clean_goal,
    clean_medication,
    clean_side_effects,
)
from carecircle.journal.queries import data_of
from carecircle.privacy import exports
from carecircle.privacy.actions import erase_member
from conftest import client_for

TRICKY_NOTE = 'He said "stop", then left,\nline two — 頭痛がひどい, مرحبا'
ALL_TYPES = ("symptom", "measurement", "mood", "diary", "goal_check_in", "medication", "goal")


def row(**cells: str) -> str:
    """One CSV line with the given cells in their columns (no quoting: simple values only)."""
    return ",".join(cells.get(column, "") for column in csvformat.COLUMNS)


def csv_text(*lines: str) -> bytes:
    return "\n".join([",".join(csvformat.COLUMNS), *lines, ""]).encode()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def fill_journal(member: User) -> None:
    """One record of every type, with text that stresses CSV and spreadsheets."""
    walk = Goal.objects.create(
        owner=member,
        data=clean_goal({"title": "Walk daily", "target": "5000", "unit": "steps"}),
    )
    walk_again = Goal.objects.create(
        owner=member,
        status=Goal.Status.ACHIEVED,
        closed_at=at("2026-02-01T10:00:00+00:00"),
        data=clean_goal({"title": "Walk daily", "target": "-2.5", "due_on": "2026-01-31"}),
    )
    Goal.objects.filter(pk=walk.pk).update(created_at=at("2026-01-01T09:00:00+00:00"))
    Goal.objects.filter(pk=walk_again.pk).update(created_at=at("2026-01-02T09:00:00+00:00"))
    medication = Medication.objects.create(
        owner=member,
        data=clean_medication(
            {
                "name": "Metformin",
                "dose": "500",
                "unit": "mg",
                "frequency": "twice a day",
                "reason": "Type 2 diabetes",
                "started_on": "2025-11-01",
                "stopped_on": "2026-01-15",
                "stop_reason": '=HYPERLINK("x")',
                "effectiveness": "3",
                "side_effects": [
                    {"name": "nausea", "severity": 4},
                    {"name": "time: mornings; mostly", "severity": 2},
                ],
                "note": "+1 tablet at night",
            }
        ),
    )
    Medication.objects.filter(pk=medication.pk).update(created_at=at("2025-11-01T08:00:00+00:00"))
    entries: list[tuple[str, str, dict[str, Any], Goal | None]] = [
        ("symptom", "2026-01-05T07:30:00+00:00",
         {"name": "Headache", "severity": "6", "note": TRICKY_NOTE}, None),
        ("symptom", "2026-01-05T08:00:00.250000+00:00",
         {"name": "Fatigue", "severity": "0", "note": "=SUM(1)"}, None),
        ("symptom", "2026-01-05T08:00:00.250000+00:00",
         {"name": "Fatigue", "severity": "0", "note": "=SUM(1)"}, None),
        ("measurement", "2026-01-06T07:00:00+00:00",
         {"type": "blood_pressure", "value": "128", "value_2": "84", "note": "-"}, None),
        ("measurement", "2026-01-06T07:05:00+00:00",
         {"type": "weight", "value": "81.35", "unit": "kg"}, None),
        ("measurement", "2026-01-06T07:10:00+00:00",
         {"type": "custom", "name": "Pain-free minutes", "value": "-3", "unit": "min",
          "note": "'=quoted"}, None),
        ("mood", "2026-01-07T21:00:00+00:00",
         {"mood": "2", "energy": "", "note": "@home all day"}, None),
        ("diary", "2026-01-08T22:00:00+00:00",
         {"title": "Ein schlechter Tag", "text": "Line one\nLine two, with a comma"}, None),
        ("goal_check_in", "2026-01-09T18:00:00+00:00", {"value": "4200", "note": ""}, walk),
        ("goal_check_in", "2026-01-10T18:00:00+00:00",
         {"value": "", "note": "Rest day"}, walk_again),
    ]  # fmt: skip
    for kind, moment, raw, goal in entries:
        JournalEntry.objects.create(
            owner=member,
            kind=kind,
            recorded_at=at(moment),
            data=clean_entry(kind, raw),
            goal=goal,
            source=EntrySource.CHECK_IN,
        )


def snapshot(member: User) -> dict[str, list[Any]]:
    """Everything in a member's journal, comparable between two members."""

    def goal_of(goal: Goal | None) -> Any:
        if goal is None:
            return None
        return (goal.status, data_of(goal), goal.closed_at, goal.created_at)

    return {
        "entries": sorted(
            (
                (e.kind, e.recorded_at, json.dumps(data_of(e), sort_keys=True), goal_of(e.goal))
                for e in JournalEntry.objects.filter(owner=member).select_related("goal")
            ),
            key=repr,
        ),
        "medications": sorted(
            ((data_of(m), m.created_at) for m in Medication.objects.filter(owner=member)),
            key=repr,
        ),
        "goals": sorted(
            (goal_of(g) for g in Goal.objects.filter(owner=member)),
            key=repr,
        ),
    }


def counts() -> tuple[int, int, int, int]:
    return (
        JournalEntry.objects.count(),
        Medication.objects.count(),
        Goal.objects.count(),
        AuditEvent.objects.count(),
    )


def test_csv_round_trip_into_a_fresh_member_then_a_second_import_changes_nothing(
    patient, caregiver
):
    User.objects.filter(pk=patient.pk).update(time_zone="Asia/Tokyo")
    User.objects.filter(pk=caregiver.pk).update(time_zone="America/New_York")
    patient.refresh_from_db()
    caregiver.refresh_from_db()
    fill_journal(patient)

    response = client_for(patient).get("/journal/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith('attachment; filename="carecircle-journal-')
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf" + b"type,recorded_at,name,measurement_type,")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert [r["type"] for r in rows] == [
        "goal", "goal", "medication", "symptom", "symptom", "symptom", "measurement",
        "measurement", "measurement", "mood", "diary", "goal_check_in", "goal_check_in",
    ]  # fmt: skip
    # Times in the member's zone with the offset; formula-like cells quoted, plain numbers not.
    assert rows[3]["recorded_at"] == "2026-01-05T16:30:00+09:00"
    assert rows[3]["note"] == TRICKY_NOTE
    assert rows[4]["note"] == "'=SUM(1)"
    assert rows[8]["value"] == "-3"
    assert rows[8]["note"] == "''=quoted"
    assert rows[6]["note"] == "'-"
    assert rows[9]["note"] == "'@home all day"
    assert rows[2]["stop_reason"] == '\'=HYPERLINK("x")'
    assert rows[2]["side_effects"] == "nausea:4; time: mornings\\; mostly:2"
    assert [(r["goal"], r["title"], r["status"]) for r in rows[:2]] == [
        ("Walk daily", "Walk daily", "active"),
        ("Walk daily (2)", "Walk daily", "achieved"),
    ]
    assert [r["goal"] for r in rows[11:]] == ["Walk daily", "Walk daily (2)"]
    before = counts()

    report = import_journal_csv(actor=caregiver, content=content)

    assert report.error_count == 0
    created = {"symptom": 3, "measurement": 3, "mood": 1, "diary": 1, "goal_check_in": 2}
    assert report.created == {**created, "medication": 1, "goal": 2}
    assert report.skipped == dict.fromkeys(ALL_TYPES, 0)
    assert snapshot(caregiver) == snapshot(patient)
    assert set(JournalEntry.objects.filter(owner=caregiver).values_list("source", flat=True)) == {
        EntrySource.IMPORT
    }
    event = AuditEvent.objects.latest("id")
    assert (event.verb, event.actor_id, event.subject_id) == (
        "journal.import",
        caregiver.pk,
        caregiver.pk,
    )
    # That an import happened and how many rows it had: no counts per type of record.
    assert event.data == {"rows": 13}
    assert counts() == (before[0] + 10, before[1] + 1, before[2] + 2, before[3] + 1)

    again = import_journal_csv(actor=caregiver, content=content)
    from_export = import_journal_csv(
        actor=caregiver, content=client_for(caregiver).get("/journal/export.csv").content
    )

    assert again.created == from_export.created == dict.fromkeys(ALL_TYPES, 0)
    assert again.skipped == from_export.skipped == report.created
    assert counts()[:3] == (before[0] + 10, before[1] + 1, before[2] + 2)
    assert snapshot(caregiver) == snapshot(patient)


def test_json_export_holds_everything_with_a_format_version(patient, outsider):
    fill_journal(patient)

    for response in (
        client_for(patient).get("/journal/export.json"),
        client_for(patient).get("/api/v1/journal/export?format=json"),
    ):
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        document = json.loads(response.content)
        assert (document["format"], document["format_version"], document["time_zone"]) == (
            "carecircle.journal",
            1,
            "UTC",
        )
        assert [e["kind"] for e in document["entries"]] == [
            "symptom", "symptom", "symptom", "measurement", "measurement", "measurement",
            "mood", "diary",
        ]  # fmt: skip
        assert document["entries"][0] == {
            "kind": "symptom",
            "recorded_at": "2026-01-05T07:30:00+00:00",
            "source": "check_in",
            "data": {"name": "Headache", "severity": 6, "note": TRICKY_NOTE},
        }
        [medication] = document["medications"]
        assert medication["data"]["side_effects"][1] == {
            "name": "time: mornings; mostly",
            "severity": 2,
        }
        assert [(g["key"], g["status"], g["closed_at"]) for g in document["goals"]] == [
            ("Walk daily", "active", None),
            ("Walk daily (2)", "achieved", "2026-02-01T10:00:00+00:00"),
        ]
        assert [[c["data"] for c in g["check_ins"]] for g in document["goals"]] == [
            [{"value": 4200.0, "note": ""}],
            [{"value": None, "note": "Rest day"}],
        ]
    assert response["Content-Type"] == "application/json; charset=utf-8"

    outsiders = json.loads(client_for(outsider).get("/journal/export.json").content)
    assert (outsiders["entries"], outsiders["medications"], outsiders["goals"]) == ([], [], [])


def test_api_export_as_csv_and_refusals(patient, visitor_client):
    fill_journal(patient)
    client = client_for(patient)

    csv_response = client.get("/api/v1/journal/export?format=csv")
    bad_format = client.get("/api/v1/journal/export?format=xml")

    assert csv_response.status_code == 200
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response.content == client.get("/journal/export.csv").content
    assert bad_format.status_code == 400
    assert visitor_client.get("/api/v1/journal/export").status_code == 401
    for url in ("/journal/export.csv", "/journal/export.json", "/journal/import/"):
        response = visitor_client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (
            302,
            "/accounts/login/",
        )
    assert visitor_client.post("/api/v1/journal/import").status_code == 401


def test_api_import_reports_counts_or_every_problem(patient):
    client = client_for(patient)
    good = csv_text(row(type="symptom", recorded_at="2026-03-01", name="Nausea", severity="3"))
    bad = csv_text(row(type="symptom", recorded_at="2026-03-01", name="Nausea", severity="11"))

    ok = client.post(
        "/api/v1/journal/import", {"file": SimpleUploadedFile("j.csv", good, "text/csv")}
    )
    invalid = client.post(
        "/api/v1/journal/import", {"file": SimpleUploadedFile("j.csv", bad, "text/csv")}
    )
    unreadable = client.post(
        "/api/v1/journal/import",
        {"file": SimpleUploadedFile("j.csv", "type\nÜ".encode("latin-1"), "text/csv")},
    )

    assert ok.status_code == 200
    assert ok.json() == {
        "created": {**dict.fromkeys(ALL_TYPES, 0), "symptom": 1},
        "skipped": dict.fromkeys(ALL_TYPES, 0),
        "errors": [],
        "error_count": 0,
    }
    assert invalid.status_code == 400
    assert invalid.json()["code"] == "invalid_rows"
    assert invalid.json()["errors"] == [
        {"line": 2, "column": "severity", "message": "Choose a whole number from 0 to 10."}
    ]
    assert (unreadable.status_code, unreadable.json()["code"], unreadable.json()["field"]) == (
        400,
        "bad_encoding",
        "file",
    )
    [entry] = JournalEntry.objects.filter(owner=patient)
    assert data_of(entry) == {"name": "Nausea", "severity": 3, "note": ""}
    assert entry.recorded_at == at("2026-03-01T12:00:00+00:00")


def test_import_page_shows_counts_problems_by_line_and_file_errors(patient):
    client = client_for(patient)
    good = csv_text(
        row(type="symptom", recorded_at="2026-03-01T09:00", name="Nausea", severity="3")
    )
    bad = csv_text("", row(type="symptom", recorded_at="2026-03-01", name="Nausea", severity="x"))

    page = client.get("/journal/import/")
    shown = client.post("/journal/import/", {"file": SimpleUploadedFile("j.csv", good)})
    problems = client.post("/journal/import/", {"file": SimpleUploadedFile("j.csv", bad)})
    missing = client.post("/journal/import/", {})
    template = client.get("/journal/import/template.csv")

    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_file">' in html
    assert 'href="/journal/import/template.csv"' in html
    assert 'href="/journal/export.csv"' in html
    assert shown.status_code == 200
    assert "Your file is imported." in shown.content.decode()
    assert '<th scope="row">Symptoms</th><td>1</td><td>0</td>' in shown.content.decode()
    assert problems.status_code == 400
    assert "<li>Line 3, severity: Enter a number, like 7 or 7.5.</li>" in (
        problems.content.decode()
    )
    assert missing.status_code == 400
    assert 'aria-invalid="true"' in missing.content.decode()
    assert (
        '<p class="field-error" id="error_file"><span class="visually-hidden">Error: </span>'
        "Choose a CSV file to import.</p>"
    ) in (missing.content.decode())
    assert template.content == b"\xef\xbb\xbf" + ",".join(csvformat.COLUMNS).encode() + b"\r\n"
    assert template["Cache-Control"] == "private, no-store"
    assert JournalEntry.objects.filter(owner=patient).count() == 1


def test_account_data_export_holds_the_journal_readably(patient, tmp_path: Path, settings):
    settings.CARECIRCLE_EXPORT_ROOT = tmp_path / "exports"
    fill_journal(patient)

    name, _size = exports.build_zip(patient)

    archive = zipfile.ZipFile(tmp_path / "exports" / name)
    entries = json.loads(archive.read("journal_entries.json"))
    assert entries[0]["data"]["note"] == TRICKY_NOTE
    assert TRICKY_NOTE.split("\n")[1] in archive.read("journal_entries.json").decode()
    assert [(e["kind"], e["goal"]) for e in entries if e["goal"]] == [
        ("goal_check_in", "Walk daily"),
        ("goal_check_in", "Walk daily (2)"),
    ]
    [medication] = json.loads(archive.read("journal_medications.json"))
    assert medication["data"]["name"] == "Metformin"
    goals = json.loads(archive.read("journal_goals.json"))
    assert [g["data"]["title"] for g in goals] == ["Walk daily", "Walk daily"]
    assert b"gAAAAA" not in b"".join(archive.read(n) for n in archive.namelist())


def test_erasing_an_account_leaves_no_journal_rows(patient, caregiver):
    fill_journal(patient)
    fill_journal(caregiver)
    link = CaregiverLink.objects.create(
        patient=caregiver,
        carer=patient,
        requested_by=CaregiverLink.Side.PATIENT,
        status=CaregiverLink.Status.ACTIVE,
    )
    JournalShare.objects.create(owner=patient, audience="member", member=caregiver, parts=["diary"])
    JournalShare.objects.create(
        owner=caregiver, audience="caregiver", caregiver_link=link, parts=["symptoms"]
    )
    JournalShare.objects.create(owner=caregiver, audience="member", member=patient, parts=["mood"])
    JournalPreferences.objects.create(member=patient, contributes_to_insights=True)
    kept = snapshot(caregiver)

    erase_member(actor=patient, member=patient, keep_posts=False)

    for model, owner in (
        (JournalEntry, "owner_id"),
        (Medication, "owner_id"),
        (Goal, "owner_id"),
        (JournalShare, "owner_id"),
        (JournalPreferences, "member_id"),
    ):
        assert model.objects.filter(**{owner: patient.pk}).count() == 0, model
    assert JournalShare.objects.filter(member_id=patient.pk).count() == 0
    assert list(JournalShare.objects.values_list("owner_id", "audience")) == []
    assert snapshot(caregiver) == kept


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from("'=+-@\t\r0123456789.eE ax;:\\"), max_size=8))
def test_cell_protection_and_side_effects_read_back_exactly(text: str) -> None:
    protected = csvformat.protect_cell(text)
    assert csvformat.unprotect_cell(protected) == text
    # What a spreadsheet sees never starts a formula (a plain number like -3 is no formula).
    assert protected[:1] not in set("=+-@\t\r") or csvformat.PLAIN_NUMBER.fullmatch(protected)
    name = text.strip()
    if name:
        effects = [{"name": name, "severity": 3}, {"name": "b", "severity": 0}]
        written = csvformat.side_effects_text(effects)
        assert clean_side_effects(csvformat.parse_side_effects(written)) == effects


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-3", "-3"),
        ("-2.5e-3", "-2.5e-3"),
        ("-E1", "'-E1"),  # a spreadsheet reference, not a number
        ("-e", "'-e"),
        ("-.", "'-."),
        ("-1.", "'-1."),
        ("-1e", "'-1e"),
        ("+1", "'+1"),
    ],
)
def test_only_plain_numbers_start_with_a_minus_unprotected(text: str, expected: str) -> None:
    assert csvformat.protect_cell(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T08:30:00+01:00", "2026-03-01T07:30:00+00:00"),
        ("2026-03-01T08:30:00Z", "2026-03-01T08:30:00+00:00"),
        ("2026-03-01T08:30", "2026-03-01T07:30:00+00:00"),
        ("2026-03-01 08:30:15", "2026-03-01T07:30:15+00:00"),
        ("2026-07-01", "2026-07-01T10:00:00+00:00"),
        (" 2026-03-01 ", "2026-03-01T11:00:00+00:00"),
    ],
)
def test_timestamps_with_offset_naive_or_date_alone(text: str, expected: str) -> None:
    zone = csvformat.member_zone(type("M", (), {"time_zone": "Europe/Berlin"})())
    moment = csvformat.parse_timestamp(text, zone, field="recorded_at")
    assert moment.astimezone(UTC).isoformat() == expected
