"""Goals and check-ins: actions, progress, pages, API, and that only the owner reaches them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings
from django.utils import timezone

from carecircle.caregivers.models import CaregiverLink
from carecircle.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.factories import UserFactory
from carecircle.journal.actions import goals as actions
from carecircle.journal.models import Goal, JournalEntry
from carecircle.journal.views.goals import progress_percent
from conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1/journal/goals"
SLEEP = {"title": " Sleep more ", "target": "7,5", "unit": "hours", "due_on": "2030-06-01"}


def state() -> list[Any]:
    goals = list(
        Goal.objects.order_by("pk").values("pk", "status", "data", "closed_at", "updated_at")
    )
    entries = list(
        JournalEntry.objects.order_by("pk").values("pk", "goal_id", "data", "recorded_at")
    )
    return [goals, entries]


def at(day: int, hour: int = 8) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def goal(patient) -> Goal:
    return actions.create_goal(actor=patient, data=SLEEP)


@pytest.fixture
def staff(db: None):
    return UserFactory(handle="staff", is_staff=True, is_superuser=True, is_site_admin=True)


@pytest.fixture
def linked_caregiver(patient, caregiver):
    CaregiverLink.objects.create(
        patient=patient, carer=caregiver, status="active", requested_by="patient"
    )
    return caregiver


@pytest.fixture(params=["outsider", "linked_caregiver", "moderator", "staff"])
def stranger(request, community):
    """Everyone but the owner: another member, their caregiver, a moderator, site staff."""
    return request.getfixturevalue(request.param)


# --- actions ---------------------------------------------------------------------------------


def test_create_change_close_reopen_and_delete(patient, goal):
    assert (goal.owner, goal.status, goal.closed_at) == (patient, "active", None)
    assert goal.data == {
        "title": "Sleep more",
        "target": 7.5,
        "unit": "hours",
        "due_on": "2030-06-01",
        "note": "",
    }
    actions.update_goal(actor=patient, goal=goal, data={"target": "8", "due_on": ""})
    goal.refresh_from_db()
    assert (goal.data["target"], goal.data["due_on"], goal.data["unit"]) == (8.0, None, "hours")

    closed = actions.close_goal(actor=patient, goal=goal, status="achieved")
    assert (closed.status, closed.closed_at is not None) == ("achieved", True)
    with pytest.raises(ConflictError):
        actions.close_goal(actor=patient, goal=goal, status="stopped")
    reopened = actions.reopen_goal(actor=patient, goal=goal)
    assert (reopened.status, reopened.closed_at) == ("active", None)
    with pytest.raises(ConflictError):
        actions.reopen_goal(actor=patient, goal=goal)

    actions.check_in_goal(actor=patient, goal=goal, value="6", note="", recorded_at=at(1))
    actions.delete_goal(actor=patient, goal=goal)
    assert (Goal.objects.count(), JournalEntry.objects.count()) == (0, 0)


def test_check_ins_are_goal_entries_and_need_an_active_goal(patient, goal):
    entry = actions.check_in_goal(actor=patient, goal=goal, value="6.5", note=" ok ")
    assert (entry.owner, entry.kind, entry.goal, entry.source) == (
        patient,
        "goal_check_in",
        goal,
        "web",
    )
    assert entry.data == {"value": 6.5, "note": "ok"}
    assert abs(entry.recorded_at - timezone.now()) < timedelta(minutes=1)
    only_note = actions.check_in_goal(actor=patient, goal=goal, value=None, note="Bad night")
    assert only_note.data == {"value": None, "note": "Bad night"}

    before = state()
    for value, note, recorded_at, field in (
        ("", "", None, "value"),
        ("lots", "", None, "value"),
        ("7", "", timezone.now() + timedelta(days=1), "recorded_at"),
    ):
        with pytest.raises(ValidationFailed) as error:
            actions.check_in_goal(
                actor=patient, goal=goal, value=value, note=note, recorded_at=recorded_at
            )
        assert error.value.field == field
    actions.close_goal(actor=patient, goal=goal, status="stopped")
    before = state()
    with pytest.raises(ConflictError):
        actions.check_in_goal(actor=patient, goal=goal, value="7", note="")
    assert state() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [({"title": ""}, "title"), ({"target": "seven"}, "target"), ({"due_on": "June"}, "due_on")],
)
def test_invalid_goals_are_refused(patient, goal, data, field):
    before = state()
    with pytest.raises(ValidationFailed) as create_error:
        actions.create_goal(actor=patient, data={**SLEEP, **data})
    with pytest.raises(ValidationFailed) as update_error:
        actions.update_goal(actor=patient, goal=goal, data=data)
    with pytest.raises(ValidationFailed) as close_error:
        actions.close_goal(actor=patient, goal=goal, status="active")
    assert (create_error.value.field, update_error.value.field) == (field, field)
    assert close_error.value.field == "status"
    assert state() == before


def test_strangers_are_told_it_does_not_exist_and_nothing_changes(stranger, patient, goal):
    actions.check_in_goal(actor=patient, goal=goal, value="6", note="", recorded_at=at(1))
    before = state()
    for call in (
        lambda: actions.update_goal(actor=stranger, goal=goal, data={"title": "Mine"}),
        lambda: actions.close_goal(actor=stranger, goal=goal, status="achieved"),
        lambda: actions.reopen_goal(actor=stranger, goal=goal),
        lambda: actions.delete_goal(actor=stranger, goal=goal),
        lambda: actions.check_in_goal(actor=stranger, goal=goal, value="1", note=""),
    ):
        with pytest.raises(NotFoundError):
            call()
    assert state() == before


def test_visitors_and_memorial_accounts_cannot_write(patient, goal):
    before = state()
    patient.memorialised_at = timezone.now()
    patient.save(update_fields=["memorialised_at"])
    for actor in (AnonymousUser(), patient):
        with pytest.raises(PermissionDeniedError):
            actions.create_goal(actor=actor, data=SLEEP)
        with pytest.raises(PermissionDeniedError):
            actions.check_in_goal(actor=actor, goal=goal, value="7", note="")
    assert state() == before


@override_settings(CARECIRCLE_JOURNAL_WRITE_RATE="2/m")
def test_writes_and_check_ins_are_rate_limited(patient):
    goal = actions.create_goal(actor=patient, data=SLEEP)
    actions.check_in_goal(actor=patient, goal=goal, value="7", note="")
    before = state()
    with pytest.raises(RateLimitedError):
        actions.check_in_goal(actor=patient, goal=goal, value="8", note="")
    with pytest.raises(RateLimitedError):
        actions.close_goal(actor=patient, goal=goal, status="achieved")
    assert state() == before


@pytest.mark.parametrize(
    ("first", "latest", "target", "percent"),
    [
        (None, None, 10.0, None),
        (2.0, 8.0, None, None),
        (2.0, 8.0, 10.0, 80),  # walking more: from zero
        (80.0, 75.0, 70.0, 50),  # losing weight: from where it started
        (80.0, 82.0, 70.0, 0),
        (3.0, 12.0, 10.0, 100),
        (0.0, 0.0, 0.0, 100),
    ],
)
def test_progress_towards_the_target(first, latest, target, percent):
    assert progress_percent(first, latest, target) == percent


# --- pages -----------------------------------------------------------------------------------


def text_of(response) -> str:
    return response.content.decode()


def test_the_list_shows_progress_due_dates_and_closed_goals(patient, django_assert_num_queries):
    today = timezone.localdate()
    weight = actions.create_goal(
        actor=patient,
        data={"title": "Weight", "target": "70", "unit": "kg",
              "due_on": (today + timedelta(days=12)).isoformat()},
    )  # fmt: skip
    for day, value, note in ((1, "80", ""), (2, "77", ""), (3, "75", ""), (4, "", "Holiday")):
        actions.check_in_goal(
            actor=patient, goal=weight, value=value, note=note, recorded_at=at(day)
        )
    late = actions.create_goal(
        actor=patient, data={"title": "Tidy", "due_on": (today - timedelta(days=3)).isoformat()}
    )
    done = actions.create_goal(actor=patient, data={"title": "Walk daily"})
    actions.close_goal(actor=patient, goal=done, status="achieved")
    client = client_for(patient)
    client.get("/journal/goals/")
    # session, member, goals with counts, their first and latest check-ins, consent check.
    with django_assert_num_queries(5):
        response = client.get("/journal/goals/")
    page = text_of(response)
    working, closed = page.split('id="closed-heading"')
    weight_card = working.split(f'id="goal-{weight.pk}"')[1].split("</article>")[0]
    assert "<dd>70 kg</dd>" in weight_card
    assert "<dd>75 kg</dd>" in weight_card
    assert '<progress max="100" value="50"' in weight_card and "50% of the way" in weight_card
    assert "12 days left" in weight_card
    assert "<dd>4 · last" in weight_card
    assert f'href="/journal/goals/{weight.pk}/check-in/"' in weight_card
    assert "3 days overdue" in working.split(f'id="goal-{late.pk}"')[1]
    assert "Walk daily" in closed and "Achieved" in closed and "Walk daily" not in working
    assert f'action="/journal/goals/{done.pk}/reopen/"' in closed
    assert late.pk  # keeps the name used above


def test_the_list_query_count_does_not_grow(patient, django_assert_num_queries):
    for number in range(5):
        goal = actions.create_goal(actor=patient, data={"title": f"Goal {number}", "target": "9"})
        actions.check_in_goal(actor=patient, goal=goal, value=str(number), note="")
        actions.check_in_goal(actor=patient, goal=goal, value="", note="just a note")
    client = client_for(patient)
    client.get("/journal/goals/")
    with django_assert_num_queries(5):
        response = client.get("/journal/goals/")
    assert text_of(response).count('<article class="card plan-card"') == 5


def test_adding_and_editing_keep_the_typed_text_next_to_the_error(patient):
    client = client_for(patient)
    refused = client.post("/journal/goals/add/", {"title": "Run", "target": "far", "unit": "km"})
    page = text_of(refused)
    assert refused.status_code == 400
    assert 'value="far"' in page and 'value="km"' in page and 'value="Run"' in page
    assert 'aria-invalid="true" aria-describedby="help_target error_target"' in page
    assert Goal.objects.count() == 0
    saved = client.post("/journal/goals/add/", {"title": "Run", "target": "5", "unit": "km"})
    assert saved.status_code == 302 and saved["Location"] == "/journal/goals/"
    goal = Goal.objects.get()
    assert 'value="5"' in text_of(client.get(f"/journal/goals/{goal.pk}/edit/"))
    client.post(f"/journal/goals/{goal.pk}/edit/", {"title": "Run more", "target": "10"})
    goal.refresh_from_db()
    assert (goal.data["title"], goal.data["target"], goal.data["unit"]) == ("Run more", 10.0, "")


@override_settings(TIME_ZONE="UTC")
def test_checking_in_defaults_to_now_in_the_members_zone(patient, goal):
    patient.time_zone = "Asia/Tokyo"
    patient.save(update_fields=["time_zone"])
    client = client_for(patient)
    url = f"/journal/goals/{goal.pk}/check-in/"
    form = text_of(client.get(url))
    now_tokyo = timezone.now().astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    assert f'value="{now_tokyo.strftime("%Y-%m-%d")}T' in form
    refused = client.post(url, {"value": "", "note": "", "recorded_at": "2026-03-01T08:30"})
    assert refused.status_code == 400 and 'id="error_value"' in text_of(refused)
    assert 'value="2026-03-01T08:30"' in text_of(refused)
    client.post(url, {"value": "6", "note": "Woke twice", "recorded_at": "2026-03-01T08:30"})
    entry = JournalEntry.objects.get()
    assert entry.recorded_at == datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    assert entry.data == {"value": 6.0, "note": "Woke twice"}
    history = text_of(client.get(url))
    assert "<strong>6 hours</strong> · Woke twice" in history


def test_closing_reopening_and_deleting_from_the_pages(patient, goal):
    client = client_for(patient)
    actions.check_in_goal(actor=patient, goal=goal, value="6", note="", recorded_at=at(1))
    assert "I achieved it" in text_of(client.get(f"/journal/goals/{goal.pk}/close/"))
    client.post(f"/journal/goals/{goal.pk}/close/", {"status": "stopped"})
    goal.refresh_from_db()
    assert goal.status == "stopped"
    again = client.post(f"/journal/goals/{goal.pk}/close/", {"status": "achieved"}, follow=True)
    assert "This goal is already closed." in text_of(again)
    client.post(f"/journal/goals/{goal.pk}/reopen/")
    goal.refresh_from_db()
    assert (goal.status, goal.closed_at) == ("active", None)
    confirm = text_of(client.get(f"/journal/goals/{goal.pk}/delete/"))
    assert "The goal and its 1 check-in are deleted for good." in confirm
    assert client.post(f"/journal/goals/{goal.pk}/delete/").status_code == 302
    assert (Goal.objects.count(), JournalEntry.objects.count()) == (0, 0)


def test_pages_answer_404_to_strangers_and_send_visitors_to_sign_in(stranger, patient, goal):
    actions.check_in_goal(actor=patient, goal=goal, value="6", note="", recorded_at=at(1))
    before = state()
    client = client_for(stranger)
    visitor = client_for(None)
    body = {"title": "Mine", "status": "achieved", "value": "1"}
    for action in ("edit", "check-in", "close", "reopen", "delete"):
        url = f"/journal/goals/{goal.pk}/{action}/"
        if action != "reopen":
            assert client.get(url).status_code == 404
        assert client.post(url, body).status_code == 404
        assert visitor.post(url, body).status_code == 302
    assert "Sleep more" not in text_of(client.get("/journal/goals/"))
    assert state() == before


# --- API -------------------------------------------------------------------------------------


def test_the_api_round_trip(patient):
    client = client_for(patient)
    created = client.post(API, {"title": "Steps", "target": 8000, "unit": "steps"},
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    goal_id = body.pop("id")
    assert body.pop("created_at") and body.pop("updated_at")
    assert body == {
        "status": "active", "title": "Steps", "target": 8000.0, "unit": "steps", "due_on": None,
        "days_left": None, "note": "", "check_in_count": 0, "last_check_in_at": None,
        "latest_value": None, "progress_percent": None, "closed_at": None,
    }  # fmt: skip
    for day, value in ((1, 2000), (2, 6000)):
        checked = client.post(f"{API}/{goal_id}/check-ins",
                              {"value": value, "recorded_at": at(day).isoformat()},
                              content_type="application/json")  # fmt: skip
        assert checked.status_code == 201
    listed = client.get(f"{API}/{goal_id}/check-ins?page_size=1").json()
    assert (listed["total"], listed["pages"]) == (2, 2)
    assert [(c["value"], c["note"], c["recorded_at"]) for c in listed["items"]] == [
        (6000.0, "", "2026-03-02T08:00:00Z")
    ]
    got = client.get(f"{API}/{goal_id}").json()
    assert (got["latest_value"], got["progress_percent"], got["check_in_count"]) == (6000.0, 75, 2)
    patched = client.patch(
        f"{API}/{goal_id}", {"unit": "steps a day"}, content_type="application/json"
    )
    assert (patched.json()["unit"], patched.json()["target"]) == ("steps a day", 8000.0)
    closed = client.post(
        f"{API}/{goal_id}/close", {"status": "achieved"}, content_type="application/json"
    )
    assert closed.json()["status"] == "achieved" and closed.json()["closed_at"]
    late = client.post(f"{API}/{goal_id}/check-ins", {"value": 1}, content_type="application/json")
    assert (late.status_code, late.json()["code"]) == (409, "goal_closed")
    reopened = client.post(
        f"{API}/{goal_id}/close", {"status": "active"}, content_type="application/json"
    )
    assert reopened.json()["status"] == "active"
    assert [g["id"] for g in client.get(f"{API}?status=active").json()] == [goal_id]
    assert client.get(f"{API}?status=achieved").json() == []
    refused = client.post(API, {"target": 3}, content_type="application/json")
    assert (refused.status_code, refused.json()["field"]) == (400, "title")
    assert client.delete(f"{API}/{goal_id}").status_code == 204
    assert (Goal.objects.count(), JournalEntry.objects.count()) == (0, 0)


def test_the_api_answers_404_to_strangers_and_401_to_visitors(stranger, patient, goal):
    actions.check_in_goal(actor=patient, goal=goal, value="6", note="", recorded_at=at(1))
    before = state()
    client = client_for(stranger)
    visitor = client_for(None)
    url = f"{API}/{goal.pk}"
    calls = [
        ("get", url, None),
        ("patch", url, {"title": "Mine"}),
        ("delete", url, None),
        ("post", f"{url}/close", {"status": "achieved"}),
        ("get", f"{url}/check-ins", None),
        ("post", f"{url}/check-ins", {"value": 1}),
    ]
    for method, path, body in calls:
        kwargs: dict[str, Any] = {"content_type": "application/json"}
        if body is not None:
            kwargs["data"] = body
        assert getattr(client, method)(path, **kwargs).status_code == 404
        assert getattr(visitor, method)(path, **kwargs).status_code == 401
    assert client.get(API).json() == []
    assert state() == before
