""" "People like me": tokens without plain words, both-chosen fields, blocks, hidden profiles,
stored tokens only (no probing by cycling one's own values), five values a field, a rate limit
and a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carecircle.accounts.models import Profile
from carecircle.core.factories import CommunityFactory, UserFactory
from carecircle.journal import matching, payloads
from carecircle.journal.actions.preferences import (
    refresh_all_match_tokens,
    refresh_match_tokens,
    set_journal_preferences,
)
from carecircle.journal.models import JournalEntry, JournalPreferences, MatchToken, Medication
from carecircle.messaging.models import MemberBlock
from carecircle.moderation.models import Sanction
from conftest import client_for

pytestmark = pytest.mark.django_db


def person(
    handle: str,
    fields: list[str],
    *,
    conditions: list[str] = (),  # type: ignore[assignment]
    treatments: list[str] = (),  # type: ignore[assignment]
    stage: str = "",
    hidden: bool = False,
):
    member = UserFactory(handle=handle, display_name=handle.title())
    Profile.objects.create(
        user=member, conditions=list(conditions), treatments=list(treatments), is_hidden=hidden
    )
    JournalPreferences.objects.create(
        member=member, is_matchable=bool(fields), match_fields=fields, stage=stage
    )
    refresh_match_tokens(member_id=member.pk)
    return member


def a_day_later(*members) -> None:
    """As if the last refresh of these members' tokens was 25 hours ago."""
    JournalPreferences.objects.filter(member__in=members).update(
        tokens_refreshed_at=timezone.now() - timedelta(hours=25)
    )


def seen_by(viewer) -> dict[str, dict[str, list[str]]]:
    return {match.member.handle: match.shared for match in matching.people_like_me(viewer)}


def tokens_of(member) -> list[tuple[str, str]]:
    return sorted(MatchToken.objects.filter(member=member).values_list("field", "token"))


PLAIN_WORDS = ("lupus", "diabetes", "insulin", "metformin", "aspirin", "in_treatment", "tremor")


def test_no_journal_table_holds_a_plain_health_word():
    member = person(
        "ana",
        ["conditions", "treatments", "stage"],
        conditions=["Type 2 Diabetes", "Lupus"],
        treatments=["Insulin"],
        stage="in_treatment",
    )
    Medication.objects.create(owner=member, data=payloads.clean_medication({"name": "Metformin"}))
    Medication.objects.create(
        owner=member,
        data=payloads.clean_medication({"name": "Aspirin", "stopped_on": "2024-01-01"}),
    )
    JournalEntry.objects.create(
        owner=member,
        kind="symptom",
        recorded_at=timezone.now(),
        data=payloads.clean_entry("symptom", {"name": "Tremor", "severity": 3}),
    )
    a_day_later(member)
    assert refresh_match_tokens(member_id=member.pk) == 5
    assert tokens_of(member) == sorted(
        [
            ("conditions", matching.seal("conditions", "type 2 diabetes")),
            ("conditions", matching.seal("conditions", "LUPUS")),
            ("stage", matching.seal("stage", "in_treatment")),
            ("treatments", matching.seal("treatments", "insulin")),
            ("treatments", matching.seal("treatments", "METFORMIN ")),
        ]
    )
    # Every column of every journal table (tokens included), read back raw from the database.
    tables = [t for t in connection.introspection.table_names() if t.startswith("journal_")]
    assert "journal_matchtoken" in tables and "journal_journalpreferences" in tables
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from introspection
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    text = str(value).casefold()
                    found += [(table, column, word) for word in PLAIN_WORDS if word in text]
        cursor.execute('SELECT "stage" FROM "journal_journalpreferences"')
        (stored_stage,) = cursor.fetchone()
    assert found == []
    assert JournalEntry.objects.count() == 1  # the scan did read a symptom entry
    # The stage column in particular holds no plain value, only the encrypted one.
    assert stored_stage and "in_treatment" not in stored_stage
    assert JournalPreferences.objects.get(member=member).stage == "in_treatment"
    assert all(len(token) == 64 and int(token, 16) >= 0 for _field, token in tokens_of(member))


