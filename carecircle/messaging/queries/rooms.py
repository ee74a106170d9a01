"""Reads of chat rooms, their sessions, messages and presence, scoped to the actor."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.core.errors import NotFoundError
from carecircle.core.models import ModerationState
from carecircle.messaging.actions.common import with_attachments
from carecircle.messaging.models import (
    ChatRoom,
    ChatSession,
    MemberBlock,
    Message,
    RoomPresence,
    RoomRestriction,
)
from carecircle.messaging.permissions.rooms import (
    can_read_room,
    check_can_read_transcript,
    check_can_use_rooms,
)

# A room with sessions opens this long before each session starts (people arrive early).
EARLY_OPEN = timedelta(minutes=10)
# A socket's presence row counts while refreshed this recently (the keep-alive is every 25-30 s).
PRESENCE_FRESH = timedelta(seconds=75)
# Presence lists name at most this many people, then say how many more are here.
PRESENCE_MAX = 100
MESSAGES_PAGE = 50
MESSAGES_MAX = 200
TRANSCRIPT_MAX = 5000


def local_time(value: datetime, member: Any) -> datetime:
    """`value` in the member's own time zone (the site's when they chose none)."""
    name = getattr(member, "time_zone", "") or settings.TIME_ZONE
    try:
        zone = zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return value.astimezone(zone)


def describe_time(value: datetime, member: Any) -> str:
    """ "3 March 2027, 19:00" in the member's time zone, for messages built outside a page."""
    return format_date(local_time(value, member), "j F Y, H:i")


# --- rooms ---------------------------------------------------------------------------------------


def community_rooms(actor: Any, community: Community) -> list[ChatRoom]:
    """The community's rooms (open first, then archived, by name) with `upcoming_sessions`
    (not yet ended, soonest first) and `has_sessions`; members and staff only. Two queries."""
    check_can_use_rooms(actor, community)
    now = timezone.now()
    rooms: list[ChatRoom] = list(
        ChatRoom.objects.filter(community=community)
        .annotate(has_sessions=Exists(ChatSession.objects.filter(room=OuterRef("pk"))))
        .prefetch_related(
            Prefetch(
                "sessions",
                queryset=ChatSession.objects.filter(ends_at__gt=now).order_by("starts_at"),
                to_attr="upcoming_sessions",
            )
        )
        .order_by("is_archived", "name")
    )
    for room in rooms:
        room.community = community
        room.state = RoomState.from_sessions(  # type: ignore[attr-defined]
            now=now,
            upcoming=room.upcoming_sessions,  # type: ignore[attr-defined]
            has_sessions=room.has_sessions,  # type: ignore[attr-defined]
        )
    return rooms


def get_room(actor: Any, community: Community, slug: str) -> ChatRoom:
    """The community's room with `slug`. Outsiders are refused before the room is looked up,
    so they get the same answer whether it exists or not."""
    check_can_use_rooms(actor, community)
    room = ChatRoom.objects.filter(community=community, slug=slug).first()
    if room is None:
        raise NotFoundError(_("There is no chat room here."))
    room.community = community
    return room


def get_room_by_id(actor: Any, room_id: Any) -> ChatRoom:
    """The room with this id if the actor may read it; the same NotFoundError otherwise."""
    room = None
    if isinstance(room_id, int) or (isinstance(room_id, str) and room_id.isdigit()):
        room = ChatRoom.objects.select_related("community").filter(pk=int(room_id)).first()
    if room is None or not can_read_room(actor, room):
        raise NotFoundError(_("There is no chat room here."))
    return room


# --- sessions ------------------------------------------------------------------------------------


@dataclass
class RoomState:
    """Whether a room takes messages now, and the session that makes it so (or opens it next).

    A room without sessions is always open; a room with sessions is open from `EARLY_OPEN`
    before each session starts until it ends (a session is over at its `ends_at`).
    """

    has_sessions: bool
    current: ChatSession | None = None
    next: ChatSession | None = None
    upcoming: list[ChatSession] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return not self.has_sessions or self.current is not None

    @property
    def opens_at(self) -> datetime | None:
        return self.next.starts_at - EARLY_OPEN if self.next is not None else None

    @property
    def publishes_transcript(self) -> bool:
        return bool(self.current is not None and self.current.publishes_transcript)

    @classmethod
    def from_sessions(
        cls, *, now: datetime, upcoming: list[ChatSession], has_sessions: bool
    ) -> RoomState:
        """From the sessions not yet ended, soonest first."""
        state = cls(has_sessions=has_sessions or bool(upcoming), upcoming=list(upcoming))
        for session in upcoming:
            if session.starts_at - EARLY_OPEN <= now < session.ends_at:
                state.current = session
                break
            if session.starts_at - EARLY_OPEN > now:
                state.next = session
                break
        return state


