"""One rule for times across the journal API: a `recorded_at` carries its UTC offset."""

from __future__ import annotations

import json

import pytest

from carecircle.journal.actions import entries as entry_actions
from carecircle.journal.actions import goals as goal_actions
from carecircle.journal.models import JournalEntry
from conftest import client_for

pytestmark = pytest.mark.django_db

NAIVE = "2026-02-03T08:00:00"


def entries() -> list[dict]:
    return list(JournalEntry.objects.order_by("pk").values())


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/journal/entries", {"kind": "diary", "data": {"text": "t"}}),
        ("patch", "/journal/entries/{entry}", {}),
        ("post", "/journal/check-ins", {"mood": 3}),
        ("post", "/journal/goals/{goal}/check-ins", {"value": 2}),
    ],
)
def test_a_time_without_an_offset_is_refused_everywhere(patient, method, path, body):
    entry = entry_actions.record_entry(actor=patient, kind="diary", data={"text": "first"})
    goal = goal_actions.create_goal(actor=patient, data={"title": "Walk"})
    url = "/api/v1" + path.format(entry=entry.pk, goal=goal.pk)
    client = client_for(patient)
    before = entries()

    response = getattr(client, method)(
        url, json.dumps({**body, "recorded_at": NAIVE}), content_type="application/json"
    )

    assert response.status_code == 400
    answer = response.json()
    assert (answer["field"], answer["code"]) == ("recorded_at", "offset_required")
    assert answer["message"] == (
        "Include the UTC offset in recorded_at, like 2026-03-01T08:30:00+01:00 "
        "or 2026-03-01T07:30:00Z."
    )
    assert entries() == before

    accepted = getattr(client, method)(
        url,
        json.dumps({**body, "recorded_at": "2026-02-03T08:00:00+01:00"}),
        content_type="application/json",
    )

    assert accepted.status_code in (200, 201)
    latest = JournalEntry.objects.order_by("-updated_at", "-pk").first()
    assert latest is not None
    assert latest.recorded_at.isoformat() == "2026-02-03T07:00:00+00:00"


@pytest.mark.parametrize("field", ["since", "until"])
def test_the_list_filters_need_an_offset_too(patient, field):
    response = client_for(patient).get(f"/api/v1/journal/entries?{field}={NAIVE}")

    assert response.status_code == 400
    assert (response.json()["field"], response.json()["code"]) == (field, "offset_required")
