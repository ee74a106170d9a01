"""Set-up helpers for the report, admin and privacy tests: rows inserted directly."""

from __future__ import annotations

from typing import Any

from carecircle.communities.models import Community
from carecircle.core.markdown import render_markdown
from carecircle.messaging.models import ChatRoom, Conversation, Message, Participant


def make_conversation(
    *members: Any, states: dict[Any, str] | None = None, **fields: Any
) -> Conversation:
    """A conversation whose first member created it; `states` overrides a member's state."""
    states = states or {}
    kind = Conversation.Kind.DIRECT if len(members) == 2 else Conversation.Kind.GROUP
    if kind == Conversation.Kind.DIRECT and "direct_key" not in fields:
        low, high = sorted(m.pk for m in members)
        fields["direct_key"] = f"{low}:{high}"
    conversation = Conversation.objects.create(kind=kind, created_by=members[0], **fields)
    for member in members:
        Participant.objects.create(
            conversation=conversation,
            user=member,
            state=states.get(member, Participant.State.ACTIVE),
            added_by=members[0],
        )
    return conversation


def make_room(community: Community, name: str = "Evening chat", **fields: Any) -> ChatRoom:
    slug = name.lower().replace(" ", "-")
    return ChatRoom.objects.create(community=community, name=name, slug=slug, **fields)


def make_message(
    where: Conversation | ChatRoom, author: Any, body: str = "Hello there", **fields: Any
) -> Message:
    place = {"conversation": where} if isinstance(where, Conversation) else {"room": where}
    return Message.objects.create(
        author=author, body=body, body_html=render_markdown(body), **place, **fields
    )
