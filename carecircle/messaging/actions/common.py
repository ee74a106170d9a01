"""What conversations and chat rooms share: checking and rendering a message, and its payload.

`message_payload` is the one shape of a message on the wire: the socket's `message.new` /
`message.edited` / `message.deleted` events, the replies to `send`, the backlog after a
reconnect, and the JSON API all use it, so a client needs one renderer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.urls import reverse
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.core.errors import ValidationFailed
from carecircle.core.markdown import find_mentions, render_markdown
from carecircle.core.models import ModerationState
from carecircle.messaging.models import Message
from carecircle.uploads.display import attachment_payload, attachments_html
from carecircle.uploads.models import Upload

BODY_MAX = 5000
# After a reconnect a client is sent at most this many missed messages per stream; with more,
# it is told to reload (`backlog.truncated`), which shows the latest page.
BACKLOG_MAX = 200


def clean_body(body: Any, *, allow_empty: bool = False) -> str:
    """The message text, stripped; raises ValidationFailed (field "body") if empty or too long.

    `allow_empty` is for a message that carries attachments: a picture may go without words.
    """
    # One kind of line break: Markdown also breaks lines at a lone "\r", which would let a
    # message step outside the quote a published transcript puts it in.
    text = (body if isinstance(body, str) else "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    if not text and not allow_empty:
        raise ValidationFailed(_("Please write a message."), field="body")
    if len(text) > BODY_MAX:
        raise ValidationFailed(
            _("Messages can be at most %(max)d characters; yours has %(count)d.")
            % {"max": BODY_MAX, "count": len(text)},
            field="body",
        )
    return text


def screen_message(
    *, actor: Any, community: Any, text: str, confirmed: bool, is_edit: bool = False
) -> Any:
    """Run the moderation gate on a message before it is stored (may raise; see gate)."""
    # Imported late: moderation builds on messaging (review items point at messages).
    from carecircle.moderation import gate

    return gate.screen_content(
        actor=actor,
        community=community,
        text=text,
        kind="message",
        confirmed=confirmed,
        is_public=False,
        is_edit=is_edit,
    )


def after_message_saved(*, actor: Any, community: Any, result: Any, message: Message) -> None:
    """Queue what the gate found, inside the sending transaction."""
    from carecircle.moderation import gate

    gate.after_content_saved(
        actor=actor, community=community, result=result, kind="message", message=message
    )


def visible_to_all(message: Message) -> bool:
    """Whether everyone in the conversation or room may see the message (not pending/hidden)."""
    return bool(message.moderation_state == ModerationState.VISIBLE)


def clean_client_id(client_id: Any) -> uuid.UUID | None:
    """The client's id for a send as a UUID; None when absent; ValidationFailed when malformed."""
    if client_id in (None, ""):
        return None
    if isinstance(client_id, uuid.UUID):
        return client_id
    try:
        return uuid.UUID(str(client_id))
    except ValueError:
        raise ValidationFailed(_("That message id is not valid."), field="client_id") from None


def render_body(body: str) -> str:
    """Safe HTML for a message, like a post's Markdown; @handles link to existing members."""
    handles = [handle.lower() for handle in find_mentions(body)]
    known = set(User.objects.filter(handle__in=handles).values_list("handle", flat=True))

    def mention_url(handle: str) -> str | None:
        handle = handle.lower()
        return reverse("member_profile", kwargs={"handle": handle}) if handle in known else None

    return render_markdown(body, mention_url=mention_url)


def existing_send(author: Any, client_id: uuid.UUID | None) -> Message | None:
    """The message this author already stored under `client_id` (a retried send), if any."""
    if client_id is None:
        return None
    return (
        Message.objects.select_related("author")
        .filter(author_id=author.pk, client_id=client_id)
        .first()
    )


def author_payload(author: Any) -> dict | None:
    """How a message's author is shown: handle and display name; None once erased."""
    if author is None:
        return None
    return {"handle": author.handle, "display_name": author.display_name}


def with_attachments(messages: QuerySet[Message]) -> QuerySet[Message]:
    """Messages with their attachments in order, in one more query for the whole list."""
    return messages.prefetch_related(
        Prefetch(
            "attachments",
            queryset=Upload.objects.order_by("position", "pk"),
            to_attr="attached_uploads",
        )
    )


def load_attachments(messages: Iterable[Message | None]) -> None:
    """Give messages already loaded their attachments, in one query for them all."""
    found = [message for message in messages if message is not None]
    if found:
        prefetch_related_objects(
            found,
            Prefetch(
                "attachments",
                queryset=Upload.objects.order_by("position", "pk"),
                to_attr="attached_uploads",
            ),
        )


def attachments_of(message: Message) -> list[Upload]:
    """A message's attachments in order: prefetched by `with_attachments`, or set by the
    action that attached them; one query otherwise. None once the message is deleted."""
    if message.deleted_at is not None or message.pk is None:
        return []
    found = getattr(message, "attached_uploads", None)
    if found is None:
        found = list(message.attachments.order_by("position", "pk"))
        message.attached_uploads = found  # type: ignore[attr-defined]
    return list(found)


def message_payload(message: Message) -> dict:
    """The message as clients receive it (select_related("author") before calling, and
    `with_attachments` for a list)."""
    deleted = message.deleted_at is not None
    uploads = attachments_of(message)
    return {
        "id": message.pk,
        "stream": (
            f"conversation:{message.conversation_id}"
            if message.conversation_id
            else f"room:{message.room_id}"
        ),
        "client_id": str(message.client_id) if message.client_id else None,
        "author": author_payload(message.author),
        "html": "" if deleted else message.body_html,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "is_deleted": deleted,
        # A moderator's removal reads differently from the author's own.
        "deleted_by_moderator": bool(deleted and message.deleted_by_id != message.author_id),
        # Pending or hidden messages reach only their author (and moderators).
        "moderation_state": str(message.moderation_state),
        # Addresses only: each file checks on every request who may read it.
        "attachments": [attachment_payload(upload) for upload in uploads],
        # The same component the page shows, so a live client needs no renderer of its own.
        "attachments_html": attachments_html(uploads),
    }


def with_support(message: Message) -> dict:
    """The message payload for its author's own ack: plus `support` (crisis helplines) or None."""
    from carecircle.discussions.safety import support_for

    payload = message_payload(message)
    payload["support"] = support_for(getattr(message, "gate_result", None))
    return payload
