"""What a member's data export holds about their messaging, exactly."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from carecircle.core.factories import UserFactory
from carecircle.messaging.models import (
    ChatSession,
    MemberBlock,
    Message,
    MessageReport,
    MessagingSettings,
    Participant,
    RoomRestriction,
)
from carecircle.messaging.tests.reports_setup import make_conversation, make_message, make_room
from carecircle.privacy.registry import REGISTRY

pytestmark = pytest.mark.django_db

State = Participant.State


def rows(label: str, member: Any) -> list[dict[str, Any]]:
    return REGISTRY[label].rows(member)


def _messages(row: dict[str, Any]) -> list[tuple[str | None, str, bool]]:
    return [(m["by"], m["body"], m["is_deleted"]) for m in row["messages"]]


def test_conversations_the_member_can_read_are_exported_whole(patient, caregiver, professional):
    group = make_conversation(patient, caregiver, professional, title="Night owls")
    make_message(group, caregiver, "Anyone awake?")
    make_message(group, patient, "Me")
    gone = make_message(group, professional, "Gone", deleted_at=timezone.now())
    Message.objects.filter(pk=gone.pk).update(body="", body_html="")
    request = make_conversation(caregiver, patient, states={patient: State.REQUESTED})
    make_message(request, caregiver, "Can we talk?")

    exported = rows("messaging.conversation", patient)

    assert [(r["id"], r["kind"], r["title"], r["your_state"]) for r in exported] == [
        (group.pk, "group", "Night owls", "active"),
        (request.pk, "direct", "", "requested"),
    ]
    assert exported[0]["others"] == ["Cam the caregiver", "Nurse Pro"]
    assert exported[0]["started_by_you"] is True
    assert _messages(exported[0]) == [
        ("Cam the caregiver", "Anyone awake?", False),
        ("you", "Me", False),
        ("Nurse Pro", "", True),
    ]
    assert exported[1]["others"] == ["Cam the caregiver"]
    assert _messages(exported[1]) == [("Cam the caregiver", "Can we talk?", False)]
    assert set(exported[0]) == {
        "id",
        "kind",
        "title",
        "your_state",
        "joined_at",
        "left_at",
        "is_muted",
        "started_by_you",
        "others",
        "messages",
    }
    assert set(exported[0]["messages"][0]) == {
        "id",
        "by",
        "body",
        "created_at",
        "edited_at",
        "is_deleted",
    }


@pytest.mark.parametrize("state", [State.DECLINED, State.LEFT])
def test_conversations_declined_or_left_keep_only_the_members_own_words(patient, caregiver, state):
    conversation = make_conversation(caregiver, patient, states={patient: state})
    make_message(conversation, caregiver, "Their words")
    make_message(conversation, patient, "My words")

    [row] = rows("messaging.conversation", patient)

    assert row["your_state"] == state
    assert _messages(row) == [("you", "My words", False)]


def test_the_sender_of_a_declined_request_cannot_tell_it_was_declined(patient, caregiver):
    conversation = make_conversation(caregiver, patient, states={patient: State.DECLINED})
    make_message(conversation, caregiver, "Hello?")

    [row] = rows("messaging.conversation", caregiver)

    assert row["others"] == ["Pat the patient"]
    assert "declined" not in str(row)
    assert _messages(row) == [("you", "Hello?", False)]


def test_only_the_members_own_room_messages(community, patient, caregiver):
    room = make_room(community, "Evening chat")
    mine = make_message(room, patient, "Good evening")
    make_message(room, caregiver, "Hi Pat")

    assert rows("messaging.message", patient) == [
        {
            "id": mine.pk,
            "community": "Type 2 Diabetes",
            "room": "Evening chat",
            "body": "Good evening",
            "created_at": mine.created_at,
            "edited_at": None,
            "is_deleted": False,
        }
    ]


def test_blocks_made_are_exported_and_blocks_received_are_not(patient, caregiver, professional):
    made = MemberBlock.objects.create(blocker=patient, blocked=caregiver, level="mute")
    MemberBlock.objects.create(blocker=professional, blocked=patient, level="block")

    assert rows("messaging.memberblock", patient) == [
        {"member": "Cam the caregiver", "level": "mute", "created_at": made.created_at}
    ]


def test_settings_are_exported(patient):
    assert rows("messaging.messagingsettings", patient) == []
    MessagingSettings.objects.create(
        user=patient, requests_from="new_people", shares_read_receipts=False
    )
    assert rows("messaging.messagingsettings", patient) == [
        {"requests_from": "new_people", "shares_read_receipts": False}
    ]


def test_reports_made_are_exported_with_the_reported_words(patient, caregiver):
    message = make_message(make_conversation(caregiver, patient), caregiver, "Nasty")
    report = MessageReport.objects.create(
        message=message, reporter=patient, reason="abusive", note="Hurt me", body_snapshot="Nasty"
    )
    MessageReport.objects.create(
        message=make_message(make_conversation(patient, UserFactory()), patient, "Mine"),
        reporter=None,
        reason="spam",
        body_snapshot="Mine",
    )

    assert rows("messaging.messagereport", patient) == [
        {
            "id": report.pk,
            "message_id": message.pk,
            "reason": "abusive",
            "note": "Hurt me",
            "reported_words": "Nasty",
            "status": "open",
            "created_at": report.created_at,
            "closed_at": None,
        }
    ]
    # Reports of the member's own messages say who reported them: not exported.
    assert rows("messaging.messagereport", caregiver) == []


def test_rooms_sessions_and_restrictions(community, patient, moderator):
    room = make_room(community, "Evening chat", created_by=moderator)
    starts = timezone.now()
    ChatSession.objects.create(
        room=room,
        title="Tuesday group",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        created_by=moderator,
    )
    until = starts + timedelta(days=1)
    restriction = RoomRestriction.objects.create(
        room=room, user=patient, until=until, reason="Flooding", restricted_by=moderator
    )

    assert rows("messaging.chatroom", moderator) == [
        {"community": "Type 2 Diabetes", "name": "Evening chat", "created_at": room.created_at}
    ]
    assert rows("messaging.chatsession", moderator) == [
        {
            "room": "Evening chat",
            "title": "Tuesday group",
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=1),
        }
    ]
    received = {
        "direction": "received",
        "member": "you",
        "community": "Type 2 Diabetes",
        "room": "Evening chat",
        "until": until,
        "reason": "Flooding",
        "created_at": restriction.created_at,
    }
    assert rows("messaging.roomrestriction", patient) == [received]
    assert rows("messaging.roomrestriction", moderator) == [
        {**received, "direction": "set by you", "member": "Pat the patient"}
    ]
