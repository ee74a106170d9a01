"""Six months of a demo member's health journal, so the charts and the summary have a story.

SunnyDays lives with type 2 diabetes: tired and achy for months, then a low vitamin B12 level is
found (metformin can lower it) and supplements started half-way through help the fatigue, while
a walking goal slowly eases the joint pain. Everything goes through `payloads.clean_*`, the one
validation every way in uses; rows are written in bulk, since a demo load would otherwise hit
the journal's write rate limit.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.journal import payloads
from carecircle.journal.models import EntryKind, EntrySource, Goal, JournalEntry, Medication

DAYS = 182
TURNING_POINT = 91  # the day B12 is started


def _at(day: date, hour: int, minute: int = 0, *, now: datetime | None = None) -> datetime:
    """`hour:minute` on `day` in the current time zone, but never later than now."""
    moment = timezone.make_aware(
        datetime.combine(day, time(hour, minute)), timezone.get_current_timezone()
    )
    return min(moment, now or timezone.now())


def _entry(
    member: User,
    kind: str,
    at: datetime,
    raw: dict[str, Any],
    goal: Goal | None = None,
    *,
    source: str = EntrySource.WEB,
) -> JournalEntry:
    return JournalEntry(
        owner=member,
        kind=kind,
        recorded_at=at,
        data=cast(Any, payloads.clean_entry(kind, raw)),
        source=source,
        goal=goal,
    )


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


@transaction.atomic
def load_demo_journal(member: User, *, today: date | None = None) -> int:
    """Write ~6 months of plausible journal entries, medicines and a goal for `member`;
    returns how many entries were written."""
    rng = random.Random(20261207)  # noqa: S311 - demo data, the same every time
    today = today or timezone.localdate()
    now = timezone.now()
    first = today - timedelta(days=DAYS - 1)
    turning = first + timedelta(days=TURNING_POINT)

    medicines = [
        {
            "name": "Metformin",
            "dose": "500",
            "unit": "mg",
            "frequency": "twice a day, with meals",
            "reason": "Type 2 diabetes",
            "started_on": "2021-03-15",
            "effectiveness": 3,
            "side_effects": "upset stomach:2",
        },
        {
            "name": "Paracetamol",
            "dose": "1",
            "unit": "g",
            "frequency": "up to four times a day when needed",
            "reason": "Joint pain",
            "started_on": first.isoformat(),
            "stopped_on": (first + timedelta(days=60)).isoformat(),
            "stop_reason": "Not helping enough; the GP suggested gentle exercise instead.",
            "effectiveness": 1,
        },
        {
            "name": "Vitamin B12 (cyanocobalamin)",
            "dose": "1000",
            "unit": "micrograms",
            "frequency": "once a day",
            "reason": "Low B12 found in a blood test",
            "started_on": turning.isoformat(),
            "effectiveness": 3,
        },
    ]
    Medication.objects.bulk_create(
        [
            Medication(owner=member, data=cast(Any, payloads.clean_medication(raw)))
            for raw in medicines
        ]
    )
    goal_start = first + timedelta(days=30)
    goal = Goal.objects.create(
        owner=member,
        data=cast(
            Any,
            payloads.clean_goal(
                {
                    "title": "Walk 30 minutes a day",
                    "target": 30,
                    "unit": "minutes",
                    "due_on": (today + timedelta(days=30)).isoformat(),
                    "note": "Start with 10 minutes, add a little each week.",
                }
            ),
        ),
    )
    Goal.objects.filter(pk=goal.pk).update(created_at=_at(goal_start, 9, now=now))

    entries: list[JournalEntry] = []
    weight = 84.0
    for index in range(DAYS):
        day = first + timedelta(days=index)
        after = max(0, index - TURNING_POINT - 10)  # B12 takes a couple of weeks to help
        fatigue = 7.2 - min(after, 50) * 0.07 + rng.gauss(0, 0.9)
        joint = 5.8 - index * 0.012 + rng.gauss(0, 1.0)
        if day.weekday() >= 5:
            joint += 0.6  # the weekend garden
        # The evening check-in: mood, energy and the usual symptoms, saved at one moment.
        check_in_at = _at(day, 20, rng.randint(0, 59), now=now)
        if rng.random() < 0.9:
            entries.append(
                _entry(
                    member,
                    EntryKind.SYMPTOM,
                    check_in_at,
                    {"name": "Fatigue", "severity": _clamp(fatigue, 0, 10)},
                    source=EntrySource.CHECK_IN,
                )
            )
        if rng.random() < 0.8:
            entries.append(
                _entry(
                    member,
                    EntryKind.SYMPTOM,
                    check_in_at,
                    {"name": "Joint pain", "severity": _clamp(joint, 0, 10)},
                    source=EntrySource.CHECK_IN,
                )
            )
        if rng.random() < 0.25:
            # Noted on its own in the morning, not part of the check-in.
            entries.append(
                _entry(
                    member,
                    EntryKind.SYMPTOM,
                    _at(day, 8, 30, now=now),
                    {"name": "Morning stiffness", "severity": _clamp(joint - 1, 0, 10)},
                )
            )
        if rng.random() < 0.92:
            energy = 2 + min(after, 50) * 0.03 + rng.gauss(0, 0.6)
            mood = 2.7 + min(after, 50) * 0.025 + rng.gauss(0, 0.7)
            entries.append(
                _entry(
                    member,
                    EntryKind.MOOD,
                    check_in_at,
                    {"mood": _clamp(mood, 1, 5), "energy": _clamp(energy, 1, 5)},
                    source=EntrySource.CHECK_IN,
                )
            )
        sleep = 6.0 + min(after, 50) * 0.02 + rng.gauss(0, 0.6)
        entries.append(
            _entry(
                member,
                EntryKind.MEASUREMENT,
                _at(day, 7, 30, now=now),
                {"type": "sleep", "value": round(sleep * 2) / 2, "unit": "hours"},
            )
        )
        if index % 3 == 0:
            glucose = 7.6 - index * 0.004 + rng.gauss(0, 0.5)
            entries.append(
                _entry(
                    member,
                    EntryKind.MEASUREMENT,
                    _at(day, 7, 45, now=now),
                    {"type": "blood_glucose", "value": round(glucose, 1), "unit": "mmol/L"},
                )
            )
        if day.weekday() == 0:
            weight -= 0.12 + rng.gauss(0, 0.15)
            entries.append(
                _entry(
                    member,
                    EntryKind.MEASUREMENT,
                    _at(day, 7, 15, now=now),
                    {"type": "weight", "value": round(weight, 1), "unit": "kg"},
                )
            )
        if index % 30 == 10:
            entries.append(
                _entry(
                    member,
                    EntryKind.MEASUREMENT,
                    _at(day, 10, 0, now=now),
                    {
                        "type": "blood_pressure",
                        "value": rng.randint(128, 138),
                        "value_2": rng.randint(80, 88),
                        "unit": "mmHg",
                        "note": "At the pharmacy.",
                    },
                )
            )
        if day >= goal_start and day.weekday() == 6:
            weeks = (day - goal_start).days // 7
            entries.append(
                _entry(
                    member,
                    EntryKind.GOAL_CHECK_IN,
                    _at(day, 18, now=now),
                    {
                        "value": min(30, 10 + weeks * 1.2 + rng.randint(-2, 2)),
                        "note": "Managed most days." if weeks % 3 else "",
                    },
                    goal=goal,
                )
            )
    for offset, title, text in (
        (
            5,
            "Tired of being tired",
            "Another afternoon on the sofa. I keep wondering if it is the metformin.",
        ),
        (
            TURNING_POINT - 4,
            "Blood test results",
            "The GP rang: my B12 is low. She says metformin can do that over the years. "
            "Starting tablets next week.",
        ),
        (
            TURNING_POINT + 30,
            "A good week",
            "Walked to the park and back twice this week without needing a nap after. "
            "Knees still grumble on the stairs.",
        ),
        (DAYS - 3, "Questions for my review", "Ask about re-testing B12 and about my knees."),
    ):
        entries.append(
            _entry(
                member,
                EntryKind.DIARY,
                _at(first + timedelta(days=offset), 21, now=now),
                {"title": title, "text": text},
            )
        )
    JournalEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)