def test_matches_use_only_fields_both_chose_and_show_only_common_values():
    viewer = person(
        "viewer",
        ["conditions", "treatments"],
        conditions=["Lupus", "Asthma"],
        treatments=["Hydroxychloroquine"],
    )
    both = person(
        "both",
        ["conditions", "treatments"],
        conditions=["lupus", "Migraine"],
        treatments=["hydroxychloroquine"],
    )
    conditions_only = person(
        "conditions_only",
        ["conditions"],
        conditions=["Asthma"],
        treatments=["Hydroxychloroquine"],
    )
    # Shares a treatment, but chose only stage: not matched on the treatment.
    person("stage_only", ["stage"], treatments=["Hydroxychloroquine"], stage="living_with")
    # Has a match but did not opt in.
    person("not_opted", [], conditions=["Lupus"])
    assert seen_by(viewer) == {
        "both": {"conditions": ["lupus"], "treatments": ["hydroxychloroquine"]},
        "conditions_only": {"conditions": ["Asthma"]},
    }
    assert [m.member.handle for m in matching.people_like_me(viewer)] == [
        "both",
        "conditions_only",
    ]
    # The other way round: each sees the viewer with only what they chose too.
    assert seen_by(conditions_only) == {"viewer": {"conditions": ["Asthma"]}}
    assert seen_by(both)["viewer"] == {
        "conditions": ["Lupus"],
        "treatments": ["Hydroxychloroquine"],
    }


def test_blocked_muted_hidden_inactive_banned_and_stale_values_are_left_out():
    viewer = person("viewer", ["conditions"], conditions=["Lupus"])
    names = [
        "blocked_by_me",
        "blocks_me",
        "muted_by_me",
        "hidden",
        "inactive",
        "banned",
        "changed",
        "ok",
        "banned_in_a_community",
        "ban_lifted",
    ]
    others = {
        name: person(name, ["conditions"], conditions=["Lupus"], hidden=name == "hidden")
        for name in names
    }
    MemberBlock.objects.create(blocker=viewer, blocked=others["blocked_by_me"])
    MemberBlock.objects.create(blocker=others["blocks_me"], blocked=viewer)
    MemberBlock.objects.create(
        blocker=viewer, blocked=others["muted_by_me"], level=MemberBlock.Level.MUTE
    )
    others["inactive"].is_active = False
    others["inactive"].save()
    for name, community, lifted_at in (
        ("banned", None, None),
        ("banned_in_a_community", CommunityFactory(), None),
        ("ban_lifted", None, timezone.now()),
    ):
        Sanction.objects.create(
            member=others[name],
            community=community,
            kind=Sanction.Kind.BAN,
            reason="Spam",
            lifted_at=lifted_at,
        )
    # Removed lupus from the profile; the stored token is stale until refreshed.
    Profile.objects.filter(user=others["changed"]).update(conditions=["Asthma"])
    lupus = {"conditions": ["Lupus"]}
    shown = ["ok", "banned_in_a_community", "ban_lifted"]
    assert seen_by(viewer) == dict.fromkeys(shown, lupus)
    assert seen_by(others["blocks_me"]) == dict.fromkeys(
        ["blocked_by_me", "muted_by_me", *shown], lupus
    )


def _add_asthma_to(viewer, route: str) -> None:
    """The viewer starts sharing Asthma, one way or another, after tokens were made today."""
    if route == "profile":
        Profile.objects.filter(user=viewer).update(conditions=["Lupus", "Asthma"])
        refresh_match_tokens(member_id=viewer.pk)
    elif route == "matching_off_and_on":
        Profile.objects.filter(user=viewer).update(conditions=["Lupus", "Asthma"])
        off = {"contributes_to_insights": False, "match_fields": [], "stage": ""}
        set_journal_preferences(actor=viewer, is_matchable=False, **off)
        assert tokens_of(viewer) == []
        set_journal_preferences(
            actor=viewer, is_matchable=True, **{**off, "match_fields": ["conditions"]}
        )
        refresh_match_tokens(member_id=viewer.pk)
    elif route == "field_off_and_on":
        Profile.objects.filter(user=viewer).update(conditions=["Lupus", "Asthma"])
        common = {"contributes_to_insights": False, "is_matchable": True, "stage": ""}
        set_journal_preferences(actor=viewer, match_fields=["treatments"], **common)
        assert tokens_of(viewer) == []
        set_journal_preferences(actor=viewer, match_fields=["conditions"], **common)
        refresh_match_tokens(member_id=viewer.pk)


@pytest.mark.parametrize("route", ["profile", "matching_off_and_on", "field_off_and_on"])
def test_a_value_added_matches_only_a_day_after_the_last_refresh(route, settings):
    # Probing: a viewer who could match on whatever they type would learn, value by value,
    # who has what. New values wait for the daily refresh, by every route to adding them.
    settings.CARECIRCLE_JOURNAL_WRITE_RATE = "100/m"
    viewer = person("viewer", ["conditions"], conditions=["Lupus"])
    person("lupus", ["conditions"], conditions=["Lupus"])
    person("asthma", ["conditions"], conditions=["Asthma"])
    _add_asthma_to(viewer, route)
    assert seen_by(viewer) == ({"lupus": {"conditions": ["Lupus"]}} if route == "profile" else {})
    assert tokens_of(viewer) == (
        [("conditions", matching.seal("conditions", "Lupus"))] if route == "profile" else []
    )
    # The 6-hourly task makes the deferred refresh once the day has passed.
    refresh_all_match_tokens()
    assert len(tokens_of(viewer)) == (1 if route == "profile" else 0)
    a_day_later(viewer)
    refresh_all_match_tokens()
    assert seen_by(viewer) == {
        "lupus": {"conditions": ["Lupus"]},
        "asthma": {"conditions": ["Asthma"]},
    }


