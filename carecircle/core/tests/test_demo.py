"""The demo a new install shows: communities, topics, chat rooms and a private conversation."""

from __future__ import annotations

import pytest

from carecircle.core.demo import load_demo
from carecircle.messaging.models import ChatRoom, ChatSession, Conversation, Message, Participant

pytestmark = pytest.mark.django_db


def test_the_demo_has_chat_rooms_a_session_and_a_read_conversation():
    load_demo()

    rooms = dict(ChatRoom.objects.values_list("name", "community__name"))
    assert rooms == {
        "Coffee corner": "Type 2 Diabetes",
        "Tuesday evening support group": "Type 2 Diabetes",
    }
    assert Message.objects.filter(room__name="Coffee corner").count() == 2
    session = ChatSession.objects.get()
    assert (session.room.name, session.publishes_transcript) == (
        "Tuesday evening support group",
        True,
    )
    assert (session.ends_at - session.starts_at).total_seconds() == 90 * 60
    conversation = Conversation.objects.get()
    assert conversation.kind == Conversation.Kind.DIRECT
    assert conversation.messages.count() == 2
    # Nobody starts the demo with an unread badge.
    last = conversation.messages.order_by("-id").first()
    assert set(
        Participant.objects.filter(conversation=conversation).values_list(
            "user__handle", "last_read_message_id"
        )
    ) == {("sunnydays", last.pk), ("slowwalker", last.pk)}
