"""The live stream of a private conversation: "conversation:<id>".

Active participants follow it, and so may a member with an unanswered request (so that
accepting it goes live at once); a member who declined or left may not. Every frame a client
sends goes to the same actions the page and the API use, which check permission again.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.core.errors import NotFoundError, ValidationFailed
from carecircle.core.realtime import StreamHandler, Subscription, register_stream
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions.common import BACKLOG_MAX, message_payload
from carecircle.messaging.models import MemberBlock
from carecircle.messaging.queries import conversations as queries

MESSAGE_EVENTS = ("message.new", "message.edited", "message.deleted")


class ConversationStream(StreamHandler):
    kind = "conversation"

    def subscribe(self, user: Any, key: str, channel_name: str) -> Subscription | None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return None
        try:
            queries.get_place(user, key)
        except NotFoundError:
            return None
        blocked = MemberBlock.objects.filter(
            blocker_id=user.pk, level=MemberBlock.Level.BLOCK
        ).values_list("blocked__handle", flat=True)
        return Subscription(
            stream=f"conversation:{key}",
            key=key,
            context={
                "handle": user.handle,
                "blocked_handles": set(blocked),
                "shares_read_receipts": queries.shares_read_receipts(user),
            },
        )

    def backlog(self, user: Any, subscription: Subscription, after: int | None) -> list[dict]:
        if after is None:
            return []
        found = queries.messages_after(user.pk, int(subscription.key), after, BACKLOG_MAX + 1)
        if len(found) > BACKLOG_MAX:
            return [{"type": "backlog.truncated"}]
        return [{"type": "message.new", "message": message_payload(m)} for m in found]

    def handle(self, user: Any, subscription: Subscription, frame: dict) -> dict | None:
        conversation = queries.get_conversation(user, subscription.key)
        kind = frame.get("type")
        if kind == "send":
            message = actions.send_message(
                actor=user,
                conversation=conversation,
                body=frame.get("body"),  # type: ignore[arg-type]
                client_id=frame.get("client_id"),
            )
            return message_payload(message)
        if kind == "edit":
            message = queries.get_message(user, conversation, frame.get("message_id"))
            message = actions.edit_message(
                actor=user,
                message=message,
                body=frame.get("body"),  # type: ignore[arg-type]
            )
            return message_payload(message)
        if kind == "delete":
            message = queries.get_message(user, conversation, frame.get("message_id"))
            return message_payload(actions.delete_message(actor=user, message=message))
        if kind == "typing":
            return {"sent": actions.send_typing(actor=user, conversation=conversation)}
        if kind == "read":
            marker = actions.mark_read(
                actor=user, conversation=conversation, message_id=frame.get("message_id")
            )
            return {"last_read_message_id": marker}
        if kind == "report":
            message = queries.get_message(user, conversation, frame.get("message_id"))
            actions.report_conversation_message(
                actor=user,
                message=message,
                reason=frame.get("reason"),  # type: ignore[arg-type]
                note=frame.get("note") or "",
            )
            return {"reported": True}
        raise ValidationFailed(_("This conversation does not understand that."), code="unsupported")

    def visible(self, user: Any, subscription: Subscription, event: dict) -> dict | None:
        context = subscription.context
        blocked = context.get("blocked_handles", set())
        kind = event.get("type")
        if kind in MESSAGE_EVENTS:
            author = (event.get("message") or {}).get("author") or {}
            return None if author.get("handle") in blocked else event
        if kind in ("typing", "read"):
            handle = (event.get("user") or {}).get("handle")
            if handle in blocked or handle == context.get("handle"):
                return None
            if kind == "read" and not context.get("shares_read_receipts", True):
                return None
        return event


register_stream(ConversationStream())
