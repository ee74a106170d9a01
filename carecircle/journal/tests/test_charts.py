"""Charts: series and aggregation, medicine bands, escaping, accessible structure, pages, API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.journal import charts, payloads
from carecircle.journal.actions.entries import delete_entry, record_entry, update_entry
from carecircle.journal.actions.imports import import_journal_csv
from carecircle.journal.charts import build_charts, render_charts, series_for, trend_of
from carecircle.journal.models import JournalEntry, Medication
from conftest import client_for

ALL_PARTS = {"symptoms", "measurements", "mood", "medications"}
EVIL = "<script>alert(1)</script>"


def at(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def add(owner: User, kind: str, day: date, hour: int = 12, **raw: Any) -> JournalEntry:
    return JournalEntry.objects.create(
        owner=owner, kind=kind, recorded_at=at(day, hour), data=payloads.clean_entry(kind, raw)
    )


def medicine(owner: User, **raw: Any) -> Medication:
    return Medication.objects.create(owner=owner, data=payloads.clean_medication(raw))


@pytest.fixture(autouse=True)
def _no_cached_digests() -> Iterator[None]:
    # Each test starts, and leaves, without chart digests cached in this process.
    charts.clear_cache()
    yield
    charts.clear_cache()


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def journal(patient: User, today: date) -> User:
    yesterday = today - timedelta(days=1)
    add(patient, "symptom", yesterday, 9, name="Fatigue", severity=4)
    add(patient, "symptom", yesterday, 18, name="fatigue ", severity=6)
    add(patient, "symptom", today, 9, name="Fatigue", severity=3)
    add(patient, "symptom", today - timedelta(days=20), 9, name="Headache", severity=7)
    add(patient, "measurement", yesterday, 8, type="weight", value=154.3236, unit="lb")
    add(patient, "measurement", today, 8, type="weight", value=69, unit="kg")
    add(patient, "measurement", yesterday, 8, type="blood_pressure", value=130, value_2=85)
    add(patient, "mood", yesterday, 20, mood=2, energy=4)
    add(patient, "mood", today, 20, mood=4)
    # Long ago: only "all" sees it.
    add(patient, "symptom", today - timedelta(days=400), 9, name="Fatigue", severity=9)
    medicine(
        patient,
        name="Ibuprofen",
        started_on=today - timedelta(days=10),
        stopped_on=today - timedelta(days=2),
    )
    medicine(patient, name="Metformin", started_on=today - timedelta(days=3))
    medicine(patient, name="Old pill", started_on="2001-01-01", stopped_on="2001-02-01")
    medicine(patient, name="Undated cream")
    return patient


def line_points(series: Any, slug: str) -> dict[str, list[tuple[float, float]]]:
    chart = next(c for c in series.charts if c.slug == slug)
    return {line.label: [(x, round(v, 2)) for x, v in line.points] for line in chart.lines}


def test_month_series_are_daily_means_in_canonical_units(journal: User, today: date) -> None:
    series = series_for(journal, period="month", parts=ALL_PARTS)
    assert (series.start, series.end, series.bucket) == (today - timedelta(days=29), today, "day")
    assert [c.slug for c in series.charts] == [
        "symptoms",
        "measurement-weight",
        "measurement-blood_pressure",
        "mood",
    ]
    # The two fatigue reports of yesterday (names differing in case and spaces) are one mean.
    assert line_points(series, "symptoms") == {
        "Fatigue": [(28.5, 5.0), (29.5, 3.0)],
        "Headache": [(9.5, 7.0)],
    }
    assert line_points(series, "measurement-weight") == {"Weight": [(28.5, 70.0), (29.5, 69.0)]}
    assert line_points(series, "measurement-blood_pressure") == {
        "Systolic": [(28.5, 130.0)],
        "Diastolic": [(28.5, 85.0)],
    }
    assert line_points(series, "mood") == {
        "Mood": [(28.5, 2.0), (29.5, 4.0)],
        "Energy": [(28.5, 4.0)],
    }
    assert [(b.label, b.start, b.end) for b in series.bands] == [
        ("Ibuprofen", today - timedelta(days=10), today - timedelta(days=2)),
        ("Metformin", today - timedelta(days=3), None),
    ]


def test_week_keeps_each_entry_and_parts_limit_what_is_read(journal: User, today: date) -> None:
    series = series_for(journal, period="week", parts={"symptoms"})
    assert series.bucket == "entry"
    assert [c.slug for c in series.charts] == ["symptoms"]
    assert series.bands == []
    assert line_points(series, "symptoms") == {"Fatigue": [(5.375, 4.0), (5.75, 6.0), (6.375, 3.0)]}


def test_all_starts_at_the_first_entry_and_long_journals_are_weekly_means(
    patient: User, today: date
) -> None:
    add(patient, "symptom", today - timedelta(days=100), name="Headache", severity=2)
    series = series_for(patient, period="all", parts=ALL_PARTS)
    assert (series.start, series.bucket) == (today - timedelta(days=100), "day")
    # Three years of daily entries: weekly means, about 160 points, not 1,100.
    first = today - timedelta(days=3 * 365)
    JournalEntry.objects.bulk_create(
        JournalEntry(
            owner=patient,
            kind="symptom",
            recorded_at=at(first + timedelta(days=i)),
            data=payloads.clean_symptom({"name": "Fatigue", "severity": i % 2 * 4}),
        )
        for i in range(3 * 365)
    )
    series = series_for(patient, period="all", parts=ALL_PARTS)
    assert series.bucket == "week"
    points = line_points(series, "symptoms")["Fatigue"]
    assert 150 <= len(points) <= 160
    # Whole weeks alternate 0 and 4: three or four 4s in seven days.
    assert {value for _x, value in points[1:-1]} == {round(12 / 7, 2), round(16 / 7, 2)}


@pytest.mark.parametrize(
    ("values", "trend"),
    [([], "steady"), ([5], "steady"), ([2, 3, 9, 4, 4], "up"), ([8, 8, 2, 1], "down")],
)
def test_trend(values: list[float], trend: str) -> None:
    assert trend_of(values, 1.0) == trend


def test_member_written_names_are_escaped_everywhere(patient: User, today: date) -> None:
    add(patient, "symptom", today, name=EVIL, severity=5)
    medicine(patient, name='<img src=x onerror="alert(2)">', started_on=today)
    add(patient, "measurement", today, type="custom", name="<b>peak</b>", value=3, unit="<u>")
    charts = build_charts(patient, period="week", parts=ALL_PARTS)
    markup = "".join(c.svg for c in charts)
    assert "<script" not in markup and "<img" not in markup and "<b>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in markup
    page = client_for(patient).get("/journal/charts/?period=week").content.decode()
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3  # svg text, legend, table


def day_text(day: date) -> str:
    return f"{day.day} {day.strftime('%b')} {day.year}"


def test_charts_are_accessible_figures_with_a_table(journal: User, today: date) -> None:
    medicine(journal, name="Vitamin B12 (cyanocobalamin)", started_on=today - timedelta(days=99))
    charts = build_charts(journal, period="month", parts=ALL_PARTS)
    symptoms = charts[0]
    assert symptoms.title == "Symptoms (0 = none, 10 = worst)"
    assert symptoms.svg.startswith(
        '<svg class="chart" role="img" aria-labelledby="chart-symptoms-title chart-symptoms-desc"'
        ' width="100%" height="'
    )
    assert '<title id="chart-symptoms-title">Symptoms (0 = none, 10 = worst)</title>' in (
        symptoms.svg
    )
    # Text keeps its size at any width (no viewBox to scale it); x positions are percentages.
    assert 'font-size="13"' in symptoms.svg and 'viewBox="0 0 1000 160"' in symptoms.svg
    assert '<use href="#chart-symptoms-m0" x="100%"' not in symptoms.svg
    assert re.search(r'<use href="#chart-symptoms-m0" x="98\.\d+%" y="', symptoms.svg)
    assert 'class="chart-tick-minor"' in symptoms.svg  # hidden on a phone
    # A band's label is the medicine's short name when it fits a phone's plot, else its
    # number in the key, which gives every full name.
    assert ">Vitamin B12</text>" in symptoms.svg and ">2</text>" in symptoms.svg
    # Ibuprofen's name fits a wider plot: charts.css shows it there, and "2" on a phone.
    assert (
        '<text class="chart-band-number" x="3" y="14" fill="#1b1b1b">2</text>'
        '<text class="chart-band-name" x="3" y="14" fill="#1b1b1b">Ibuprofen</text>'
    ) in symptoms.svg
    assert ">3</text>" in symptoms.svg and ">Metformin</text>" not in symptoms.svg
    assert "cyanocobalamin" not in symptoms.svg.split("</desc>")[1]
    ibuprofen = (
        f"Ibuprofen from {day_text(today - timedelta(days=10))} to "
        f"{day_text(today - timedelta(days=2))}"
    )
    assert [item.label for item in symptoms.legend + symptoms.band_legend] == [
        "Fatigue",
        "Headache",
        f"Vitamin B12 (cyanocobalamin) since {day_text(today - timedelta(days=99))}",
        f"2: {ibuprofen}",
        f"3: Metformin since {day_text(today - timedelta(days=3))}",
    ]
    assert symptoms.columns == ["When", "Fatigue", "Headache"]
    assert symptoms.rows[-2] == [day_text(today - timedelta(days=1)), "5", ""]
    assert symptoms.rows[-1] == [day_text(today), "3", ""]
    # An empty cell's dash is hidden from screen readers, which hear "no entry" instead.
    assert symptoms.table_rows.endswith(
        f'<tr><th scope="row">{day_text(today)}</th><td>3</td><td><span aria-hidden="true">–'
        '</span><span class="visually-hidden">no entry</span></td></tr>\n'
    )
    assert symptoms.table_note == (
        "Values are daily averages when there was more than one entry in a day."
    )
    # Lines differ by dash pattern and marker, not only by colour.
    assert 'stroke-dasharray="6 3"' in symptoms.svg and "<circle" in symptoms.svg

    page = client_for(journal).get("/journal/charts/").content.decode()
    assert page.count('role="img"') == 4
    # Each chart has its own heading, under the page's one.
    assert re.findall(r"<h[12][^>]*>([^<]*)</h[12]>", page[page.index("<h1>") :]) == [
        "My charts",
        "Symptoms (0 = none, 10 = worst)",
        "Weight (kg)",
        "Blood pressure (mmHg)",
        "Mood and energy (1 = low, 5 = good)",
    ]
    assert page.count('<figcaption class="chart-caption"><h2>') == 4
    assert page.count("<summary>Show as table") == 4
    assert page.count('class="chart-table-scroll" role="region" tabindex="0"') == 4
    assert page.count('<p class="chart-table-note" id="symptoms-table-note">Values are daily') == 1
    assert page.count('aria-describedby="symptoms-table-note"') == 1
    assert page.count('<p class="chart-table-note"') == 4
    assert '<th scope="row">' in page
    for ident in re.findall(r'aria-labelledby="([^"]+)"', page):
        for part in ident.split():
            assert f'id="{part}"' in page
    week = client_for(journal).get("/journal/charts/?period=week").content.decode()
    assert "chart-table-note" not in week  # a week's table lists each entry


def test_descriptions_say_what_the_lines_do(journal: User, today: date) -> None:
    charts = {c.slug: c.description for c in build_charts(journal, period="month", parts=ALL_PARTS)}
    span = f"{day_text(today - timedelta(days=29))} to {day_text(today)}."
    averages = "Values are daily averages when there was more than one entry in a day."
    bands = (
        f"Shaded bands: Ibuprofen from {day_text(today - timedelta(days=10))} to "
        f"{day_text(today - timedelta(days=2))}; Metformin since "
        f"{day_text(today - timedelta(days=3))}."
    )
    latest = f"({day_text(today)})"
    assert charts == {
        # Severity falling is getting better; a single value has no range or trend.
        "symptoms": f"Symptoms (0 = none, 10 = worst), {span} {averages} "
        f"Fatigue: between 3 and 5, latest 3 {latest}, getting better. "
        f"Headache: 7 ({day_text(today - timedelta(days=20))}). {bands}",
        # A measurement only goes up or down.
        "measurement-weight": f"Weight (kg), {span} {averages} "
        f"Weight: between 69 and 70, latest 69 {latest}, going down. {bands}",
        "measurement-blood_pressure": f"Blood pressure (mmHg), {span} {averages} "
        f"Systolic: 130 ({day_text(today - timedelta(days=1))}). "
        f"Diastolic: 85 ({day_text(today - timedelta(days=1))}). {bands}",
        # Mood rising is getting better.
        "mood": f"Mood and energy (1 = low, 5 = good), {span} {averages} "
        f"Mood: between 2 and 4, latest 4 {latest}, getting better. "
        f"Energy: 4 ({day_text(today - timedelta(days=1))}). {bands}",
    }
    add(journal, "symptom", today, 10, name="Headache", severity=9)
    for hour in (21, 22, 23):
        add(journal, "mood", today, hour, mood=1, energy=1)
    add(journal, "measurement", today, 9, type="weight", value=70)
    worse = {c.slug: c.description for c in build_charts(journal, period="month", parts=ALL_PARTS)}
    assert f"Headache: between 7 and 9, latest 9 {latest}, getting worse." in worse["symptoms"]
    assert (
        f"Mood: between 1.8 and 2, latest 1.8 {latest}, steady. "
        f"Energy: between 1 and 4, latest 1 {latest}, getting worse."
    ) in worse["mood"]
    assert (
        f"Weight: between 69.5 and 70, latest 69.5 {latest}, going down."
        in worse["measurement-weight"]
    )
    add(journal, "measurement", today, 10, type="weight", value=71)
    same = {c.slug: c.description for c in build_charts(journal, period="month", parts=ALL_PARTS)}
    assert f"Weight: 70 each time, latest {day_text(today)}." in same["measurement-weight"]


@pytest.mark.parametrize(
    ("query", "current", "charts"),
    [
        ("", "month", 4),
        ("?period=week", "week", 4),
        ("?period=all", "all", 4),
        ("?period=x", "month", 4),
    ],
)
def test_period_switcher(journal: User, query: str, current: str, charts: int) -> None:
    response = client_for(journal).get("/journal/charts/" + query)
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert re.findall(r'href="\?period=(\w+)" aria-current="page"', page) == [current]
    assert page.count('role="img"') == charts


def test_parts_filter_and_empty_state(journal: User, outsider: User) -> None:
    page = client_for(journal).get("/journal/charts/?period=month&part=mood").content.decode()
    assert page.count('role="img"') == 1 and "Ibuprofen" not in page
    assert 'href="?period=week&amp;part=mood"' in page
    # Another member sees only their own (empty) journal, never the patient's.
    page = client_for(outsider).get("/journal/charts/").content.decode()
    assert "Nothing to chart for this period yet." in page
    assert "Fatigue" not in page and "Ibuprofen" not in page


def test_visitors_are_sent_to_sign_in(visitor_client: Any) -> None:
    response = visitor_client.get("/journal/charts/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert visitor_client.get("/api/v1/journal/charts/series").status_code == 401


def test_chart_page_query_count_does_not_grow_with_entries(journal: User, today: date) -> None:
    client = client_for(journal)
    client.get("/journal/charts/?period=week")  # a week is read directly, never cached
    with CaptureQueriesContext(connection) as first:
        client.get("/journal/charts/?period=all")
    with CaptureQueriesContext(connection) as again:
        client.get("/journal/charts/?period=all")
    for i in range(30):
        add(journal, "symptom", today - timedelta(days=i), name=f"Symptom {i}", severity=i % 10)
    with CaptureQueriesContext(connection) as more:
        client.get("/journal/charts/?period=all")
    # Session, member, the journal's stamp, the entries, the medicines, the layout's terms check;
    # unchanged since the last chart, the entries' daily digest is reused (no entries query).
    assert [len(first), len(again), len(more)] == [6, 5, 6]


def _fatigue(owner: User) -> list[tuple[float, float]]:
    [chart] = series_for(owner, period="year", parts={"symptoms"}).charts
    return next(
        [(x, round(v, 2)) for x, v in line.points] for line in chart.lines if line.key == "fatigue"
    )


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        ("add", [(363.5, 5.0), (364.5, 6.5)]),
        ("change", [(363.5, 5.0), (364.5, 8.0)]),
        ("delete", [(363.5, 5.0)]),
        ("import", [(363.5, 5.0), (364.5, 6.5)]),
        ("other member", [(363.5, 5.0), (364.5, 3.0)]),
    ],
)
def test_every_write_shows_on_the_next_chart(
    journal: User, outsider: User, today: date, write: str, expected: list[tuple[float, float]]
) -> None:
    assert _fatigue(journal) == [(363.5, 5.0), (364.5, 3.0)]
    with CaptureQueriesContext(connection) as cached:
        assert _fatigue(journal) == [(363.5, 5.0), (364.5, 3.0)]
    assert len(cached) == 1  # the journal's stamp: no entries read again
    latest = JournalEntry.objects.get(owner=journal, kind="symptom", recorded_at=at(today, 9))
    if write == "add":
        record_entry(
            actor=journal,
            kind="symptom",
            data={"name": "Fatigue", "severity": 10},
            recorded_at=at(today, 7),
        )
    elif write == "change":
        update_entry(
            actor=journal, entry=latest, data={"name": "Fatigue", "severity": 8}, recorded_at=None
        )
    elif write == "delete":
        delete_entry(actor=journal, entry=latest)
    elif write == "import":
        content = f"type,recorded_at,name,severity\nsymptom,{at(today, 7).isoformat()},Fatigue,10\n"
        assert import_journal_csv(actor=journal, content=content.encode()).error_count == 0
    else:
        record_entry(actor=outsider, kind="symptom", data={"name": "Fatigue", "severity": 10})
    assert _fatigue(journal) == expected
    # Nobody else's digest is ever given: the outsider's own chart has only their entry.
    expected_outsider = [(364.5, 10.0)] if write == "other member" else []
    assert [
        p
        for c in series_for(outsider, period="year", parts=ALL_PARTS).charts
        for line in c.lines
        for p in line.points
    ] == expected_outsider


def test_since_and_days_are_the_owners_whoever_reads(patient: User) -> None:
    patient.time_zone = "Europe/London"
    patient.save(update_fields=["time_zone"])
    london = ZoneInfo("Europe/London")
    for day, hour, severity in ((8, 20, 9), (9, 8, 2), (10, 9, 4)):
        JournalEntry.objects.create(
            owner=patient,
            kind="symptom",
            recorded_at=datetime(2026, 6, day, hour, tzinfo=london),
            data=payloads.clean_entry("symptom", {"name": "Fatigue", "severity": severity}),
        )
    now = datetime(2026, 6, 10, 12, tzinfo=UTC)  # 13:00 in London, already 11 June at +14
    since = date(2026, 6, 9)
    # A reader 14 hours ahead of UTC: their 9 June began at 10:00 UTC on 8 June, before the
    # owner's entry of 8 June at 20:00 (London), which the share does not cover.
    with timezone.override(ZoneInfo("Pacific/Kiritimati")):
        for period, points in (
            ("week", [(1 / 3, 2.0), (1.375, 4.0)]),
            ("month", [(0.5, 2.0), (1.5, 4.0)]),
            ("all", [(0.5, 2.0), (1.5, 4.0)]),
        ):
            series = series_for(patient, period=period, parts={"symptoms"}, since=since, now=now)
            assert (series.start, series.end) == (since, date(2026, 6, 10))
            [line] = series.charts[0].lines
            assert [(round(x, 4), v) for x, v in line.points] == [
                (round(x, 4), v) for x, v in points
            ]
        [chart] = render_charts(
            series_for(patient, period="week", parts={"symptoms"}, since=since, now=now)
        )
        assert [row[0] for row in chart.rows] == ["9 Jun 2026, 08:00", "10 Jun 2026, 09:00"]


def test_api_series(journal: User, today: date) -> None:
    response = client_for(journal).get("/api/v1/journal/charts/series?period=month&part=mood")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    body = response.json()
    assert body["bucket"] == "day" and body["bands"] == []
    assert body["end"] == today.isoformat()
    [chart] = body["charts"]
    assert chart["slug"] == "mood" and (chart["y_min"], chart["y_max"]) == (1, 5)
    assert chart["lines"][0]["points"] == [
        {"at": (today - timedelta(days=1)).isoformat(), "value": 2.0},
        {"at": today.isoformat(), "value": 4.0},
    ]
