"""Writing journal entries: validation through payloads, owner-only, dates, goals, rate limit,
and the all-or-nothing daily check-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from carecircle.core.errors import (
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import UserFactory
from carecircle.journal.actions import entries as actions
from carecircle.journal.models import Goal, JournalEntry

pytestmark = pytest.mark.django_db


def state() -> list[dict]:
    return list(JournalEntry.objects.order_by("pk").values())


@pytest.mark.parametrize(
    ("kind", "raw", "stored"),
    [
        (
            "symptom",
            {"name": " Fatigue ", "severity": "6"},
            {"name": "Fatigue", "severity": 6, "note": ""},
        ),
        (
            "measurement",
            {"type": "weight", "value": "72,5", "unit": "kg"},
            {
                "type": "weight",
                "name": "",
                "value": 72.5,
                "value_2": None,
                "unit": "kg",
                "note": "",
            },
        ),
        ("mood", {"mood": 2, "energy": "1"}, {"mood": 2, "energy": 1, "note": ""}),
        ("diary", {"text": "A better day"}, {"title": "", "text": "A better day"}),
    ],
)
def test_record_entry_stores_the_cleaned_data(patient, kind, raw, stored):
    before = timezone.now()
    entry = actions.record_entry(actor=patient, kind=kind, data=raw)
    entry.refresh_from_db()
    assert (entry.owner, entry.kind, entry.source, entry.goal, entry.data) == (
        patient,
        kind,
        "web",
        None,
        stored,
    )
    assert before <= entry.recorded_at <= timezone.now()


def test_dates_are_read_in_the_members_zone_and_kept_sane(patient):
    with timezone.override(ZoneInfo("Europe/Paris")):
        entry = actions.record_entry(
            actor=patient, kind="diary", data={"text": "t"}, recorded_at=datetime(2026, 1, 5, 9, 0)
        )
    assert entry.recorded_at == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    # A clock a little fast is accepted; further in the future or before 1900 is not.
    soon = timezone.now() + timedelta(minutes=4)
    assert (
        actions.record_entry(
            actor=patient, kind="diary", data={"text": "t"}, recorded_at=soon
        ).recorded_at
        == soon
    )
    before = state()
    for when, code in [
        (timezone.now() + timedelta(minutes=10), "future"),
        (datetime(1899, 12, 31, tzinfo=UTC), "too_early"),
    ]:
        with pytest.raises(ValidationFailed) as raised:
            actions.record_entry(actor=patient, kind="diary", data={"text": "t"}, recorded_at=when)
        assert (raised.value.field, raised.value.code) == ("recorded_at", code)
    assert state() == before


def test_refused_data_and_kinds_save_nothing(patient):
    cases = [
        ("symptom", {"name": "Pain", "severity": "NaN"}, None, "severity"),
        ("measurement", {"type": "blood_pressure", "value": 120}, None, "value_2"),
        ("medication", {"name": "x"}, None, "kind"),
        ("mood", {}, None, "mood"),
        ("diary", {"text": "t"}, "telepathy", "source"),
    ]
    for kind, raw, source, field in cases:
        with pytest.raises(ValidationFailed) as raised:
            actions.record_entry(actor=patient, kind=kind, data=raw, source=source or "web")
        assert raised.value.field == field
    assert JournalEntry.objects.count() == 0


def test_goal_check_ins_need_the_actors_own_active_goal(patient, outsider):
    mine = Goal.objects.create(owner=patient, data={"title": "Walk"})
    closed = Goal.objects.create(owner=patient, data={"title": "Old"}, status=Goal.Status.ACHIEVED)
    theirs = Goal.objects.create(owner=outsider, data={"title": "Theirs"})
    entry = actions.record_entry(
        actor=patient, kind="goal_check_in", data={"value": "2,5"}, goal=mine, source="api"
    )
    assert (entry.goal, entry.data, entry.source) == (mine, {"value": 2.5, "note": ""}, "api")
    before = state()
    with pytest.raises(NotFoundError):
        actions.record_entry(actor=patient, kind="goal_check_in", data={"value": 1}, goal=theirs)
    for kind, goal, code in [
        ("goal_check_in", closed, "goal_closed"),
        ("goal_check_in", None, "required"),
        ("diary", mine, "bad_goal"),
    ]:
        with pytest.raises(ValidationFailed) as raised:
            actions.record_entry(
                actor=patient, kind=kind, data={"value": 1, "text": "t"}, goal=goal
            )
        assert (raised.value.field, raised.value.code) == ("goal", code)
    assert state() == before


def test_update_replaces_data_and_time_and_keeps_the_rest(patient):
    entry = actions.record_entry(
        actor=patient, kind="symptom", data={"name": "Pain", "severity": 3}
    )
    when = datetime(2026, 2, 1, 10, 0, tzinfo=UTC)
    actions.update_entry(
        actor=patient, entry=entry, data={"name": "Back pain", "severity": "8"}, recorded_at=when
    )
    entry.refresh_from_db()
    assert (entry.kind, entry.data, entry.recorded_at) == (
        "symptom",
        {"name": "Back pain", "severity": 8, "note": ""},
        when,
    )
    actions.update_entry(actor=patient, entry=entry, data=None, recorded_at=None)
    entry.refresh_from_db()
    assert (entry.data["name"], entry.recorded_at) == ("Back pain", when)
    before = state()
    with pytest.raises(ValidationFailed):
        actions.update_entry(
            actor=patient, entry=entry, data={"name": "Pain", "severity": 12}, recorded_at=None
        )
    assert state() == before


def test_only_the_owner_changes_or_deletes_and_only_active_members_write(
    patient, outsider, caregiver, moderator
):
    entry = actions.record_entry(actor=patient, kind="diary", data={"text": "mine"})
    staff = UserFactory(handle="staff", is_staff=True, is_superuser=True, is_site_admin=True)
    memorialised = UserFactory(handle="remembered", memorialised_at=timezone.now())
    inactive = UserFactory(handle="inactive", is_active=False)
    before = state()
    for other in (outsider, caregiver, moderator, staff):
        with pytest.raises(NotFoundError):
            actions.update_entry(actor=other, entry=entry, data={"text": "x"}, recorded_at=None)
        with pytest.raises(NotFoundError):
            actions.delete_entry(actor=other, entry=entry)
    for nobody in (AnonymousUser(), memorialised, inactive):
        with pytest.raises(PermissionDeniedError):
            actions.record_entry(actor=nobody, kind="diary", data={"text": "x"})
        with pytest.raises(PermissionDeniedError):
            actions.record_daily_check_in(actor=nobody, mood=3, energy=3, symptoms=[], note="")
    assert state() == before
    actions.delete_entry(actor=patient, entry=entry)
    assert state() == []


def test_writes_are_rate_limited(patient, settings):
    settings.CARECIRCLE_JOURNAL_WRITE_RATE = "2/m"
    entry = actions.record_entry(actor=patient, kind="diary", data={"text": "1"})
    actions.update_entry(actor=patient, entry=entry, data={"text": "2"}, recorded_at=None)
    before = state()
    with pytest.raises(RateLimitedError):
        actions.delete_entry(actor=patient, entry=entry)
    with pytest.raises(RateLimitedError):
        actions.record_daily_check_in(actor=patient, mood=3, energy=3, symptoms=[], note="")
    assert state() == before


def test_daily_check_in_writes_everything_at_once(patient):
    when = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)
    rows = actions.record_daily_check_in(
        actor=patient,
        mood="4",
        energy=2,
        symptoms=[{"name": "Fatigue", "severity": "6"}, {"name": "Joint pain", "severity": 0}],
        note=" Slept badly ",
        recorded_at=when,
    )
    stored = list(
        JournalEntry.objects.order_by("pk").values_list("kind", "data", "source", "recorded_at")
    )
    assert stored == [
        ("mood", {"mood": 4, "energy": 2, "note": ""}, "check_in", when),
        ("symptom", {"name": "Fatigue", "severity": 6, "note": ""}, "check_in", when),
        ("symptom", {"name": "Joint pain", "severity": 0, "note": ""}, "check_in", when),
        ("diary", {"title": "", "text": "Slept badly"}, "check_in", when),
    ]
    assert [row.pk for row in rows] == list(
        JournalEntry.objects.order_by("pk").values_list("pk", flat=True)
    )
    # Without a note: no diary entry; energy alone is enough.
    assert [
        r.kind
        for r in actions.record_daily_check_in(
            actor=patient, mood="", energy=3, symptoms=[], note="  "
        )
    ] == ["mood"]


@pytest.mark.parametrize(
    ("mood", "symptoms", "field", "code"),
    [
        (None, [], "mood", "required"),
        (6, [], "mood", "out_of_range"),
        (
            3,
            [{"name": "Fatigue", "severity": 5}, {"name": "Pain", "severity": "7,5"}],
            "symptoms.1.severity",
            "out_of_range",
        ),
        (3, [{"name": "", "severity": 5}], "symptoms.0.name", "required"),
        (
            3,
            [{"name": "Fatigue", "severity": 5}, {"name": "fatigue ", "severity": 2}],
            "symptoms.1.name",
            "duplicate",
        ),
        (3, ["Fatigue"], "symptoms.0", "bad_list"),
        (3, [{"name": f"S{n}", "severity": 1} for n in range(31)], "symptoms", "too_many"),
    ],
)
def test_a_refused_check_in_saves_nothing(patient, mood, symptoms, field, code):
    with pytest.raises(ValidationFailed) as raised:
        actions.record_daily_check_in(
            actor=patient, mood=mood, energy=None, symptoms=symptoms, note="kept?"
        )
    assert (raised.value.field, raised.value.code) == (field, code)
    assert JournalEntry.objects.count() == 0
