"""JSON API for private conversations: the same actions and checks as the pages and the socket.

A conversation the caller is not in answers 404, exactly like one that does not exist.
Messages come in id order with a cursor (`before` / `after` a message id), the same ids the
socket's catch-up uses; sends carry a client-chosen `client_id` and are stored once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from carecircle.accounts.queries import get_member
from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut, PageMeta
from carecircle.core.pagination import PageRequest
from carecircle.messaging import forms
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions.common import (
    clean_client_id,
    existing_send,
    load_attachments,
    message_payload,
    with_support,
)
from carecircle.messaging.api.attachments import (
    MessageAttachmentIn,
    MessageAttachmentOut,
    choices_of,
)
from carecircle.messaging.models import MemberBlock
from carecircle.messaging.queries import conversations as queries
from carecircle.messaging.queries.blocks import blocks_made_by

router = Router(tags=["messages"])


class PersonOut(Schema):
    handle: str
    display_name: str


class MessageOut(Schema):
    id: int
    stream: str
    client_id: str | None
    author: PersonOut | None
    html: str
    # As on the socket (ISO 8601, microseconds): one renderer serves both.
    created_at: str
    edited_at: str | None
    is_deleted: bool
    deleted_by_moderator: bool
    # visible; pending or hidden messages are shown only to their author.
    moderation_state: str = "visible"
    # In order; none once the message is deleted.
    attachments: list[MessageAttachmentOut] = []


class SentMessageOut(MessageOut):
    # Crisis helplines for the author, when their words suggest crisis; else null.
    support: dict[str, Any] | None = None


class ConversationOut(Schema):
    id: int
    kind: str
    title: str
    name: str
    state: str  # your place: "active", or "requested" while you have not answered
    people: list[PersonOut]  # everyone else in it
    last_message: MessageOut | None
    last_message_id: int
    last_read_message_id: int
    has_unread: bool
    is_muted: bool
    created_at: datetime


class ConversationPage(PageMeta):
    items: list[ConversationOut]


class ConversationIn(Schema):
    to: list[str]  # handles; one for a one-to-one conversation, several for a group
    title: str = ""
    body: str = ""
    client_id: str | None = None
    confirmed: bool = False  # true after a 422 "confirmation_needed", to send as written


class MessagesOut(Schema):
    items: list[MessageOut]
    has_older: bool
    has_newer: bool


class MessageIn(Schema):
    # May be empty when the message carries attachments.
    body: str = ""
    client_id: str | None = None
    attachments: list[MessageAttachmentIn] = Field(default_factory=list, max_length=50)
    confirmed: bool = False  # true after a 422 "confirmation_needed", to send as written


class MessagePatch(Schema):
    # May be empty when the message keeps at least one file.
    body: str
    confirmed: bool = False
    # Ids of this message's files to take away (the others stay, in order).
    remove_attachments: list[int] = Field(default_factory=list, max_length=50)


class ReadIn(Schema):
    message_id: int


class ReadOut(Schema):
    last_read_message_id: int
    unread_conversations: int


class PeopleIn(Schema):
    to: list[str]


class MuteIn(Schema):
    is_muted: bool


class UnreadOut(Schema):
    conversations: int
    requests: int


class BlockIn(Schema):
    level: str = MemberBlock.Level.BLOCK  # "block" or "mute"


class BlockOut(Schema):
    member: PersonOut
    level: str
    created_at: datetime


class MessagingSettingsIn(Schema):
    requests_from: str  # "strangers" or "new_people"
    shares_read_receipts: bool


class MessagingSettingsOut(Schema):
    requests_from: str
    shares_read_receipts: bool


def message_out(message: Any) -> MessageOut:
    return MessageOut(**message_payload(message))


def _entry_out(entry: queries.ConversationEntry) -> ConversationOut:
    conversation = entry.conversation
    return ConversationOut(
        id=conversation.pk,
        kind=conversation.kind,
        title=conversation.title,
        name=entry.name,
        state=entry.place.state,
        people=[PersonOut(handle=u.handle, display_name=u.display_name) for u in entry.others],
        last_message=message_out(entry.last_message) if entry.last_message else None,
        last_message_id=conversation.last_message_id,
        last_read_message_id=entry.place.last_read_message_id,
        has_unread=entry.has_unread,
        is_muted=entry.place.is_muted,
        created_at=conversation.created_at,
    )


def _conversation_out(actor: Any, conversation_id: int) -> ConversationOut:
    return _entry_out(queries.conversation_entry(actor, conversation_id))


def _page_meta(page: Any) -> dict[str, int]:
    return {"page": page.number, "page_size": page.size, "total": page.total,
            "pages": page.page_count}  # fmt: skip


# --- conversations -------------------------------------------------------------------------


@router.get("/conversations", response={200: ConversationPage, 401: ErrorOut}, auth=member_auth)
def list_conversations(
    request: HttpRequest, page: int = 1, page_size: int = 20
) -> ConversationPage:
    """Your conversations, most recent first (message requests are listed apart)."""
    result = queries.inbox(request.user, PageRequest.from_params(page, page_size))
    load_attachments(entry.last_message for entry in result.items)
    return ConversationPage(items=[_entry_out(e) for e in result.items], **_page_meta(result))


@router.get("/message-requests", response={200: ConversationPage, 401: ErrorOut}, auth=member_auth)
def list_requests(request: HttpRequest, page: int = 1, page_size: int = 20) -> ConversationPage:
    """Message requests waiting for your answer, newest first."""
    result = queries.message_requests(request.user, PageRequest.from_params(page, page_size))
    load_attachments(entry.last_message for entry in result.items)
    return ConversationPage(items=[_entry_out(e) for e in result.items], **_page_meta(result))


@router.post(
    "/conversations",
    response={201: ConversationOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 409: ErrorOut,
              429: ErrorOut},
    auth=member_auth,
)  # fmt: skip
def start_conversation(request: HttpRequest, payload: ConversationIn) -> Status[ConversationOut]:
    """Write to one member (their existing conversation with you is reused) or start a group.

    A member you share no community with receives it as a message request. With `body`, the
    first message is sent too; `client_id` makes a retried request start nothing twice.
    """
    members = forms.members_from(forms.handles_from(" ".join(payload.to)))
    conversation = actions.start_conversation(
        actor=request.user,
        recipients=members,
        title=payload.title,
        body=payload.body,
        client_id=payload.client_id,
        confirmed=payload.confirmed,
    )
    return Status(201, _conversation_out(request.user, conversation.pk))


@router.get(
    "/conversations/{conversation_id}",
    response={200: ConversationOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def get_conversation(request: HttpRequest, conversation_id: int) -> ConversationOut:
    return _conversation_out(request.user, conversation_id)


@router.post(
    "/conversations/{conversation_id}/accept",
    response={200: ConversationOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=member_auth,
)
def accept_request(request: HttpRequest, conversation_id: int) -> ConversationOut:
    """Accept a message request."""
    conversation = queries.get_conversation(request.user, conversation_id)
    actions.accept_request(actor=request.user, conversation=conversation)
    return _conversation_out(request.user, conversation_id)


@router.post(
    "/conversations/{conversation_id}/decline",
    response={204: None, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=member_auth,
)
def decline_request(request: HttpRequest, conversation_id: int) -> Status[None]:
    """Decline a message request; the sender is not told, and it is gone for you."""
    conversation = queries.get_conversation(request.user, conversation_id)
    actions.decline_request(actor=request.user, conversation=conversation)
    return Status(204, None)


@router.post(
    "/conversations/{conversation_id}/leave",
    response={204: None, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def leave_conversation(request: HttpRequest, conversation_id: int) -> Status[None]:
    """Leave a group conversation."""
    conversation = queries.get_conversation(request.user, conversation_id)
    actions.leave_conversation(actor=request.user, conversation=conversation)
    return Status(204, None)


@router.post(
    "/conversations/{conversation_id}/people",
    response={200: ConversationOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              409: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)  # fmt: skip
def add_people(request: HttpRequest, conversation_id: int, payload: PeopleIn) -> ConversationOut:
    """Add people to a group conversation (up to its size limit)."""
    conversation = queries.get_conversation(request.user, conversation_id)
    members = forms.members_from(forms.handles_from(" ".join(payload.to)))
    actions.add_people(actor=request.user, conversation=conversation, members=members)
    return _conversation_out(request.user, conversation_id)


@router.put(
    "/conversations/{conversation_id}/mute",
    response={200: ConversationOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def mute_conversation(
    request: HttpRequest, conversation_id: int, payload: MuteIn
) -> ConversationOut:
    """Mute a conversation (it no longer counts as unread) or unmute it."""
    conversation = queries.get_conversation(request.user, conversation_id)
    actions.set_conversation_muted(
        actor=request.user, conversation=conversation, is_muted=payload.is_muted
    )
    return _conversation_out(request.user, conversation_id)


@router.post(
    "/conversations/{conversation_id}/read",
    response={200: ReadOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def mark_read(request: HttpRequest, conversation_id: int, payload: ReadIn) -> ReadOut:
    """Mark the conversation read up to a message id (read markers only move forward)."""
    conversation = queries.get_conversation(request.user, conversation_id)
    marker = actions.mark_read(
        actor=request.user, conversation=conversation, message_id=payload.message_id
    )
    return ReadOut(
        last_read_message_id=marker, unread_conversations=queries.count_unread(request.user.pk or 0)
    )


# --- messages ------------------------------------------------------------------------------


@router.get(
    "/conversations/{conversation_id}/messages",
    response={200: MessagesOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def list_messages(
    request: HttpRequest,
    conversation_id: int,
    before: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> MessagesOut:
    """Messages in id order. Without a cursor, the newest `limit`; with `before`, the `limit`
    just older than that id; with `after`, the `limit` just newer (to catch up)."""
    conversation = queries.get_conversation(request.user, conversation_id)
    window = queries.conversation_messages(
        request.user, conversation, before=before, after=after, limit=limit
    )
    return MessagesOut(
        items=[message_out(m) for m in window.items],
        has_older=window.has_older,
        has_newer=window.has_newer,
    )


@router.post(
    "/conversations/{conversation_id}/messages",
    response={200: SentMessageOut, 201: SentMessageOut, 400: ErrorOut, 401: ErrorOut,
              403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)  # fmt: skip
def send_message(
    request: HttpRequest, conversation_id: int, payload: MessageIn
) -> Status[SentMessageOut]:
    """Send a message. Sent again with the same `client_id`, the stored message comes back
    (200 instead of 201) and nothing is stored twice. 422 "confirmation_needed" (with
    `details`) for personal details or risky medical claims: send again with `confirmed`."""
    conversation = queries.get_conversation(request.user, conversation_id)
    client_id = clean_client_id(payload.client_id)
    stored = existing_send(request.user, client_id)
    message = actions.send_message(
        actor=request.user,
        conversation=conversation,
        body=payload.body,
        client_id=client_id,
        confirmed=payload.confirmed,
        attachments=choices_of(payload.attachments),
    )
    return Status(200 if stored is not None else 201, SentMessageOut(**with_support(message)))


@router.patch(
    "/conversations/{conversation_id}/messages/{message_id}",
    response={200: MessageOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut,
              422: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)  # fmt: skip
def edit_message(
    request: HttpRequest, conversation_id: int, message_id: int, payload: MessagePatch
) -> MessageOut:
    """Edit your own message: its words, and `remove_attachments` (ids of its files) to take
    files away. An id that is not one of this message's files: 400, field
    `remove_attachments`, nothing changed; a message left with neither words nor files: 400
    `message_empty` (delete it instead)."""
    conversation = queries.get_conversation(request.user, conversation_id)
    message = queries.get_message(request.user, conversation, message_id)
    return message_out(
        actions.edit_message(
            actor=request.user,
            message=message,
            body=payload.body,
            confirmed=payload.confirmed,
            remove_attachments=payload.remove_attachments,
        )
    )


@router.delete(
    "/conversations/{conversation_id}/messages/{message_id}",
    response={200: MessageOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def delete_message(request: HttpRequest, conversation_id: int, message_id: int) -> MessageOut:
    """Delete your own message: it keeps its place without its words."""
    conversation = queries.get_conversation(request.user, conversation_id)
    message = queries.get_message(request.user, conversation, message_id)
    return message_out(actions.delete_message(actor=request.user, message=message))


# --- the member's own messaging settings ---------------------------------------------------


@router.get("/me/unread", response={200: UnreadOut, 401: ErrorOut}, auth=member_auth)
def unread(request: HttpRequest) -> UnreadOut:
    """What the header badge counts: conversations and requests with unread messages."""
    return UnreadOut(
        conversations=queries.unread_count(request.user),
        requests=queries.request_count(request.user),
    )


@router.get("/me/blocks", response={200: list[BlockOut], 401: ErrorOut}, auth=member_auth)
def list_blocks(request: HttpRequest) -> list[BlockOut]:
    """Members you muted or blocked."""
    return [
        BlockOut(
            member=PersonOut(handle=b.blocked.handle, display_name=b.blocked.display_name),
            level=b.level,
            created_at=b.created_at,
        )
        for b in blocks_made_by(request.user)
    ]


@router.put(
    "/me/blocks/{handle}",
    response={200: BlockOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def block_member(request: HttpRequest, handle: str, payload: BlockIn) -> BlockOut:
    """Mute (`level: "mute"`) or block (`"block"`) a member. They are not told."""
    member = get_member(handle)
    block = actions.block_member(actor=request.user, member=member, level=payload.level)
    return BlockOut(
        member=PersonOut(handle=member.handle, display_name=member.display_name),
        level=block.level,
        created_at=block.created_at,
    )


@router.delete(
    "/me/blocks/{handle}", response={204: None, 401: ErrorOut, 404: ErrorOut}, auth=member_auth
)
def unblock_member(request: HttpRequest, handle: str) -> Status[None]:
    """Lift a mute or block."""
    actions.unblock_member(actor=request.user, member=get_member(handle))
    return Status(204, None)


@router.get(
    "/me/messaging-settings", response={200: MessagingSettingsOut, 401: ErrorOut}, auth=member_auth
)
def get_messaging_settings(request: HttpRequest) -> MessagingSettingsOut:
    chosen = queries.settings_of(request.user)
    return MessagingSettingsOut(
        requests_from=chosen.requests_from, shares_read_receipts=chosen.shares_read_receipts
    )


@router.put(
    "/me/messaging-settings",
    response={200: MessagingSettingsOut, 400: ErrorOut, 401: ErrorOut},
    auth=member_auth,
)
def put_messaging_settings(
    request: HttpRequest, payload: MessagingSettingsIn
) -> MessagingSettingsOut:
    """Who must ask before messaging you, and whether others see when you have read."""
    chosen = actions.update_messaging_settings(
        actor=request.user,
        requests_from=payload.requests_from,
        shares_read_receipts=payload.shares_read_receipts,
    )
    return MessagingSettingsOut(
        requests_from=chosen.requests_from, shares_read_receipts=chosen.shares_read_receipts
    )
