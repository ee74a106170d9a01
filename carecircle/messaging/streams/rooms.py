"""The live stream of a chat room, "room:<id>": messages, presence, typing.

Subscribing needs read access to the room (a member of its community, or site staff; never a
visitor) and is refused with the same answer whether the room exists or not. The subscription
keeps what filtering needs without queries: whom the subscriber blocked (their messages and
typing are dropped) and who blocked the subscriber (their presence is dropped). Presence is
sent as changes ("presence.joined" / "presence.left", never for members who hide their online
status); each subscriber gets the full list, filtered for them, with its catch-up. Frames are
"send", "delete" and "typing"; each goes to an action that checks permission again.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from carecircle.accounts.privacy import is_presence_hidden
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.realtime import StreamHandler, Subscription, register_stream
from carecircle.messaging.actions import rooms as actions
from carecircle.messaging.actions.common import BACKLOG_MAX, message_payload, with_support
from carecircle.messaging.models import ChatRoom, MemberBlock
from carecircle.messaging.permissions.rooms import can_read_room
from carecircle.messaging.queries import rooms as queries
from carecircle.uploads.forms import choices_from_data

# Events naming a member whose presence the subscriber may not see when that member blocked
# them; the member's id is removed before the event leaves the server.
PRESENCE_EVENTS = ("presence.joined", "presence.left")


def _block_context(user: Any) -> dict[str, Any]:
    """Blocked ids and handles, and blocker ids, in one query."""
    blocked_ids: set[int] = set()
    blocked_handles: set[str] = set()
    blocker_ids: set[int] = set()
    rows = MemberBlock.objects.filter(
        Q(blocker_id=user.pk) | Q(blocked_id=user.pk), level=MemberBlock.Level.BLOCK
    ).values_list("blocker_id", "blocked_id", "blocked__handle")
    for blocker_id, blocked_id, blocked_handle in rows:
        if blocker_id == user.pk:
            blocked_ids.add(blocked_id)
            blocked_handles.add(blocked_handle)
        else:
            blocker_ids.add(blocker_id)
    return {
        "blocked_ids": blocked_ids,
        "blocked_handles": blocked_handles,
        "blocker_ids": blocker_ids,
    }


class RoomStream(StreamHandler):
    kind = "room"

    def _room(self, key: str) -> ChatRoom | None:
        return ChatRoom.objects.select_related("community").filter(pk=int(key)).first()

    def subscribe(self, user: Any, key: str, channel_name: str) -> Subscription | None:
        if not getattr(user, "is_authenticated", False):
            return None
        room = self._room(key)
        if room is None or not can_read_room(user, room):
            return None
        context = _block_context(user)
        context.update(
            room_id=room.pk,
            community_id=room.community_id,
            user_id=user.pk,
            hidden=is_presence_hidden(user),
        )
        actions.enter_room(
            actor=user, room=room, channel_name=channel_name, hidden=context["hidden"]
        )
        return Subscription(stream=f"room:{room.pk}", key=key, context=context)

    def unsubscribe(self, user: Any, subscription: Subscription, channel_name: str) -> None:
        context = subscription.context
        actions.leave_room(
            actor=user,
            room_id=context["room_id"],
            channel_name=channel_name,
            hidden=context["hidden"],
        )

    def heartbeat(self, user: Any, subscription: Subscription, channel_name: str) -> None:
        context = subscription.context
        _allowed, context["hidden"] = actions.refresh_presence(
            actor=user,
            room_id=context["room_id"],
            community_id=context["community_id"],
            channel_name=channel_name,
            hidden=context["hidden"],
        )

    def backlog(self, user: Any, subscription: Subscription, after: int | None) -> list[dict]:
        context = subscription.context
        events: list[dict] = []
        if after is not None:
            messages = queries.messages_after(
                context["room_id"],
                after,
                hide_authors=context["blocked_ids"],
                limit=BACKLOG_MAX + 1,
            )
            if len(messages) > BACKLOG_MAX:
                events.append({"type": "backlog.truncated"})
            else:
                events.extend(
                    {"type": "message.new", "message": message_payload(m)} for m in messages
                )
        presence = queries.room_presence(user, context["room_id"], blockers=context["blocker_ids"])
        events.append({"type": "presence", "members": presence.members, "count": presence.count})
        return events

    def handle(self, user: Any, subscription: Subscription, frame: dict) -> dict | None:
        kind = frame.get("type")
        room = self._room(subscription.context["room_id"])
        if room is None:
            raise PermissionDeniedError(_("This room is no longer available."), code="not_found")
        if kind == "send":
            message = actions.send_room_message(
                actor=user,
                room=room,
                body=frame.get("body"),
                client_id=frame.get("client_id"),
                confirmed=frame.get("confirmed") is True,
                attachments=choices_from_data(frame.get("attachments")),
            )
            return with_support(message)
        if kind == "delete":
            if not can_read_room(user, room):
                raise PermissionDeniedError(_("This room is no longer available."))
            message = queries.get_room_message(user, room, frame.get("message_id"))
            return message_payload(actions.delete_room_message(actor=user, message=message))
        if kind == "typing":
            actions.signal_typing(actor=user, room=room)
            return {}
        raise ValidationFailed(_("This room does not understand that request."), code="unsupported")

    def visible(self, user: Any, subscription: Subscription, event: dict) -> dict | None:
        kind = event.get("type")
        context = subscription.context
        if kind in ("message.new", "message.edited"):
            author = event.get("message", {}).get("author")
            if author and author.get("handle") in context["blocked_handles"]:
                return None
            return event
        if kind in PRESENCE_EVENTS:
            if event.get("user_id") in context["blocker_ids"]:
                return None
            return {"type": kind, "member": event.get("member")}
        if kind == "typing":
            who = event.get("user_id")
            if who == context["user_id"] or who in context["blocker_ids"]:
                return None
            if who in context["blocked_ids"]:
                return None
            return {"type": kind, "user": event.get("user")}
        if kind == "restriction":
            # Only the muted member hears of their own mute.
            if event.get("user_id") != context["user_id"]:
                return None
            return {"type": kind, "until": event.get("until")}
        return event


register_stream(RoomStream())