def room_state(room: ChatRoom, *, now: datetime | None = None) -> RoomState:
    """Whether the room is open now, in one query (the send action's check)."""
    now = now or timezone.now()
    first = (
        ChatSession.objects.filter(room=room)
        .annotate(
            is_over=Case(
                When(ends_at__lte=now, then=Value(1)), default=Value(0), output_field=IntegerField()
            )
        )
        .order_by("is_over", "starts_at")
        .first()
    )
    if first is None:
        return RoomState(has_sessions=False)
    upcoming: list[ChatSession] = [] if first.is_over else [first]
    return RoomState.from_sessions(now=now, upcoming=upcoming, has_sessions=True)


def room_sessions(room: ChatRoom, *, now: datetime | None = None) -> tuple[RoomState, list]:
    """The room's state with its next sessions (at most 20), and its last 10 ended sessions."""
    now = now or timezone.now()
    upcoming = list(room.sessions.filter(ends_at__gt=now).order_by("starts_at")[:20])
    past = list(
        room.sessions.filter(ends_at__lte=now)
        .select_related("published_topic")
        .order_by("-starts_at")[:10]
    )
    state = RoomState.from_sessions(now=now, upcoming=upcoming, has_sessions=bool(past))
    return state, past


def get_session(actor: Any, room: ChatRoom, session_id: Any) -> ChatSession:
    """One of the room's sessions (the room was already checked for the actor)."""
    session = None
    if isinstance(session_id, int) or (isinstance(session_id, str) and session_id.isdigit()):
        session = (
            ChatSession.objects.filter(room=room, pk=int(session_id))
            .select_related("published_topic")
            .first()
        )
    if session is None or not can_read_room(actor, room):
        raise NotFoundError(_("There is no such session in this room."))
    session.room = room
    return session


def transcript_starts_at(session: ChatSession) -> datetime:
    """When a session's transcript begins: when the room opened for it, but never before the
    session existed. Words written before then were written without its notice."""
    opens_at = session.starts_at - EARLY_OPEN
    return max(opens_at, session.created_at) if session.created_at else opens_at


def session_messages(session: ChatSession, *, hide_authors: set[int] | None = None) -> list:
    """Messages written while the session's room was open for it and the session existed,
    oldest first, deleted ones left out (what a transcript shows and what publishing puts in
    the topic). Messages waiting for a moderator or hidden by one are left out too: a
    transcript is read by everyone in the room and may be published as a topic."""
    messages = (
        Message.objects.filter(
            room_id=session.room_id,
            created_at__gte=transcript_starts_at(session),
            created_at__lt=session.ends_at,
            deleted_at__isnull=True,
            moderation_state=ModerationState.VISIBLE,
        )
        .select_related("author")
        .order_by("id")
    )
    if hide_authors:
        messages = messages.exclude(author_id__in=hide_authors)
    return list(messages[:TRANSCRIPT_MAX])


def session_transcript(actor: Any, session: ChatSession) -> list[Message]:
    """A session's transcript for a reader of the room, once the session has ended; messages
    of members the reader blocked are left out."""
    room = session.room
    check_can_read_transcript(actor, session, room)
    blocked, _blockers = block_relations(actor)
    return session_messages(session, hide_authors=blocked)


# --- messages ------------------------------------------------------------------------------------


def block_relations(actor: Any) -> tuple[set[int], set[int]]:
    """(ids the actor blocked, ids who blocked the actor), in one query."""
    if not getattr(actor, "pk", None):
        return set(), set()
    blocked: set[int] = set()
    blockers: set[int] = set()
    rows = MemberBlock.objects.filter(
        Q(blocker_id=actor.pk) | Q(blocked_id=actor.pk), level=MemberBlock.Level.BLOCK
    ).values_list("blocker_id", "blocked_id")
    for blocker_id, blocked_id in rows:
        if blocker_id == actor.pk:
            blocked.add(blocked_id)
        else:
            blockers.add(blocker_id)
    return blocked, blockers


@dataclass
class MessageSlice:
    """Messages oldest first; whether there are older ones before and newer ones after."""

    items: list[Message]
    has_older: bool
    has_newer: bool

    @property
    def first_id(self) -> int | None:
        return self.items[0].pk if self.items else None

    @property
    def last_id(self) -> int:
        return self.items[-1].pk if self.items else 0


