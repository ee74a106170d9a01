"""The clinician summary: exact figures for a fixed journal, the page, the PDF and the API."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pypdf import PdfReader

from carecircle.accounts.models import User
from carecircle.journal import payloads
from carecircle.journal.models import Goal, JournalEntry, Medication
from carecircle.journal.pdf import summary_pdf
from carecircle.journal.summary import build_summary, default_period, parse_period
from conftest import client_for

PERIOD = "from=2026-01-01&to=2026-03-31"


def at(day: str, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(date.fromisoformat(day), time(hour)))


def add(owner: User, kind: str, day: str, goal: Goal | None = None, **raw: Any) -> None:
    JournalEntry.objects.create(
        owner=owner,
        kind=kind,
        recorded_at=at(day),
        data=payloads.clean_entry(kind, raw),
        goal=goal,
    )


@pytest.fixture
def journal(patient: User) -> User:
    for name, started, stopped, extra in (
        ("Metformin", "2025-06-01", None, {"dose": "500", "unit": "mg", "effectiveness": 3}),
        ("Paracetamol", "2025-12-01", "2026-02-10", {"stop_reason": "Not helping"}),
        ("Vitamin B12", "2026-02-15", None, {"side_effects": "nausea:2"}),
        ("Old cream", "2024-01-01", "2024-03-01", {}),
        ("Next month", "2026-04-10", None, {}),
    ):
        raw = {"name": name, "started_on": started, "stopped_on": stopped, **extra}
        Medication.objects.create(owner=patient, data=payloads.clean_medication(raw))
    for day, severity in (
        ("2026-01-05", 8),
        ("2026-01-20", 7),
        ("2026-02-20", 4),
        ("2026-03-20", 3),
    ):
        add(patient, "symptom", day, name="Fatigue", severity=severity)
    add(patient, "symptom", "2026-03-01", name="Joint pain", severity=5, note="Worse on stairs")
    add(patient, "symptom", "2025-12-31", name="Fatigue", severity=10)  # before the period
    add(patient, "symptom", "2026-04-01", name="Fatigue", severity=0)  # after it
    add(patient, "measurement", "2026-01-10", type="weight", value=176.37, unit="lb")
    add(patient, "measurement", "2026-03-10", type="weight", value=79, unit="kg")
    add(patient, "measurement", "2026-01-11", type="blood_pressure", value=140, value_2=90)
    add(patient, "measurement", "2026-02-11", type="blood_pressure", value=130, value_2=80)
    add(patient, "mood", "2026-01-02", mood=2, energy=1)
    add(patient, "mood", "2026-02-02", mood=4)
    add(patient, "diary", "2026-02-14", title="Ελληνικά and Zoë", text="Saw the GP 中文.")
    goal = Goal.objects.create(
        owner=patient,
        data=payloads.clean_goal(
            {"title": "Walk daily", "target": 30, "unit": "minutes", "due_on": "2027-01-06"}
        ),
    )
    add(patient, "goal_check_in", "2026-02-01", goal=goal, value=10)
    add(patient, "goal_check_in", "2026-03-01", goal=goal, value=20, note="Easier now")
    return patient


def test_summary_figures(journal: User) -> None:
    summary = build_summary(journal, start=date(2026, 1, 1), end=date(2026, 3, 31))
    assert [m.name for m in summary.current_medications] == ["Vitamin B12", "Metformin"]
    assert summary.current_medications[0].side_effects == ["nausea (2/10)"]
    # Effectiveness 3 in the journal's shared wording (payloads.EFFECTIVENESS).
    assert summary.current_medications[1].effectiveness == str(payloads.EFFECTIVENESS[3])
    assert [m.name for m in summary.started_medications] == ["Vitamin B12"]
    assert [(m.name, m.stop_reason) for m in summary.stopped_medications] == [
        ("Paracetamol", "Not helping")
    ]
    assert [
        (s.name, s.count, s.average, s.latest, s.latest_at, s.trend) for s in summary.symptoms
    ] == [
        ("Fatigue", 4, 5.5, 3, at("2026-03-20"), "down"),
        ("Joint pain", 1, 5.0, 5, at("2026-03-01"), "steady"),
    ]
    weight, pressure = summary.measurements
    assert (weight.label, weight.unit, weight.count) == ("Weight", "kg", 2)
    assert (weight.minimum, weight.maximum, weight.average, weight.latest) == (79, 80, 79.5, 79)
    assert weight.cells[1:5] == ["2", "79", "80", "79.5"]
    assert pressure.cells[1:] == ["2", "130/80", "140/90", "135/85", "130/80 (11 Feb 2026)"]
    assert (summary.mood_count, summary.mood_average, summary.energy_average) == (2, 3.0, 1.0)
    assert summary.mood_text == "2 check-ins. Average mood 3 of 5. Average energy 1 of 5."
    [goal] = summary.goals
    assert (goal.title, goal.check_ins, goal.latest_value, goal.target) == (
        "Walk daily",
        2,
        20.0,
        30.0,
    )
    assert (goal.target_text, goal.latest_text) == ("30 minutes, by 6 Jan 2027", "20 (1 Mar 2026)")
    assert [(n.kind, n.title, n.text) for n in summary.notes] == [
        ("diary", "Ελληνικά and Zoë", "Saw the GP 中文."),
        ("symptom", "Joint pain", "Worse on stairs"),
        ("goal_check_in", "Walk daily", "Easier now"),
    ]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-01-01", "2026-03-31", (date(2026, 1, 1), date(2026, 3, 31))),
        ("", "", None),
        ("2026-13-01", "", ("bad_date", "from")),
        ("2026-03-01", "2026-02-01", ("bad_date", "to")),
    ],
)
def test_parse_period(start: str, end: str, expected: Any) -> None:
    if expected is None:
        assert parse_period(start, end) == default_period()
        return
    if isinstance(expected[0], date):
        assert parse_period(start, end) == expected
        return
    with pytest.raises(Exception) as raised:  # noqa: PT011
        parse_period(start, end)
    assert (raised.value.code, raised.value.field) == expected  # type: ignore[attr-defined]


def test_default_period_is_three_months() -> None:
    assert default_period(date(2026, 5, 31)) == (date(2026, 2, 28), date(2026, 5, 31))
    assert default_period(date(2026, 2, 10)) == (date(2025, 11, 10), date(2026, 2, 10))


def test_summary_page(journal: User) -> None:
    client = client_for(journal)
    client.get(f"/journal/summary/?{PERIOD}")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/journal/summary/?{PERIOD}")
    # Session, member, medicines, entries, goals, and the layout's terms check.
    assert len(queries) == 6
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert "Pat the patient, 1 Jan 2026 to 31 Mar 2026." in page
    # Each cell names its column, for the stacked rows of a phone; averages read as in the PDF.
    assert (
        '<th scope="row">Fatigue</th><td data-label="Times">4</td>'
        '<td data-label="Average (0–10)">5.5</td><td data-label="Latest">3 (20 Mar 2026)</td>'
        '<td data-label="Trend">getting better</td>'
    ) in page
    assert '<td data-label="Average (0–10)">5</td>' in page  # Joint pain: 5, not 5.0
    assert '<td data-label="Target">30 minutes, by 6 Jan 2027</td>' in page
    assert '<td data-label="Average">135/85</td>' in page
    assert "Paracetamol: 10 Feb 2026 (Not helping)" in page
    assert 'href="/journal/summary.pdf?from=2026-01-01&amp;to=2026-03-31"' in page
    assert "Old cream" not in page and "Next month" not in page


def test_summary_page_heading_comes_before_its_controls(journal: User) -> None:
    page = client_for(journal).get(f"/journal/summary/?{PERIOD}").content.decode()
    main = page[page.index("<main") :]
    positions = [
        main.index('<a href="/journal/">My journal</a>'),
        main.index("<h1>Health summary</h1>"),
        main.index("Pat the patient, 1 Jan 2026 to 31 Mar 2026."),
        main.index('<form method="get" action="/journal/summary/"'),
        main.index(">Download as PDF</a>"),
        main.index('<h2 id="summary-medications">'),
    ]
    assert positions == sorted(positions)
    assert main.count("<h1>") == 1


def test_summary_page_keeps_bad_dates_next_to_the_field(journal: User) -> None:
    response = client_for(journal).get("/journal/summary/?from=2026-02-30&to=2026-03-01")
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="2026-02-30" aria-invalid="true" aria-describedby="summary-from-error"' in page
    assert '<p class="field-error" id="summary-from-error">Enter a date as YYYY-MM-DD.</p>' in page


def test_pdf(journal: User) -> None:
    response = client_for(journal).get(f"/journal/summary.pdf?{PERIOD}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == (
        'attachment; filename="health-summary-2026-01-01-to-2026-03-31.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    text = " ".join(text.split())
    for expected in (
        "Health summary",
        "Pat the patient, 1 Jan 2026 to 31 Mar 2026",
        "Vitamin B12",
        "Fatigue 4 5.5 3 (20 Mar 2026) getting better",
        "Joint pain 1 5 5 (1 Mar 2026) steady",  # the page's figures, the page's words
        "130/80",
        "30 minutes, by 6 Jan 2027",
        "20 (1 Mar 2026)",
        "Ελληνικά and Zoë",  # Greek and accents in the packaged font
        "Saw the GP ??.",  # Chinese is not in it: a visible stand-in, not a silent gap
    ):
        assert expected in text
    # Announced in English with its title, author and an outline of its headings.
    reader = PdfReader(io.BytesIO(response.content))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"].value is True
    assert (reader.metadata.title, reader.metadata.author) == ("Health summary", "Pat the patient")
    title, sections = reader.outline
    medicines, within_medicines, *others = sections
    assert (title.title, medicines.title) == ("Health summary", "Current medicines and treatments")
    assert [item.title for item in within_medicines] == [
        "Started in this period",
        "Stopped in this period",
    ]
    assert [item.title for item in others] == [
        "Symptoms",
        "Measurements",
        "Mood and energy",
        "Goals",
        "Notes and diary",
    ]


def test_pdf_without_the_font_package_falls_back_to_latin_1(
    journal: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from carecircle.journal import pdf

    monkeypatch.setattr(pdf, "_font_path", lambda: None)
    summary = build_summary(journal, start=date(2026, 1, 1), end=date(2026, 3, 31))
    text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(summary_pdf(summary, member_name="Zoë"))).pages
    )
    assert "Zoë" in text and "???????? and Zoë" in text


def test_owner_only(journal: User, outsider: User, visitor_client: Any) -> None:
    for path in ("/journal/summary/", "/journal/summary.pdf"):
        response = visitor_client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert visitor_client.get("/api/v1/journal/summary").status_code == 401
    page = client_for(outsider).get(f"/journal/summary/?{PERIOD}").content.decode()
    assert "Fatigue" not in page and "Metformin" not in page
    assert page.count("None recorded.") == 5


def test_api_summary(journal: User) -> None:
    client = client_for(journal)
    response = client.get(f"/api/v1/journal/summary?{PERIOD}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert (body["start"], body["end"]) == ("2026-01-01", "2026-03-31")
    assert body["symptoms"][0] == {
        "name": "Fatigue",
        "count": 4,
        "average": 5.5,
        "latest": 3,
        "latest_at": "2026-03-20T12:00:00Z",
        "trend": "down",
    }
    assert body["mood"] == {"count": 2, "mood_average": 3.0, "energy_average": 1.0}
    assert body["measurements"][1]["average_2"] == 85.0
    bad = client.get("/api/v1/journal/summary?from=2026-03-01&to=2026-01-01")
    assert bad.status_code == 400
    assert bad.json()["field"] == "to"
