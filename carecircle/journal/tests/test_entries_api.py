"""The journal entries API: the same validation and owner-only rules as the pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from carecircle.caregivers import actions as caregiver_actions
from carecircle.core.factories import UserFactory
from carecircle.journal.actions import entries as actions
from carecircle.journal.models import Goal, JournalEntry
from conftest import client_for

pytestmark = pytest.mark.django_db


def state() -> list[dict]:
    return list(JournalEntry.objects.order_by("pk").values())


def send(client: Client, method: str, url: str, body: dict | None = None):
    if method == "get":
        response = client.get(f"/api/v1{url}")
    else:
        response = getattr(client, method)(
            f"/api/v1{url}", json.dumps(body or {}), content_type="application/json"
        )
    return response.status_code, response.json() if response.content else None


def test_create_read_change_and_delete(patient):
    client = client_for(patient)
    status, created = send(
        client,
        "post",
        "/journal/entries",
        {
            "kind": "measurement",
            "recorded_at": "2026-02-03T08:00:00Z",
            "data": {"type": "blood_pressure", "value": "131", "value_2": 86},
        },
    )
    assert status == 201
    entry_id = created["id"]
    assert {k: created[k] for k in ("kind", "recorded_at", "source", "goal_id", "data")} == {
        "kind": "measurement",
        "recorded_at": "2026-02-03T08:00:00Z",  # with its offset (one without is refused)
        "source": "api",
        "goal_id": None,
        "data": {
            "type": "blood_pressure",
            "name": "",
            "value": 131.0,
            "value_2": 86.0,
            "unit": "mmHg",
            "note": "",
        },
    }
    status, changed = send(
        client, "patch", f"/journal/entries/{entry_id}", {"data": {"value_2": 82, "note": "rest"}}
    )
    assert status == 200
    assert (changed["data"]["value"], changed["data"]["value_2"], changed["data"]["note"]) == (
        131.0,
        82.0,
        "rest",
    )
    status, moved = send(
        client,
        "patch",
        f"/journal/entries/{entry_id}",
        {"recorded_at": "2026-02-03T09:30:00+01:00"},
    )
    assert (status, moved["recorded_at"], moved["data"]["note"]) == (
        200,
        "2026-02-03T08:30:00Z",
        "rest",
    )
    assert send(client, "get", f"/journal/entries/{entry_id}")[1]["id"] == entry_id
    assert client.delete(f"/api/v1/journal/entries/{entry_id}").status_code == 204
    assert state() == []


@pytest.mark.parametrize(
    ("body", "status", "field", "code"),
    [
        (
            {"kind": "symptom", "data": {"name": "Pain", "severity": "NaN"}},
            400,
            "severity",
            "not_a_number",
        ),
        (
            {"kind": "symptom", "data": {"name": "Pain", "severity": "7,5"}},
            400,
            "severity",
            "out_of_range",
        ),
        (
            {"kind": "measurement", "data": {"type": "weight", "value": 70, "unit": "g"}},
            400,
            "unit",
            "bad_unit",
        ),
        (
            {"kind": "measurement", "data": {"type": "blood_pressure", "value": 120}},
            400,
            "value_2",
            "required",
        ),
        ({"kind": "pizza", "data": {}}, 400, "kind", "bad_kind"),
        (
            {"kind": "diary", "data": {"text": "t"}, "recorded_at": "2999-01-01T00:00:00Z"},
            400,
            "recorded_at",
            "future",
        ),
        (
            {"kind": "diary", "data": {"text": "t"}, "recorded_at": "1850-01-01T00:00:00Z"},
            400,
            "recorded_at",
            "too_early",
        ),
        ({"kind": "goal_check_in", "data": {"value": 1}}, 400, "goal", "required"),
    ],
)
def test_refusals_are_json_with_the_field(patient, body, status, field, code):
    answer = send(client_for(patient), "post", "/journal/entries", body)
    assert (answer[0], answer[1]["field"], answer[1]["code"]) == (status, field, code)
    assert state() == []


def test_goal_check_ins_and_patch_validation(patient, outsider):
    client = client_for(patient)
    goal = Goal.objects.create(owner=patient, data={"title": "Walk"})
    theirs = Goal.objects.create(owner=outsider, data={"title": "Theirs"})
    status, body = send(
        client,
        "post",
        "/journal/entries",
        {"kind": "goal_check_in", "goal_id": goal.pk, "data": {"value": 3}},
    )
    assert (status, body["goal_id"], body["data"]) == (201, goal.pk, {"value": 3.0, "note": ""})
    before = state()
    status, body = send(
        client,
        "post",
        "/journal/entries",
        {"kind": "goal_check_in", "goal_id": theirs.pk, "data": {"value": 3}},
    )
    assert (status, body["code"]) == (404, "goal_not_found")
    status, body = send(
        client, "patch", f"/journal/entries/{before[0]['id']}", {"data": {"value": "soon"}}
    )
    assert (status, body["field"]) == (400, "value")
    assert state() == before


def test_the_list_filters_and_pages(patient):
    for day in range(1, 6):
        actions.record_entry(
            actor=patient,
            kind="mood",
            data={"mood": 3},
            recorded_at=datetime(2026, 1, day, 12, tzinfo=UTC),
        )
    actions.record_entry(
        actor=patient,
        kind="diary",
        data={"text": "d"},
        recorded_at=datetime(2026, 1, 3, 13, tzinfo=UTC),
    )
    client = client_for(patient)
    status, body = send(client, "get", "/journal/entries?page_size=2&page=2")
    assert (status, body["total"], body["pages"], body["page"]) == (200, 6, 3, 2)
    assert [item["recorded_at"] for item in body["items"]] == [
        "2026-01-03T13:00:00Z",
        "2026-01-03T12:00:00Z",
    ]
    _, body = send(client, "get", "/journal/entries?page=999999999999&page_size=4")
    assert (body["page"], len(body["items"])) == (2, 2)
    url = "/journal/entries?kind=mood,diary&since=2026-01-03T12:00:00Z&until=2026-01-05T00:00:00Z"
    _, body = send(client, "get", url)
    assert [(i["kind"], i["recorded_at"]) for i in body["items"]] == [
        ("mood", "2026-01-04T12:00:00Z"),
        ("diary", "2026-01-03T13:00:00Z"),
        ("mood", "2026-01-03T12:00:00Z"),
    ]
    status, body = send(client, "get", "/journal/entries?kind=mood,pizza")
    assert (status, body["field"]) == (400, "kind")


def test_the_daily_check_in(patient):
    client = client_for(patient)
    status, body = send(
        client,
        "post",
        "/journal/check-ins",
        {
            "mood": 4,
            "energy": "2",
            "note": "ok",
            "symptoms": [{"name": "Fatigue", "severity": 5}, {"name": "Pain", "severity": "3"}],
        },
    )
    assert status == 201
    assert [(item["kind"], item["source"]) for item in body] == [
        ("mood", "check_in"),
        ("symptom", "check_in"),
        ("symptom", "check_in"),
        ("diary", "check_in"),
    ]
    before = state()
    status, body = send(
        client,
        "post",
        "/journal/check-ins",
        {"mood": 4, "symptoms": [{"name": "Pain", "severity": 11}]},
    )
    assert (status, body["field"], body["code"]) == (400, "symptoms.0.severity", "out_of_range")
    assert state() == before
    status, body = send(
        client,
        "post",
        "/journal/check-ins",
        {"mood": 9, "symptoms": [{"name": "", "severity": 11}, {"name": "Pain", "severity": 2}]},
    )
    assert status == 400
    assert body["details"] == [
        {"field": "mood", "code": "out_of_range", "message": "Choose a whole number from 1 to 5."},
        {"field": "symptoms.0.name", "code": "required", "message": "Enter the symptom's name."},
        {"field": "symptoms.0.severity", "code": "out_of_range",
         "message": "Choose a whole number from 0 to 10."},
    ]  # fmt: skip
    assert state() == before


def test_every_problem_of_an_entry_is_in_details_and_units_stay_strict(patient):
    client = client_for(patient)
    status, body = send(
        client,
        "post",
        "/journal/entries",
        {"kind": "measurement", "data": {"type": "weight", "value": "x", "unit": "hours",
                                         "note": "n" * 2001}},
    )  # fmt: skip
    assert (status, body["code"], body["field"]) == (400, "not_a_number", "value")
    assert body["message"] == "Enter a number, like 7 or 7.5."
    assert body["details"] == [
        {"field": "value", "code": "not_a_number", "message": "Enter a number, like 7 or 7.5."},
        {"field": "unit", "code": "bad_unit", "message": "Use one of these units: kg, lb, st."},
        {"field": "note", "code": "too_long", "message": "Keep this under 2000 characters."},
    ]
    assert state() == []


def test_the_vocabulary(patient):
    status, body = send(client_for(patient), "get", "/journal/vocabulary")
    assert status == 200
    assert len(body["symptoms"]) >= 150 and len(body["medications"]) >= 300
    assert body["measurement_types"][1] == {
        "code": "blood_pressure",
        "label": "Blood pressure",
        "units": ["mmHg"],
        "minimum": 30.0,
        "maximum": 300.0,
        "has_second_value": True,
    }
    assert body["mood_scale"][0] == {"value": 1, "label": "Very low"}
    assert body["energy_scale"][4] == {"value": 5, "label": "Full of energy"}


def test_only_the_owner_reaches_an_entry(patient, outsider, caregiver, moderator):
    link = caregiver_actions.request_caregiver_link(
        actor=caregiver, other_handle="patient", actor_is="carer"
    )
    caregiver_actions.answer_caregiver_link(actor=patient, link_id=link.pk, accept=True)
    staff = UserFactory(handle="staff", is_staff=True, is_superuser=True, is_site_admin=True)
    entry = actions.record_entry(actor=patient, kind="diary", data={"text": "secret"})
    url = f"/journal/entries/{entry.pk}"
    before = state()
    for user in (outsider, caregiver, moderator, staff):
        client = client_for(user)
        assert send(client, "get", url)[0] == 404
        assert send(client, "patch", url, {"data": {"text": "changed"}})[0] == 404
        assert send(client, "delete", url)[0] == 404
        assert send(client, "get", "/journal/entries")[1]["total"] == 0
    visitor = Client()
    for method in ("get", "patch", "delete"):
        assert send(visitor, method, url)[0] == 401
    assert send(visitor, "get", "/journal/entries")[0] == 401
    assert (
        send(visitor, "post", "/journal/entries", {"kind": "diary", "data": {"text": "x"}})[0]
        == 401
    )
    assert send(visitor, "post", "/journal/check-ins", {"mood": 3})[0] == 401
    assert send(visitor, "get", "/journal/vocabulary")[0] == 401
    assert state() == before