def shown_to(actor: Any) -> Q:
    """Messages a reader sees: visible ones, and their own while held or hidden for review."""
    visible = Q(moderation_state=ModerationState.VISIBLE)
    if getattr(actor, "pk", None) is None:
        return visible
    return visible | Q(author_id=actor.pk)


def room_messages(
    actor: Any,
    room: ChatRoom,
    *,
    before: int | None = None,
    after: int | None = None,
    limit: int = MESSAGES_PAGE,
    hide_authors: set[int] | None = None,
) -> MessageSlice:
    """A page of the room's messages by id: the latest, those before `before`, or those after
    `after`; messages of members the actor blocked are left out (pass `hide_authors` when the
    caller already has them). The room was already checked for the actor."""
    limit = max(1, min(MESSAGES_MAX, limit))
    if hide_authors is None:
        hide_authors, _blockers = block_relations(actor)
    messages = with_attachments(Message.objects.filter(room=room).select_related("author"))
    if hide_authors:
        messages = messages.exclude(author_id__in=hide_authors)
    messages = messages.filter(shown_to(actor))
    if after is not None:
        items = list(messages.filter(pk__gt=after).order_by("id")[: limit + 1])
        has_newer = len(items) > limit
        return MessageSlice(items=items[:limit], has_older=True, has_newer=has_newer)
    if before is not None:
        messages = messages.filter(pk__lt=before)
    items = list(messages.order_by("-id")[: limit + 1])
    has_older = len(items) > limit
    items = items[:limit]
    items.reverse()
    return MessageSlice(items=items, has_older=has_older, has_newer=before is not None)


def get_room_message(actor: Any, room: ChatRoom, message_id: Any) -> Message:
    """One message of the room (the room was already checked for the actor)."""
    message = None
    if isinstance(message_id, int) or (isinstance(message_id, str) and message_id.isdigit()):
        message = (
            Message.objects.select_related("author")
            .filter(shown_to(actor), room=room, pk=message_id)
            .first()
        )
    if message is None:
        raise NotFoundError(_("That message is not in this room."), field="message_id")
    message.room = room
    return message


def messages_after(room_id: int, after: int, *, hide_authors: set[int], limit: int) -> list:
    """Up to `limit` messages of the room with an id above `after`, oldest first (catch-up)."""
    messages = with_attachments(
        Message.objects.filter(
            room_id=room_id, pk__gt=after, moderation_state=ModerationState.VISIBLE
        ).select_related("author")
    )
    if hide_authors:
        messages = messages.exclude(author_id__in=hide_authors)
    return list(messages.order_by("id")[:limit])


# --- presence and restrictions -------------------------------------------------------------------


@dataclass
class Presence:
    """Who the viewer may see in the room now (at most PRESENCE_MAX names) and how many."""

    members: list[dict]
    count: int


def room_presence(
    actor: Any, room_id: int, *, blockers: set[int] | None = None, now: datetime | None = None
) -> Presence:
    """Members with a fresh socket in the room, by name: never those who hide their online
    status (except the viewer themself), never those who blocked the viewer. One query (two
    without `blockers`)."""
    now = now or timezone.now()
    if blockers is None:
        _blocked, blockers = block_relations(actor)
    rows = (
        RoomPresence.objects.filter(room_id=room_id, last_seen_at__gte=now - PRESENCE_FRESH)
        .values_list(
            "user_id", "user__handle", "user__display_name", "user__profile__is_presence_hidden"
        )
        .distinct()
    )
    seen: dict[int, dict] = {}
    own_id = getattr(actor, "pk", None)
    for user_id, handle, display_name, hidden in rows:
        if user_id in seen or user_id in blockers or (hidden and user_id != own_id):
            continue
        seen[user_id] = {"handle": handle, "display_name": display_name}
    members = sorted(seen.values(), key=lambda m: (m["display_name"].casefold(), m["handle"]))
    return Presence(members=members[:PRESENCE_MAX], count=len(members))


def active_restriction(room: ChatRoom, user: Any, *, now: datetime | None = None) -> Any:
    """The member's mute in this room while it lasts, or None."""
    now = now or timezone.now()
    return RoomRestriction.objects.filter(room=room, user_id=user.pk, until__gt=now).first()


def room_restrictions(room: ChatRoom, *, now: datetime | None = None) -> list[RoomRestriction]:
    """Mutes in force in the room, ending soonest first (moderators' page)."""
    now = now or timezone.now()
    return list(
        RoomRestriction.objects.filter(room=room, until__gt=now)
        .select_related("user", "restricted_by")
        .order_by("until")
    )