def test_a_new_stage_matches_only_a_day_later_and_a_removed_value_stops_at_once(settings):
    settings.CARECIRCLE_JOURNAL_WRITE_RATE = "100/m"
    viewer = person("viewer", ["conditions", "stage"], conditions=["Lupus"], stage="remission")
    person("lupus", ["conditions"], conditions=["Lupus"])
    person("treated", ["stage"], stage="in_treatment")
    person("remitted", ["stage"], stage="remission")
    assert set(seen_by(viewer)) == {"lupus", "remitted"}
    choices = {"contributes_to_insights": False, "is_matchable": True}
    fields = ["conditions", "stage"]
    set_journal_preferences(actor=viewer, match_fields=fields, stage="in_treatment", **choices)
    refresh_match_tokens(member_id=viewer.pk)
    assert set(seen_by(viewer)) == {"lupus"}  # the old stage went at once, the new one waits
    # A value taken off the profile stops matching before any refresh.
    Profile.objects.filter(user=viewer).update(conditions=[])
    assert seen_by(viewer) == {}
    a_day_later(viewer)
    refresh_all_match_tokens()
    assert seen_by(viewer) == {"treated": {"stage": ["In treatment"]}}
    assert [field for field, _token in tokens_of(viewer)] == ["stage"]


def test_only_the_first_five_values_of_a_field_are_used():
    conditions = ["Lupus", "Asthma", "Gout", "Migraine", "Eczema", "Psoriasis", "Anaemia"]
    member = person(
        "many",
        ["conditions", "treatments"],
        conditions=conditions,
        treatments=["Insulin", "Aspirin", "Zinc"],
    )
    for name in ("Metformin", "Ibuprofen", "Statin", "Iron"):
        Medication.objects.create(owner=member, data=payloads.clean_medication({"name": name}))
    a_day_later(member)
    refresh_match_tokens(member_id=member.pk)
    newest_two = ["Iron", "Statin"]  # medicines come after the profile's, newest first
    assert tokens_of(member) == sorted(
        [("conditions", matching.seal("conditions", value)) for value in conditions[:5]]
        + [
            ("treatments", matching.seal("treatments", value))
            for value in ["Insulin", "Aspirin", "Zinc", *newest_two]
        ]
    )
    viewer = person("viewer", ["conditions"], conditions=["Eczema", "Psoriasis"])
    assert seen_by(viewer) == {"many": {"conditions": ["Eczema"]}}


@pytest.mark.parametrize(
    ("started", "stopped", "is_current"),
    [
        (None, None, True),
        (-30, None, True),
        (0, None, True),
        (2, None, False),  # starts in two days: not taken yet
        (-30, 2, True),  # stops in two days: still taken
        (-30, 0, False),  # stopped today
        (-30, -1, False),
    ],
)
def test_a_medicine_is_current_from_its_start_until_its_stop(started, stopped, is_current):
    member = person("member", ["treatments"])
    today = timezone.localdate()

    def day(offset: int | None) -> str | None:
        return None if offset is None else (today + timedelta(days=offset)).isoformat()

    data = {"name": "Metformin", "started_on": day(started), "stopped_on": day(stopped)}
    Medication.objects.create(owner=member, data=payloads.clean_medication(data))
    a_day_later(member)
    refresh_match_tokens(member_id=member.pk)
    expected = [("treatments", matching.seal("treatments", "metformin"))] if is_current else []
    assert tokens_of(member) == expected


def test_the_viewer_must_opt_in_to_see_anyone(outsider):
    person("other", ["conditions"], conditions=["Lupus"])
    Profile.objects.create(user=outsider, conditions=["Lupus"])
    assert matching.people_like_me(outsider) == []
    client = client_for(outsider)
    page = client.get("/journal/people-like-me/")
    assert page.status_code == 200
    assert "Other" not in page.content.decode()
    response = client.get("/api/v1/journal/people-like-me")
    assert (response.status_code, response.json()["code"]) == (403, "not_matchable")


