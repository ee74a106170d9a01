"""Messaging in a member's data export, and what erasing a member does to their messages.

Export (docs/privacy.md, "Messaging"):

- conversations.json: every conversation the member has a place in. For those they can read
  (in it, or a request waiting for them) the messages they can read there, with their words
  (everything for the people who started it; for someone added later, what was said from
  then on) and their own; for those they left or declined, only their own messages. Other
  people appear by display name, without their state: who declined or left is not shown.
- room_messages.json: their own chat room messages (other people's room messages are theirs).
- message_blocks.json: the members they muted or blocked. Not who blocked them: that would
  tell them something the other member chose to keep to themself.
- messaging_settings.json, message_reports.json (their reports, with the words they reported,
  which they could read), chat_rooms_created.json, chat_sessions_created.json,
  room_restrictions.json (times they were stopped from writing in a room, and ones they set).

Erasure (`erase_messaging`, run inside `privacy.actions.erase_member`):

- both modes: their places in conversations, blocks both ways, settings, presence and room
  restrictions go; one-to-one conversations lose the key holding their id; conversations
  nobody is left in are deleted with their messages;
- remove: the words of every message they wrote are wiped (the rows stay, deleted, so a
  conversation still reads in order), as are the reported words kept by reports of their
  messages, the notes of reports they made and the names of groups they created;
- keep: their messages stay, shown as from a former member (the author becomes empty);
- reports they made stay for the moderators, without the reporter.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q
from django.utils import timezone

from carecircle.core.models import ModerationState
from carecircle.messaging.models import (
    ChatRoom,
    ChatSession,
    Conversation,
    MemberBlock,
    Message,
    MessageReport,
    Participant,
    RoomRestriction,
)
from carecircle.privacy.registry import Row, display_name, exclude, register

READABLE = (Participant.State.ACTIVE, Participant.State.REQUESTED)


def _by(author_id: int | None, author: Any, member: Any) -> str | None:
    return "you" if author_id == member.pk else display_name(author)


def _message_row(message: Message, member: Any) -> Row:
    return {
        "id": message.pk,
        "by": _by(message.author_id, message.author, member),
        "body": message.body,
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "is_deleted": message.deleted_at is not None,
    }


def conversations(member: Any) -> Iterator[Row]:
    places = (
        Participant.objects.filter(user=member)
        .select_related("conversation")
        .order_by("conversation_id")
    )
    for place in places:
        conversation = place.conversation
        # Names only, never their state: a declined request must read like one still waiting.
        others = (
            Participant.objects.filter(conversation=conversation)
            .exclude(user=member)
            .select_related("user")
            .order_by("pk")
        )
        messages = Message.objects.filter(conversation=conversation).select_related("author")
        if place.state not in READABLE:
            messages = messages.filter(author=member)
        else:
            messages = messages.filter(Q(pk__gt=place.history_from_message_id) | Q(author=member))
        # Others' messages held or hidden by moderators never reached the member: not theirs.
        messages = messages.filter(Q(moderation_state=ModerationState.VISIBLE) | Q(author=member))
        yield {
            "id": conversation.pk,
            "kind": conversation.kind,
            "title": conversation.title,
            "your_state": place.state,
            "joined_at": place.joined_at,
            "left_at": place.left_at,
            "is_muted": place.is_muted,
            "started_by_you": conversation.created_by_id == member.pk,
            "others": [display_name(other.user) for other in others],
            "messages": [
                _message_row(message, member)
                for message in messages.order_by("pk").iterator(chunk_size=2000)
            ],
        }


def room_messages(member: Any) -> Iterator[Row]:
    query = (
        Message.objects.filter(author=member, room__isnull=False)
        .select_related("room__community")
        .order_by("pk")
    )
    for message in query.iterator(chunk_size=2000):
        room = message.room
        assert room is not None
        yield {
            "id": message.pk,
            "community": room.community.name,
            "room": room.name,
            "body": message.body,
            "created_at": message.created_at,
            "edited_at": message.edited_at,
            "is_deleted": message.deleted_at is not None,
        }


def blocks(member: Any) -> Iterator[Row]:
    query = MemberBlock.objects.filter(blocker=member).select_related("blocked").order_by("pk")
    for block in query:
        yield {
            "member": display_name(block.blocked),
            "level": block.level,
            "created_at": block.created_at,
        }


def reports(member: Any) -> Iterator[Row]:
    for report in MessageReport.objects.filter(reporter=member).order_by("pk"):
        yield {
            "id": report.pk,
            "message_id": report.message_id,
            "reason": report.reason,
            "note": report.note,
            "reported_words": report.body_snapshot,
            "status": report.status,
            "created_at": report.created_at,
            "closed_at": report.closed_at,
        }


def rooms_created(member: Any) -> Iterator[Row]:
    query = ChatRoom.objects.filter(created_by=member).select_related("community").order_by("pk")
    for room in query:
        yield {"community": room.community.name, "name": room.name, "created_at": room.created_at}


def sessions_created(member: Any) -> Iterator[Row]:
    query = ChatSession.objects.filter(created_by=member).select_related("room").order_by("pk")
    for session in query:
        yield {
            "room": session.room.name,
            "title": session.title,
            "starts_at": session.starts_at,
            "ends_at": session.ends_at,
        }


def restrictions(member: Any) -> Iterator[Row]:
    query = (
        RoomRestriction.objects.filter(Q(user=member) | Q(restricted_by=member))
        .select_related("room__community", "user")
        .order_by("pk")
    )
    for restriction in query:
        received = restriction.user_id == member.pk
        yield {
            "direction": "received" if received else "set by you",
            "member": "you" if received else display_name(restriction.user),
            "community": restriction.room.community.name,
            "room": restriction.room.name,
            "until": restriction.until,
            "reason": restriction.reason,
            "created_at": restriction.created_at,
        }


def erase_messaging(member: Any, keep_posts: bool) -> None:
    """Erase the member's messaging data (see the module docstring); inside erase_member."""
    conversation_ids = list(
        Participant.objects.filter(user=member).values_list("conversation_id", flat=True)
    )
    if not keep_posts:
        own = Message.objects.filter(author=member)
        MessageReport.objects.filter(message__in=own.values("pk")).update(body_snapshot="")
        own.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
        own.update(body="", body_html="", client_id=None)
        MessageReport.objects.filter(reporter=member).update(note="")
        Conversation.objects.filter(created_by=member).update(title="")
    Participant.objects.filter(user=member).delete()
    MemberBlock.objects.filter(Q(blocker=member) | Q(blocked=member)).delete()
    # "<id>:<id>" names the member; nobody can start a conversation with an erased account.
    Conversation.objects.filter(pk__in=conversation_ids, direct_key__isnull=False).update(
        direct_key=None
    )
    Conversation.objects.filter(pk__in=conversation_ids, participants__isnull=True).delete()
    # Settings, presence and restrictions on them go with the user row (CASCADE); reports
    # they made and messages they kept lose their author or reporter (SET_NULL).


def _register_all() -> None:
    register(
        "messaging.Conversation",
        name="conversations",
        export=conversations,
    )
    exclude(
        "messaging.Participant",
        reason="Each place in a conversation is written into conversations.json with it.",
    )
    register("messaging.Message", name="room_messages", export=room_messages, erase=erase_messaging)
    register("messaging.MemberBlock", name="message_blocks", export=blocks)
    register(
        "messaging.MessagingSettings",
        name="messaging_settings",
        fields=["requests_from", "shares_read_receipts"],
    )
    register("messaging.MessageReport", name="message_reports", export=reports)
    register("messaging.ChatRoom", name="chat_rooms_created", export=rooms_created)
    register("messaging.ChatSession", name="chat_sessions_created", export=sessions_created)
    register("messaging.RoomRestriction", name="room_restrictions", export=restrictions)
    exclude(
        "messaging.RoomPresence",
        reason="Open chat sockets only, stale after a minute and a half; erasure deletes them.",
    )


_register_all()
