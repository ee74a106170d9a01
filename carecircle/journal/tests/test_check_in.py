"""The quick daily check-in page: remembers last time, saves everything at once, keeps text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from carecircle.journal.actions import entries as actions
from carecircle.journal.models import JournalEntry
from conftest import client_for

pytestmark = pytest.mark.django_db


def checked(page: str, name: str) -> list[str]:
    """The values of the checked radio buttons called `name`."""
    return re.findall(rf'name="{name}" value="([^"]*)" checked', page)


def test_a_first_check_in_offers_empty_scales_and_a_new_symptom_row(patient):
    page = client_for(patient).get("/journal/check-in/").content.decode()
    assert checked(page, "mood") == [] and checked(page, "energy") == []
    assert checked(page, "severity_n0") == [""]
    assert page.count('list="symptom-names"') == 1
    assert '<option value="Brain fog">' in page
    assert "Very low" in page and "Full of energy" in page
    assert 'name="symptom_s0"' not in page


def listed(page: str) -> list[tuple[str, str, list[str]]]:
    """The symptoms pre-listed on the page, each with its pre-selected severity."""
    rows = re.findall(r'name="symptom_(s\d)" value="([^"]*)"', page)
    return [(key, name, checked(page, f"severity_{key}")) for key, name in rows]


def test_saving_then_coming_back_remembers_the_last_values(patient):
    client = client_for(patient)
    first = {"mood": "2", "energy": "1", "note": "Bad night", "symptom_n0": "Fatigue",
             "severity_n0": "7"}  # fmt: skip
    response = client.post("/journal/check-in/", first)
    assert (response.status_code, response["Location"]) == (302, "/journal/")
    stored = list(JournalEntry.objects.order_by("pk").values_list("kind", "data", "source"))
    assert stored == [
        ("mood", {"mood": 2, "energy": 1, "note": ""}, "check_in"),
        ("symptom", {"name": "Fatigue", "severity": 7, "note": ""}, "check_in"),
        ("diary", {"title": "", "text": "Bad night"}, "check_in"),
    ]
    home = client.get("/journal/").content.decode()
    assert "Your check-in is saved. Thank you." in home and "You have checked in today." in home
    page = client.get("/journal/check-in/").content.decode()
    assert (checked(page, "mood"), checked(page, "energy")) == (["2"], ["1"])
    assert listed(page) == [("s0", "Fatigue", ["7"])]
    assert "You have already checked in today" in page
    second = {"mood": "3", "symptom_s0": "Fatigue", "severity_s0": "5", "symptom_n0": "Nausea",
              "severity_n0": "0"}  # fmt: skip
    assert client.post("/journal/check-in/", second).status_code == 302
    page = client.get("/journal/check-in/").content.decode()
    assert listed(page) == [("s0", "Fatigue", ["5"]), ("s1", "Nausea", ["0"])]
    assert (checked(page, "mood"), checked(page, "energy")) == (["3"], [])
    # Skipping a symptom leaves it out of the list once its day is over.
    JournalEntry.objects.update(recorded_at=F("recorded_at") - timedelta(days=1))
    third = {"mood": "3", "symptom_s0": "Fatigue", "severity_s0": "4", "symptom_s1": "Nausea",
             "severity_s1": "", "symptom_n0": "Headache", "severity_n0": "4"}  # fmt: skip
    assert client.post("/journal/check-in/", third).status_code == 302
    page = client.get("/journal/check-in/").content.decode()
    assert listed(page) == [("s0", "Fatigue", ["4"]), ("s1", "Headache", ["4"])]
    assert JournalEntry.objects.filter(kind="symptom").count() == 5


def test_the_last_check_in_is_the_latest_by_time_not_an_older_one(patient):
    when = datetime(2026, 1, 5, 8, tzinfo=UTC)
    actions.record_daily_check_in(
        actor=patient,
        mood=3,
        energy=3,
        symptoms=[{"name": "Old", "severity": 2}],
        note="",
        recorded_at=datetime(2026, 1, 1, 8, tzinfo=UTC),
    )
    actions.record_daily_check_in(
        actor=patient,
        mood=4,
        energy=4,
        symptoms=[{"name": "Cough", "severity": 3}],
        note="",
        recorded_at=when,
    )
    page = client_for(patient).get("/journal/check-in/").content.decode()
    assert re.findall(r'name="symptom_s\d" value="([^"]*)"', page) == ["Cough"]


def test_the_last_check_in_day_lists_every_symptom_rated_that_day(patient, settings):
    # Check-ins at 07:00 and 21:30 in New York, and one the evening before: the last day is the
    # member's local day (11:00 and 01:30 UTC fall on one New York day, not on one UTC day).
    patient.time_zone = "America/New_York"
    patient.save(update_fields=["time_zone"])
    for symptoms, moment in (
        ([{"name": "Yesterday", "severity": 1}], datetime(2026, 3, 9, 23, tzinfo=UTC)),
        (
            [{"name": "Fatigue", "severity": 6}, {"name": "Cough", "severity": 2}],
            datetime(2026, 3, 10, 11, tzinfo=UTC),
        ),
        (
            [{"name": "fatigue", "severity": 4}, {"name": "Rash", "severity": 0}],
            datetime(2026, 3, 11, 1, 30, tzinfo=UTC),
        ),
    ):
        actions.record_daily_check_in(
            actor=patient, mood=3, energy=3, symptoms=symptoms, note="", recorded_at=moment
        )
    page = client_for(patient).get("/journal/check-in/").content.decode()
    assert listed(page) == [("s0", "Fatigue", ["4"]), ("s1", "Cough", ["2"]), ("s2", "Rash", ["0"])]


@pytest.mark.parametrize(
    ("post", "where", "message"),
    [
        ({"note": "kept note"}, 'id="error_mood"', "Choose how your mood or your energy is."),
        (
            {"mood": "3", "note": "kept note", "symptom_n0": "Rash", "severity_n0": ""},
            'id="error_n0"',
            "Choose how bad it is, from 0 to 10.",
        ),
        (
            {
                "mood": "3",
                "note": "kept note",
                "symptom_s0": "Fatigue",
                "severity_s0": "4",
                "symptom_n0": "fatigue",
                "severity_n0": "2",
            },
            'id="error_n0"',
            "fatigue is rated twice.",
        ),
        (
            {"mood": "3", "note": "kept note", "symptom_n0": "R" * 121, "severity_n0": "2"},
            'id="error_n0"',
            "Keep this under 120 characters.",
        ),
    ],
)
def test_a_refused_check_in_saves_nothing_and_keeps_what_was_typed(patient, post, where, message):
    response = client_for(patient).post("/journal/check-in/", post)
    page = response.content.decode()
    assert response.status_code == 400
    assert where in page and message in page
    assert "kept note</textarea>" in page
    for name in ("symptom_n0", "symptom_s0"):
        if post.get(name):
            assert f'value="{post[name]}"' in page
    assert JournalEntry.objects.count() == 0


def test_the_check_in_is_rate_limited_without_losing_the_text(patient, settings):
    settings.CARECIRCLE_JOURNAL_WRITE_RATE = "1/m"
    client = client_for(patient)
    assert client.post("/journal/check-in/", {"mood": "3"}).status_code == 302
    response = client.post("/journal/check-in/", {"mood": "4", "note": "second"})
    assert response.status_code == 429
    assert "second</textarea>" in response.content.decode()
    assert JournalEntry.objects.count() == 1


def test_the_demo_journal_has_no_future_entry_and_one_moment_per_check_in(patient):
    from carecircle.journal.demo import load_demo_journal

    load_demo_journal(patient)
    now = timezone.now()
    check_ins = JournalEntry.objects.filter(owner=patient, source="check_in")
    assert not JournalEntry.objects.filter(recorded_at__gt=now).exists()
    assert set(check_ins.values_list("kind", flat=True)) == {"mood", "symptom"}
    moments_per_day: dict = {}
    for moment in check_ins.values_list("recorded_at", flat=True):
        moments_per_day.setdefault(timezone.localtime(moment).date(), set()).add(moment)
    assert len(moments_per_day) > 150
    assert {len(moments) for moments in moments_per_day.values()} == {1}
    page = client_for(patient).get("/journal/check-in/").content.decode()
    last_day = max(moments_per_day)
    names = {
        entry.data["name"] for entry in check_ins.filter(kind="symptom") if
        timezone.localtime(entry.recorded_at).date() == last_day
    }  # fmt: skip
    assert sorted(name for _key, name, _severity in listed(page)) == sorted(names)