def test_page_and_api_show_matches_with_profile_and_message_links():
    viewer = person("viewer", ["stage"], stage="remission")
    person("other", ["stage", "conditions"], stage="remission", conditions=["Lupus"])
    client = client_for(viewer)
    other = UserFactory._meta.model.objects.get(handle="other")
    html = client.get("/journal/people-like-me/").content.decode()
    assert f'href="{other.get_absolute_url()}"' in html
    assert "/messages/new/?to=other" in html
    assert "In remission or recovered" in html
    assert "Lupus" not in html
    assert client.get("/api/v1/journal/people-like-me").json() == [
        {
            "handle": "other",
            "display_name": "Other",
            "profile_url": other.get_absolute_url(),
            "message_url": "/messages/new/?to=other",
            "shared_count": 1,
            "shared": {"stage": ["In remission or recovered"]},
        }
    ]


def test_looking_is_rate_limited_on_the_page_and_the_api_together(settings):
    assert matching.PEOPLE_LIKE_ME_RATE == "30/h"
    settings.CARECIRCLE_JOURNAL_PEOPLE_LIKE_ME_RATE = "2/h"
    viewer = person("viewer", ["conditions"], conditions=["Lupus"])
    person("other", ["conditions"], conditions=["Lupus"])
    before = (tokens_of(viewer), list(JournalPreferences.objects.order_by("pk").values()))
    client = client_for(viewer)
    assert client.get("/journal/people-like-me/").status_code == 200
    assert client.get("/api/v1/journal/people-like-me").status_code == 200
    page = client.get("/journal/people-like-me/")
    html = page.content.decode()
    assert page.status_code == 429
    assert "You have looked for people like you many times this hour." in html
    assert "Other" not in html
    api = client.get("/api/v1/journal/people-like-me")
    assert (api.status_code, api.json()["code"]) == (429, "rate_limited")
    assert (tokens_of(viewer), list(JournalPreferences.objects.order_by("pk").values())) == before


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def test_people_like_me_takes_the_same_queries_for_two_or_six_matches(django_assert_num_queries):
    viewer = person("viewer", ["conditions", "treatments"], conditions=["Lupus"])
    Medication.objects.create(owner=viewer, data=payloads.clean_medication({"name": "Iron"}))
    a_day_later(viewer)
    refresh_match_tokens(member_id=viewer.pk)

    def others(start: int, count: int) -> None:
        for i in range(start, start + count):
            other = person(f"other{i}", ["conditions", "treatments"], conditions=["Lupus"])
            Medication.objects.create(owner=other, data=payloads.clean_medication({"name": "Iron"}))
            a_day_later(other)
            refresh_match_tokens(member_id=other.pk)

    others(0, 2)
    with django_assert_num_queries(QUERIES_PEOPLE_LIKE_ME):
        assert len(matching.people_like_me(viewer)) == 2
    others(2, 4)
    with django_assert_num_queries(QUERIES_PEOPLE_LIKE_ME):
        matches = matching.people_like_me(viewer)
    assert [match.shared for match in matches] == [
        {"conditions": ["Lupus"], "treatments": ["Iron"]}
    ] * 6
    client = client_for(viewer)
    client.get("/journal/people-like-me/")
    with django_assert_num_queries(QUERIES_PEOPLE_LIKE_ME_PAGE):
        assert client.get("/journal/people-like-me/").status_code == 200


# Own preferences, profile, medicines and stored tokens; blocks made and received; ranked
# candidates; their users with preferences; their tokens; their profiles; their medicines.
QUERIES_PEOPLE_LIKE_ME = 11
# The same, plus session, member, consents and the page's own preferences check.
QUERIES_PEOPLE_LIKE_ME_PAGE = 15


def test_refreshing_everyone_takes_the_same_queries_for_two_or_six_members():
    def members(start: int, count: int) -> list:
        made = []
        for i in range(start, start + count):
            member = person(f"m{i}", ["conditions", "treatments"])
            Profile.objects.filter(user=member).update(conditions=[f"Condition {i}"])
            Medication.objects.create(
                owner=member, data=payloads.clean_medication({"name": f"Medicine {i}"})
            )
            made.append(member)
        return made

    first = members(0, 2)
    stale = MatchToken.objects.create(member=first[1], field="conditions", token="0" * 64)
    a_day_later(*first)
    two = _queries(refresh_all_match_tokens)
    more = members(2, 4)
    a_day_later(*first, *more)
    JournalPreferences.objects.filter(member=first[0]).update(match_fields=["treatments"])
    six = _queries(refresh_all_match_tokens)
    assert (two, six) == (QUERIES_REFRESH_ALL, QUERIES_REFRESH_ALL)
    assert not MatchToken.objects.filter(pk=stale.pk).exists()
    assert [field for field, _token in tokens_of(first[0])] == ["treatments"]
    assert [field for field, _token in tokens_of(more[-1])] == ["conditions", "treatments"]


QUERIES_REFRESH_ALL = 11
