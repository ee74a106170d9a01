"""Erasing a member: their messages go or stay by their choice; everything else of theirs goes."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from carecircle.core.factories import UserFactory
from carecircle.messaging.models import (
    Conversation,
    MemberBlock,
    Message,
    MessageReport,
    MessagingSettings,
    Participant,
    RoomPresence,
    RoomRestriction,
)
from carecircle.messaging.tests.reports_setup import make_conversation, make_message, make_room
from carecircle.privacy.actions import erase_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(community, patient, caregiver, professional, moderator) -> dict[str, Any]:
    """The patient talks privately and in a room, blocks, reports and is reported."""
    direct = make_conversation(patient, caregiver)
    group = make_conversation(patient, caregiver, professional, title="Patient's group")
    alone = make_conversation(patient, professional, states={professional: "declined"})
    room = make_room(community)
    mine = make_message(direct, patient, "My private words")
    theirs = make_message(direct, caregiver, "Their private words")
    in_group = make_message(group, patient, "My group words")
    in_room = make_message(room, patient, "My room words")
    make_message(alone, patient, "Unanswered")
    Participant.objects.filter(conversation=alone, user=professional).delete()
    MemberBlock.objects.create(blocker=patient, blocked=professional)
    MemberBlock.objects.create(blocker=caregiver, blocked=patient, level="mute")
    MessagingSettings.objects.create(user=patient, shares_read_receipts=False)
    RoomPresence.objects.create(
        room=room, user=patient, channel_name="chan-1", last_seen_at=timezone.now()
    )
    RoomRestriction.objects.create(
        room=room, user=patient, until=timezone.now(), restricted_by=moderator
    )
    made = MessageReport.objects.create(
        message=theirs, reporter=patient, reason="other", note="My note", body_snapshot=theirs.body
    )
    received = MessageReport.objects.create(
        message=mine, reporter=caregiver, reason="abusive", body_snapshot=mine.body
    )
    return {
        "member": patient,
        "direct": direct,
        "group": group,
        "alone": alone,
        "mine": mine,
        "theirs": theirs,
        "in_group": in_group,
        "in_room": in_room,
        "made": made,
        "received": received,
    }


def _erase(world: dict[str, Any], keep_posts: bool) -> None:
    member = world["member"]
    erase_member(actor=member, member=member, keep_posts=keep_posts)


def _common(world: dict[str, Any], member_id: int) -> None:
    assert not Participant.objects.filter(user_id=member_id).exists()
    assert MemberBlock.objects.count() == 0
    assert MessagingSettings.objects.count() == 0
    assert RoomPresence.objects.count() == 0 and RoomRestriction.objects.count() == 0
    # The conversations others are still in stay; the one nobody else was in is gone.
    assert Conversation.objects.filter(pk=world["direct"].pk).exists()
    assert Conversation.objects.get(pk=world["direct"].pk).direct_key is None
    assert not Conversation.objects.filter(pk=world["alone"].pk).exists()
    # Reports they made stay for the moderators, without them.
    made = MessageReport.objects.get(pk=world["made"].pk)
    assert (made.reporter_id, made.reason, made.body_snapshot, made.status) == (
        None,
        "other",
        "Their private words",
        "open",
    )
    theirs = Message.objects.get(pk=world["theirs"].pk)
    assert (theirs.body, theirs.deleted_at) == ("Their private words", None)


def test_removing_wipes_every_word_they_wrote(world):
    member_id = world["member"].pk

    _erase(world, keep_posts=False)

    _common(world, member_id)
    for key in ("mine", "in_group", "in_room"):
        message = Message.objects.get(pk=world[key].pk)
        assert (message.author_id, message.body, message.body_html) == (None, "", "")
        assert message.deleted_at is not None and message.deleted_by_id is None
    assert MessageReport.objects.get(pk=world["received"].pk).body_snapshot == ""
    assert MessageReport.objects.get(pk=world["made"].pk).note == ""
    assert Conversation.objects.get(pk=world["group"].pk).title == ""


def test_keeping_leaves_their_messages_from_a_former_member(world):
    member_id = world["member"].pk

    _erase(world, keep_posts=True)

    _common(world, member_id)
    kept = Message.objects.filter(pk__in=[world[k].pk for k in ("mine", "in_group", "in_room")])
    assert sorted(kept.values_list("body", "author_id", "deleted_at")) == [
        ("My group words", None, None),
        ("My private words", None, None),
        ("My room words", None, None),
    ]
    assert MessageReport.objects.get(pk=world["received"].pk).body_snapshot == "My private words"
    assert MessageReport.objects.get(pk=world["made"].pk).note == "My note"
    assert Conversation.objects.get(pk=world["group"].pk).title == "Patient's group"


def test_erasing_someone_else_leaves_the_members_messaging_alone(world, caregiver):
    stranger = UserFactory()
    erase_member(actor=stranger, member=stranger, keep_posts=False)

    assert Message.objects.get(pk=world["mine"].pk).body == "My private words"
    assert Participant.objects.filter(user=world["member"]).count() == 3
    assert MemberBlock.objects.count() == 2
    assert Conversation.objects.get(pk=world["direct"].pk).direct_key is not None
