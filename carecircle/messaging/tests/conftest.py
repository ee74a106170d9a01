"""Shared set-up for the messaging tests: conversations, strangers, snapshots and listeners."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Max

from carecircle.core.factories import UserFactory
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.models import (
    Conversation,
    MemberBlock,
    Message,
    MessagingSettings,
    Participant,
)
from carecircle.messaging.queries import conversations as queries
from tests.realtime_support import Listener


@pytest.fixture
def stranger(db: None) -> Any:
    """A member who shares no community with anyone."""
    return UserFactory(display_name="Sam Stranger", handle="stranger")


@pytest.fixture
def direct(community, patient, caregiver) -> Conversation:
    """A one-to-one conversation patient started with caregiver (they share `community`)."""
    return actions.start_conversation(actor=patient, recipients=[caregiver], body="Hello Cam")


def messaging_state() -> dict[str, list[dict]]:
    """Every messaging row, to assert that a refused action changed nothing."""
    return {
        "conversations": list(Conversation.objects.order_by("pk").values()),
        "participants": list(Participant.objects.order_by("pk").values()),
        "messages": list(Message.objects.order_by("pk").values()),
        "blocks": list(MemberBlock.objects.order_by("pk").values()),
        "settings": list(MessagingSettings.objects.order_by("pk").values()),
    }


def add_messages(conversation: Conversation, author: Any, count: int) -> list[Message]:
    """`count` messages inserted directly (test set-up, not the action under test)."""
    made = [
        Message.objects.create(
            conversation=conversation,
            author=author,
            body=f"Message {number}",
            body_html=f"<p>Message {number}</p>",
        )
        for number in range(1, count + 1)
    ]
    newest = Message.objects.filter(conversation=conversation).aggregate(top=Max("pk"))["top"]
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_id=newest, last_message_at=made[-1].created_at
    )
    conversation.refresh_from_db()
    # Inserted behind the actions' back: the cached badges no longer hold.
    queries.forget_unread(list(conversation.participants.values_list("user_id", flat=True)))
    return made


def place_of(conversation: Conversation, user: Any) -> Participant:
    return Participant.objects.get(conversation=conversation, user=user)


@pytest.fixture
def listen() -> Any:
    return Listener


@pytest.fixture(autouse=True)
def _established_members(request, settings):
    """Members here are established (trust level 2) unless a test says otherwise.

    New members (level 0) may not post links, post more than a few times a day or write to
    strangers; the tests of those rules set level 0 themselves (`make_new_member`). Visits
    are not counted on every fresh test session, so page query counts measure the page only.
    """
    from django.db.models.signals import post_save

    from carecircle.accounts.models import User
    from carecircle.moderation.models import MemberTrust, TrustLevel

    settings.CARECIRCLE_TRACK_VISITS = False

    def established(sender, instance, created, **kwargs):
        if created:
            MemberTrust.objects.get_or_create(
                user_id=instance.pk, defaults={"level": TrustLevel.MEMBER}
            )

    post_save.connect(established, sender=User, dispatch_uid="test-established-members")
    yield
    post_save.disconnect(sender=User, dispatch_uid="test-established-members")


def make_new_member(user):
    """Make `user` a new member (trust level 0) again, forgetting the cached level."""
    from carecircle.moderation.models import MemberTrust, TrustLevel
    from carecircle.moderation.queries import forget_trust_level

    MemberTrust.objects.update_or_create(user_id=user.pk, defaults={"level": TrustLevel.NEW})
    forget_trust_level(user)
    return user
