"""What a share shows: only its parts, never anything before its `since`, over a period."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from carecircle.accounts.models import User
from carecircle.communities.models import Community
from carecircle.journal import sharing
from carecircle.journal.actions.sharing import share_journal
from carecircle.journal.models import Goal, JournalEntry, Medication
from carecircle.journal.payloads import clean_entry, clean_goal, clean_medication
from carecircle.journal.tests.test_sharing_access import World, make_world
from conftest import client_for

HIDDEN_UNLESS_SHARED = {
    "diary": "Dear diary secret",
    "mood": "Mood note secret",
    "measurements": "Scale note secret",
    "goals": "Walk daily",
    "check_in": "Walked secret",
}


@pytest.fixture
def world(
    patient: User, caregiver: User, moderator: User, outsider: User, community: Community
) -> World:
    world = make_world(patient, caregiver, moderator, outsider, community)
    JournalEntry.objects.filter(owner=patient).delete()  # each test writes its own
    return world


def _entry(owner: User, kind: str, at: datetime, raw: dict[str, Any], **extra: Any) -> None:
    if kind == "symptom":
        raw = {"severity": 5, **raw}
    JournalEntry.objects.create(
        owner=owner, kind=kind, recorded_at=at, data=clean_entry(kind, raw), **extra
    )


def _fill(owner: User) -> None:
    """A week of everything, one old symptom, a current and a stopped medicine, a goal."""
    now = timezone.now()
    day = timezone.localdate()
    _entry(owner, "symptom", now - timedelta(days=10), {"name": "Old ache", "severity": 3})
    _entry(owner, "symptom", now - timedelta(days=2), {"name": "New ache", "severity": 7})
    _entry(owner, "diary", now - timedelta(days=1), {"text": HIDDEN_UNLESS_SHARED["diary"]})
    _entry(
        owner, "mood", now - timedelta(days=1), {"mood": 4, "note": HIDDEN_UNLESS_SHARED["mood"]}
    )
    _entry(
        owner,
        "measurement",
        now - timedelta(days=1),
        {"type": "weight", "value": "72.5", "note": HIDDEN_UNLESS_SHARED["measurements"]},
    )
    Medication.objects.create(
        owner=owner,
        data=clean_medication({"name": "Metformin", "started_on": day - timedelta(days=100)}),
    )
    Medication.objects.create(
        owner=owner,
        data=clean_medication(
            {
                "name": "Oldmed",
                "started_on": day - timedelta(days=100),
                "stopped_on": day - timedelta(days=8),
            }
        ),
    )
    goal = Goal.objects.create(
        owner=owner, data=clean_goal({"title": HIDDEN_UNLESS_SHARED["goals"], "target": "30"})
    )
    _entry(
        owner,
        "goal_check_in",
        now - timedelta(days=1),
        {"value": "20", "note": HIDDEN_UNLESS_SHARED["check_in"]},
        goal=goal,
    )


def test_only_the_shared_parts_from_since_on(world: World) -> None:
    _fill(world.owner)
    since = timezone.localdate() - timedelta(days=5)
    share = share_journal(
        actor=world.owner,
        audience="caregiver",
        parts=["medications", "symptoms"],
        caregiver_link=world.link,
        since=since,
    )
    carer = client_for(world.carer)

    page = carer.get(f"/journal/shared/{share.pk}/?period=all")
    api = carer.get(f"/api/v1/journal/shared/{share.pk}?period=all").json()

    body = page.content.decode()
    assert page.status_code == 200
    assert "New ache" in body
    assert "Metformin" in body
    for hidden in ["Old ache", "Oldmed", *HIDDEN_UNLESS_SHARED.values()]:
        assert hidden not in body
    assert '<h2 id="diary-heading">' not in body
    assert [(e["kind"], e["data"]["name"]) for e in api["entries"]] == [("symptom", "New ache")]
    assert [m["name"] for m in api["medications"]] == ["Metformin"]
    assert api["goals"] is None
    assert api["starts_at"] == f"{since.isoformat()}T00:00:00Z"
    assert api["share"]["parts"] == ["symptoms", "medications"]


def test_diary_mood_measurements_and_goals_only_when_shared(world: World) -> None:
    _fill(world.owner)
    share = share_journal(
        actor=world.owner,
        audience="member",
        parts=["goals", "diary", "mood", "measurements"],
        member=world.intended,
    )

    page = client_for(world.intended).get(f"/journal/shared/{share.pk}/")
    api = client_for(world.intended).get(f"/api/v1/journal/shared/{share.pk}").json()

    body = page.content.decode()
    for shown in [*HIDDEN_UNLESS_SHARED.values(), "Weight", "72.5 kg", "Good", "20"]:
        assert shown in body
    for hidden in ["Old ache", "New ache", "Metformin", "Oldmed"]:
        assert hidden not in body
    assert sorted(e["kind"] for e in api["entries"]) == [
        "diary",
        "goal_check_in",
        "measurement",
        "mood",
    ]
    check_in = next(e for e in api["entries"] if e["kind"] == "goal_check_in")
    assert (check_in["goal"], check_in["data"]) == (
        "Walk daily",
        {"value": 20.0, "note": "Walked secret"},
    )
    assert api["medications"] is None
    assert [(g["status"], g["data"]["title"]) for g in api["goals"]] == [("active", "Walk daily")]


@pytest.mark.parametrize(
    ("period", "shows_spring"), [("week", False), ("month", False), ("year", True), ("all", True)]
)
def test_period_switcher(world: World, period: str, shows_spring: bool) -> None:
    _entry(world.owner, "symptom", timezone.now() - timedelta(days=60), {"name": "Spring ache"})
    _entry(world.owner, "symptom", timezone.now() - timedelta(hours=1), {"name": "Today ache"})
    share = share_journal(
        actor=world.owner, audience="member", parts=["symptoms"], member=world.intended
    )
    client = client_for(world.intended)

    body = client.get(f"/journal/shared/{share.pk}/?period={period}").content.decode()
    api = client.get(f"/api/v1/journal/shared/{share.pk}?period={period}").json()

    assert ("Spring ache" in body) is shows_spring
    assert "Today ache" in body
    assert f'<a href="?period={period}" aria-current="page">' in body
    assert [e["data"]["name"] for e in api["entries"]] == (
        ["Today ache", "Spring ache"] if shows_spring else ["Today ache"]
    )


def test_unknown_period(world: World) -> None:
    share = share_journal(
        actor=world.owner, audience="member", parts=["symptoms"], member=world.intended
    )
    client = client_for(world.intended)

    page = client.get(f"/journal/shared/{share.pk}/?period=decade")
    api = client.get(f"/api/v1/journal/shared/{share.pk}?period=decade")

    assert page.status_code == 200
    assert '<a href="?period=month" aria-current="page">' in page.content.decode()
    assert api.status_code == 400
    assert api.json() == {
        "code": "bad_period",
        "message": "Choose week, month, year or all.",
        "field": "period",
    }


def test_since_is_the_owners_day_in_their_own_time_zone(world: World) -> None:
    auckland = zoneinfo.ZoneInfo("Pacific/Auckland")
    User.objects.filter(pk=world.owner.pk).update(time_zone="Pacific/Auckland")
    world.owner.refresh_from_db()
    since = timezone.localdate(timezone=auckland) - timedelta(days=3)
    midnight = datetime.combine(since, time.min, tzinfo=auckland)
    _entry(world.owner, "symptom", midnight + timedelta(minutes=30), {"name": "Just after"})
    _entry(world.owner, "symptom", midnight - timedelta(minutes=30), {"name": "Just before"})
    share = share_journal(
        actor=world.owner,
        audience="caregiver",
        parts=["symptoms"],
        caregiver_link=world.link,
        since=since,
    )

    api = client_for(world.carer).get(f"/api/v1/journal/shared/{share.pk}?period=all").json()

    assert [e["data"]["name"] for e in api["entries"]] == ["Just after"]


def test_long_lists_are_cut_with_a_notice(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sharing, "MAX_ENTRIES", 2)
    for hours, name in [(3, "Ache one"), (2, "Ache two"), (1, "Ache three")]:
        _entry(world.owner, "symptom", timezone.now() - timedelta(hours=hours), {"name": name})
    share = share_journal(
        actor=world.owner, audience="member", parts=["symptoms"], member=world.intended
    )
    client = client_for(world.intended)

    body = client.get(f"/journal/shared/{share.pk}/").content.decode()
    api = client.get(f"/api/v1/journal/shared/{share.pk}").json()

    assert "Only the latest 2 entries are listed here." in body
    table = body.split('id="symptoms-heading"')[1]  # the charts above still draw every entry
    assert ("Ache three" in table, "Ache one" in table) == (True, False)
    assert ([e["data"]["name"] for e in api["entries"]], api["is_truncated"]) == (
        ["Ache three", "Ache two"],
        True,
    )


def test_owner_previews_a_community_share_with_its_link(world: World) -> None:
    share = share_journal(
        actor=world.owner,
        audience="community",
        parts=["mood"],
        community=world.community,
        title="How I feel",
    )

    owner_view = client_for(world.owner).get(f"/journal/shared/{share.pk}/").content.decode()
    member_view = (
        client_for(world.community_member).get(f"/journal/shared/{share.pk}/").content.decode()
    )

    assert "This is your own share: you see what its readers see." in owner_view
    assert f'value="http://testserver/journal/shared/{share.pk}/" readonly' in owner_view
    assert "<h1>Pat the patient’s journal, shared with you</h1>" in member_view
    assert '<p class="share-subtitle">How I feel</p>' in member_view
    assert "Shared by Pat the patient (@patient)." in member_view
    assert "This is your own share" not in member_view


def test_the_shared_page_lists_fifty_entries_at_a_time_newest_first(world: World) -> None:
    now = timezone.now()
    JournalEntry.objects.bulk_create(
        JournalEntry(
            owner=world.owner,
            kind="symptom",
            recorded_at=now - timedelta(hours=n),
            data=clean_entry("symptom", {"name": f"Ache {n}", "severity": 2}),
        )
        for n in range(60)
    )
    share = share_journal(
        actor=world.owner, audience="member", parts=["symptoms"], member=world.intended
    )
    client = client_for(world.intended)

    first = client.get(f"/journal/shared/{share.pk}/?period=month").content.decode()
    second = client.get(f"/journal/shared/{share.pk}/?period=month&page=2").content.decode()

    assert (
        first.count('<td data-label="Symptom">Ache ') == 50
        and '<td data-label="Symptom">Ache 0</td>' in first
    )
    assert '<td data-label="Symptom">Ache 50</td>' not in first
    assert "Entries 1 to 50 of 60, newest first." in first
    assert 'href="?period=month&amp;page=2">Show more: older entries</a>' in first
    assert (
        second.count('<td data-label="Symptom">Ache ') == 10
        and '<td data-label="Symptom">Ache 59</td>' in second
    )
    assert 'href="?period=month&amp;page=1">Newer entries</a>' in second
    assert "Show more" not in second
    assert 'href="/static/journal/charts.css"' in first
