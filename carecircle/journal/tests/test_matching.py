""" "People like me": tokens without plain words, both-chosen fields, blocks, hidden profiles."""

from __future__ import annotations

import pytest

from carecircle.accounts.models import Profile
from carecircle.core.factories import UserFactory
from carecircle.journal import matching, payloads
from carecircle.journal.actions.preferences import refresh_match_tokens
from carecircle.journal.models import JournalPreferences, MatchToken, Medication
from carecircle.messaging.models import MemberBlock
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


def seen_by(viewer) -> dict[str, dict[str, list[str]]]:
    return {match.member.handle: match.shared for match in matching.people_like_me(viewer)}


def test_tokens_hold_no_plain_health_words():
    member = person(
        "ana",
        ["conditions", "treatments", "stage"],
        conditions=["Type 2 Diabetes"],
        treatments=["Insulin"],
        stage="in_treatment",
    )
    Medication.objects.create(owner=member, data=payloads.clean_medication({"name": "Metformin"}))
    Medication.objects.create(
        owner=member,
        data=payloads.clean_medication({"name": "Aspirin", "stopped_on": "2024-01-01"}),
    )
    assert refresh_match_tokens(member_id=member.pk) == 4
    rows = list(MatchToken.objects.filter(member=member).values_list("field", "token"))
    assert sorted(rows) == sorted(
        [
            ("conditions", matching.seal("conditions", "type 2 diabetes")),
            ("stage", matching.seal("stage", "in_treatment")),
            ("treatments", matching.seal("treatments", "insulin")),
            ("treatments", matching.seal("treatments", "METFORMIN ")),
        ]
    )
    stored = " ".join(token for _field, token in rows).lower()
    for word in ("diabetes", "insulin", "metformin", "aspirin", "treatment"):
        assert word not in stored
    assert all(len(token) == 64 and int(token, 16) >= 0 for _field, token in rows)


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


def test_blocked_muted_hidden_inactive_and_stale_values_are_left_out():
    viewer = person("viewer", ["conditions"], conditions=["Lupus"])
    names = ["blocked_by_me", "blocks_me", "muted_by_me", "hidden", "inactive", "changed", "ok"]
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
    # Removed lupus from the profile; the stored token is stale until refreshed.
    Profile.objects.filter(user=others["changed"]).update(conditions=["Asthma"])
    assert seen_by(viewer) == {"ok": {"conditions": ["Lupus"]}}
    lupus = {"conditions": ["Lupus"]}
    assert seen_by(others["blocks_me"]) == {
        "blocked_by_me": lupus,
        "muted_by_me": lupus,
        "ok": lupus,
    }


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
