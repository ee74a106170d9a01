"""The live stream of a private conversation: "conversation:<id>".

Active participants follow it, and so may a member with an unanswered request (so that
accepting it goes live at once); a member who declined or left may not. Every frame a client
sends goes to the same actions the page and the API use, which check permission again.

The subscription keeps what filtering needs without queries: whom the subscriber blocked
(their messages, typing and reads are dropped), who blocked the subscriber (their typing and
reads are dropped; their messages in a group shared with others still show) and where the
subscriber's history starts (nothing about earlier messages reaches them). The heartbeat, about
every 30 seconds, checks the subscriber still has a place (else their subscriptions end) and
reloads the blocks, so a block made while a page is open applies within a heartbeat.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.core.errors import NotFoundError, ValidationFailed
from carecircle.core.realtime import StreamHandler, Subscription, register_stream, revoke_access
from carecircle.messaging.actions import conversations as actions
from carecircle.messaging.actions.common import BACKLOG_MAX, message_payload, with_support
from carecircle.messaging.models import Participant
from carecircle.messaging.queries import conversations as queries
from carecircle.uploads.forms import choices_from_data

MESSAGE_EVENTS = ("message.new", "message.edited", "message.deleted")
# As the API's edit: at most this many file ids in one `edit` frame.
MAX_REMOVED = 50


class ConversationStream(StreamHandler):
    kind = "conversation"

    def subscribe(self, user: Any, key: str, channel_name: str) -> Subscription | None:
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return None
        try:
            place = queries.get_place(user, key)
        except NotFoundError:
            return None
        blocked, blockers = queries.block_handles(user)
        return Subscription(
            stream=f"conversation:{key}",
            key=key,
            context={
                "handle": user.handle,
                "blocked_handles": blocked,
                "blocker_handles": blockers,
                "history_from": place.history_from_message_id,
                "shares_read_receipts": queries.shares_read_receipts(user),
            },
        )

    def heartbeat(self, user: Any, subscription: Subscription, channel_name: str) -> None:
        """Still in the conversation? If not, every socket of theirs leaves it now; if so,
        the blocks and the history start are read again."""
        history_from = (
            Participant.objects.filter(
                conversation_id=int(subscription.key),
                user_id=user.pk,
                user__is_active=True,
                state__in=queries.VISIBLE_STATES,
            )
            .values_list("history_from_message_id", flat=True)
            .first()
        )
        if history_from is None:
            revoke_access(subscription.stream, [user.pk], reason="not_participant")
            return
        blocked, blockers = queries.block_handles(user)
        subscription.context.update(
            blocked_handles=blocked, blocker_handles=blockers, history_from=history_from
        )

    def backlog(self, user: Any, subscription: Subscription, after: int | None) -> list[dict]:
        if after is None:
            return []
        found = queries.messages_after(user.pk, int(subscription.key), after, BACKLOG_MAX + 1)
        if len(found) > BACKLOG_MAX:
            return [{"type": "backlog.truncated"}]
        events = [{"type": "message.new", "message": message_payload(m)} for m in found]
        # Then where the others have read to, as the live "read" event says it: a read made
        # while this socket was down (or before it subscribed) still shows "seen".
        return events + [
            {
                "type": "read",
                "user": {"handle": place.user.handle, "display_name": place.user.display_name},
                "message_id": place.last_read_message_id,
                "history_from": place.history_from_message_id,
            }
            for place in queries.read_markers(user, int(subscription.key))
        ]

    def handle(self, user: Any, subscription: Subscription, frame: dict) -> dict | None:
        conversation = queries.get_conversation(user, subscription.key)
        kind = frame.get("type")
        if kind == "send":
            message = actions.send_message(
                actor=user,
                conversation=conversation,
                body=frame.get("body"),  # type: ignore[arg-type]
                client_id=frame.get("client_id"),
                confirmed=frame.get("confirmed") is True,
                attachments=choices_from_data(frame.get("attachments")),
            )
            return with_support(message)
        if kind == "edit":
            message = queries.get_message(user, conversation, frame.get("message_id"))
            message = actions.edit_message(
                actor=user,
                message=message,
                body=frame.get("body"),  # type: ignore[arg-type]
                confirmed=frame.get("confirmed") is True,
                remove_attachments=_ids(frame.get("remove_attachments")),
            )
            return with_support(message)
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
        history_from = context.get("history_from", 0)
        kind = event.get("type")
        if kind in MESSAGE_EVENTS:
            message = event.get("message") or {}
            if (message.get("id") or 0) <= history_from:
                return None
            author = message.get("author") or {}
            return None if author.get("handle") in blocked else event
        if kind in ("typing", "read"):
            handle = (event.get("user") or {}).get("handle")
            if handle == context.get("handle") or handle in blocked:
                return None
            # A member who blocked the subscriber keeps their typing and reading to themself.
            if handle in context.get("blocker_handles", set()):
                return None
            if kind == "read" and (
                not context.get("shares_read_receipts", True)
                or (event.get("message_id") or 0) <= history_from
            ):
                return None
        return event


register_stream(ConversationStream())


def _ids(value: Any) -> list[Any]:
    """An `edit` frame's `remove_attachments` (none when it is left out): a list, which the
    action reads as file ids, refusing anything that is not one of the message's files."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_REMOVED:
        raise ValidationFailed(
            _("Send the ids of the files to remove as a list."),
            code="invalid",
            field="remove_attachments",
        )
    return value
