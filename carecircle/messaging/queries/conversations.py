"""Reads for private conversations, always scoped to the member asking.

A member sees a conversation while their place in it is active; a message request (their
place is "requested") is seen from the requests list and its own page; a declined or left
conversation is gone for them ("not found", as if it never existed).

Within a conversation a member reads only the messages newer than their place's
`history_from_message_id`: everything for the people who started it, and for someone added
later (or added back after leaving) only what was said from then on. Every read of messages
here (pages, the API's cursors, the socket's catch-up, single messages, unread counts, last
message previews and "seen") applies that rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from carecircle.core.errors import NotFoundError
from carecircle.core.models import ModerationState
from carecircle.core.pagination import Page, PageRequest, paginate
from carecircle.messaging.actions.common import with_attachments
from carecircle.messaging.models import (
    Conversation,
    MemberBlock,
    Message,
    MessagingSettings,
    Participant,
)

PAGE_SIZE = 50
API_LIMIT_MAX = 100
UNREAD_CACHE_SECONDS = 24 * 3600
VISIBLE_STATES = (Participant.State.ACTIVE, Participant.State.REQUESTED)
# Shown to others as members of the conversation: a declined request looks like an unanswered
# one, so the sender never learns of it.
LISTED_STATES = (
    Participant.State.ACTIVE,
    Participant.State.REQUESTED,
    Participant.State.DECLINED,
)


def not_found() -> NotFoundError:
    return NotFoundError(_("Conversation not found."))


def _member_id(actor: Any) -> int | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    return int(actor.pk)


def blocked_subquery(actor_id: int) -> QuerySet[MemberBlock, Any]:
    """Ids of the members `actor_id` blocked, as a subquery (their messages are hidden)."""
    return MemberBlock.objects.filter(blocker_id=actor_id, level=MemberBlock.Level.BLOCK).values(
        "blocked_id"
    )


def get_place(actor: Any, conversation_id: Any, *, states: tuple = VISIBLE_STATES) -> Participant:
    """The actor's place in a conversation they may see, with the conversation; else not found."""
    member_id = _member_id(actor)
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError):
        raise not_found() from None
    place = (
        Participant.objects.select_related("conversation")
        .filter(user_id=member_id, conversation_id=conversation_id, state__in=states)
        .first()
        if member_id
        else None
    )
    if place is None:
        raise not_found()
    return place


def get_conversation(actor: Any, conversation_id: Any) -> Conversation:
    """A conversation the actor is in (active, or asked in by a request); else not found."""
    return get_place(actor, conversation_id).conversation


def visible_messages(actor_id: int, conversation_id: int) -> QuerySet[Message]:
    """The messages of a conversation the member may read: newer than where their history
    starts (none at all without a place), and none by members they blocked. Their place's
    state is the caller's to check."""
    history_from = Participant.objects.filter(
        conversation_id=conversation_id, user_id=actor_id
    ).values("history_from_message_id")[:1]
    return (
        Message.objects.filter(conversation_id=conversation_id, pk__gt=Subquery(history_from))
        # Held or hidden for review: only their author reads them.
        .filter(Q(moderation_state=ModerationState.VISIBLE) | Q(author_id=actor_id))
        .exclude(author_id__in=blocked_subquery(actor_id))
        .select_related("author")
    )


def get_message(actor: Any, conversation: Conversation, message_id: Any) -> Message:
    """A message of `conversation` the actor may see; not found otherwise (if blocked, or
    said before they were added)."""
    member_id = _member_id(actor)
    try:
        message_id = int(message_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("Message not found.")) from None
    get_place(actor, conversation.pk)
    message = visible_messages(member_id or 0, conversation.pk).filter(pk=message_id).first()
    if message is None:
        raise NotFoundError(_("Message not found."))
    return message


def participants_of(conversation: Conversation) -> list[Participant]:
    """Everyone listed in a conversation (not those who left), with whether they share
    read receipts (`shares_receipts`), in the order they joined."""
    shares = Subquery(
        MessagingSettings.objects.filter(user_id=OuterRef("user_id")).values(
            "shares_read_receipts"
        )[:1]
    )
    return list(
        Participant.objects.filter(conversation_id=conversation.pk, state__in=LISTED_STATES)
        .select_related("user")
        .annotate(shares_receipts=Coalesce(shares, Value(True)))
        .order_by("joined_at", "pk")
    )


# --- the inbox and the requests list --------------------------------------------------------


@dataclass
class ConversationEntry:
    """One line of the inbox or the requests list."""

    conversation: Conversation
    place: Participant
    others: list[Any] = field(default_factory=list)
    last_message: Message | None = None
    has_unread: bool = False

    @property
    def name(self) -> str:
        if self.conversation.title:
            return self.conversation.title
        names = [user.display_name for user in self.others]
        return ", ".join(names) if names else _("Only you")


def _unread_messages(member_id: int) -> QuerySet[Message]:
    """Messages of the outer participant's conversation that count as unread for the member
    (never ones from before their history starts)."""
    muted = MemberBlock.objects.filter(blocker_id=member_id).values("blocked_id")
    return (
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"),
            pk__gt=OuterRef("last_read_message_id"),
            deleted_at__isnull=True,
            # A message held or hidden by moderators has not reached the member.
            moderation_state=ModerationState.VISIBLE,
        )
        .filter(pk__gt=OuterRef("history_from_message_id"))
        .exclude(author_id=member_id)
        .exclude(author_id__in=muted)
    )


def _entries(actor: Any, places: list[Participant]) -> list[ConversationEntry]:
    """Fill in the other people and the last visible message of each conversation (2 queries)."""
    if not places:
        return []
    ids = [place.conversation_id for place in places]
    others: dict[int, list[Any]] = {pk: [] for pk in ids}
    for other in (
        Participant.objects.filter(conversation_id__in=ids, state__in=LISTED_STATES)
        .exclude(user_id=actor.pk)
        .select_related("user")
        .order_by("joined_at", "pk")
    ):
        others[other.conversation_id].append(other.user)
    last_ids = [place.conversation.last_message_id for place in places]
    last = {
        message.conversation_id: message
        for message in Message.objects.filter(pk__in=last_ids)
        .exclude(author_id__in=blocked_subquery(actor.pk))
        .select_related("author")
    }
    # A last message that moderators hid after it was sent (an edit held for review) is not
    # for others to preview: show the latest one still visible instead, or none. Only
    # conversations in that state cost the extra queries.
    held: list[int] = [
        conversation_id
        for conversation_id, message in last.items()
        if conversation_id is not None
        and message.moderation_state != ModerationState.VISIBLE
        and message.author_id != actor.pk
    ]
    if held:
        for conversation_id in held:
            del last[conversation_id]
        latest_visible = (
            Message.objects.filter(
                conversation_id__in=held, moderation_state=ModerationState.VISIBLE
            )
            .values("conversation_id")
            .annotate(latest=Max("pk"))
            .values("latest")
        )
        last.update(
            (message.conversation_id, message)
            for message in Message.objects.filter(pk__in=Subquery(latest_visible))
            .exclude(author_id__in=blocked_subquery(actor.pk))
            .select_related("author")
        )
    return [
        ConversationEntry(
            conversation=place.conversation,
            place=place,
            others=others[place.conversation_id],
            last_message=_readable_last(last.get(place.conversation_id), place),
            has_unread=bool(getattr(place, "has_unread", False)),
        )
        for place in places
    ]


def _readable_last(message: Message | None, place: Participant) -> Message | None:
    # Said before the member was added: not theirs to preview.
    if message is None or message.pk <= place.history_from_message_id:
        return None
    return message


def conversation_entry(actor: Any, conversation_id: Any) -> ConversationEntry:
    """One conversation the actor may see, as a line of the inbox; else not found."""
    place = get_place(actor, conversation_id)
    place.has_unread = (  # type: ignore[attr-defined]
        Participant.objects.filter(pk=place.pk).filter(Exists(_unread_messages(actor.pk))).exists()
    )
    return _entries(actor, [place])[0]


def inbox(actor: Any, request: PageRequest) -> Page:
    """The member's active conversations, most recent first, each with who is in it, its last
    message and whether it has unread messages (4 queries)."""
    places = (
        Participant.objects.filter(user_id=actor.pk, state=Participant.State.ACTIVE)
        .select_related("conversation")
        .annotate(
            has_unread=Exists(_unread_messages(actor.pk)),
            sort_at=Coalesce("conversation__last_message_at", "conversation__created_at"),
        )
        .order_by(F("sort_at").desc(), "-conversation_id")
    )
    page = paginate(places, request)
    return Page(
        items=_entries(actor, page.items), number=page.number, size=page.size, total=page.total
    )


def message_requests(actor: Any, request: PageRequest) -> Page:
    """Conversations waiting for the member's answer, newest first; none from members they
    blocked (4 queries)."""
    places = (
        Participant.objects.filter(user_id=actor.pk, state=Participant.State.REQUESTED)
        .exclude(conversation__created_by_id__in=blocked_subquery(actor.pk))
        .select_related("conversation", "conversation__created_by")
        .order_by("-joined_at", "-pk")
    )
    page = paginate(places, request)
    return Page(
        items=_entries(actor, page.items), number=page.number, size=page.size, total=page.total
    )


def request_count(actor: Any) -> int:
    """How many message requests wait for the member (those from blocked members excluded)."""
    return (
        Participant.objects.filter(user_id=actor.pk, state=Participant.State.REQUESTED)
        .exclude(conversation__created_by_id__in=blocked_subquery(actor.pk))
        .count()
    )


# --- messages ------------------------------------------------------------------------------


@dataclass
class MessageSlice:
    """Messages in id order, and whether there are older or newer ones beyond them."""

    items: list[Message]
    has_older: bool
    has_newer: bool


def _clamp(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


def conversation_messages(
    actor: Any,
    conversation: Conversation,
    *,
    before: Any = None,
    after: Any = None,
    limit: int = PAGE_SIZE,
) -> MessageSlice:
    """A slice of the conversation's messages the actor may see, oldest first.

    With `after`, the first `limit` messages newer than that id; otherwise the newest `limit`
    older than `before` (or the newest of all). Messages of members the actor blocked, and
    those said before the actor was added, are left out. Two queries (messages, attachments).
    """
    limit = max(1, min(int(limit), API_LIMIT_MAX))
    messages = with_attachments(visible_messages(actor.pk, conversation.pk))
    after_id, before_id = _clamp(after), _clamp(before)
    if after_id is not None:
        found = list(messages.filter(pk__gt=after_id).order_by("pk")[: limit + 1])
        return MessageSlice(items=found[:limit], has_older=True, has_newer=len(found) > limit)
    if before_id is not None:
        messages = messages.filter(pk__lt=before_id)
    found = list(messages.order_by("-pk")[: limit + 1])
    items = list(reversed(found[:limit]))
    return MessageSlice(items=items, has_older=len(found) > limit, has_newer=before_id is not None)


def messages_after(actor_id: int, conversation_id: int, after: int, limit: int) -> list[Message]:
    """Up to `limit` messages newer than `after` the member may read, oldest first."""
    return list(
        with_attachments(visible_messages(actor_id, conversation_id))
        .filter(pk__gt=after)
        .order_by("pk")[:limit]
    )


# --- read receipts -------------------------------------------------------------------------


def shares_read_receipts(user: Any) -> bool:
    """Whether the member shows others when they have read (the default); one query."""
    value = (
        MessagingSettings.objects.filter(user_id=user.pk)
        .values_list("shares_read_receipts", flat=True)
        .first()
    )
    return True if value is None else bool(value)


def settings_of(user: Any) -> MessagingSettings:
    """The member's messaging choices (defaults when they never changed them; not saved)."""
    return MessagingSettings.objects.filter(user_id=user.pk).first() or MessagingSettings(
        user_id=user.pk
    )


def block_handles(user: Any) -> tuple[set[str], set[str]]:
    """(handles of the members `user` blocked, handles of the members who blocked `user`), in
    one query."""
    blocked: set[str] = set()
    blockers: set[str] = set()
    rows = MemberBlock.objects.filter(
        Q(blocker_id=user.pk) | Q(blocked_id=user.pk), level=MemberBlock.Level.BLOCK
    ).values_list("blocker_id", "blocker__handle", "blocked__handle")
    for blocker_id, blocker_handle, blocked_handle in rows:
        if blocker_id == user.pk:
            blocked.add(blocked_handle)
        else:
            blockers.add(blocker_handle)
    return blocked, blockers


def seen_by(
    actor: Any, participants: list[Participant], message_id: int, *, actor_shares: bool
) -> list[Any]:
    """Who else has read up to `message_id`, for a member who shares their own receipts.

    Seen indicators are reciprocal: a member who hides theirs sees nobody's, and members who
    hide theirs are never listed. Nor are members added after the message (it is not theirs
    to read), nor members who blocked the actor or whom the actor blocked (one query, only
    when someone would be listed).
    """
    if not actor_shares or not message_id:
        return []
    readers = [
        place
        for place in participants
        if place.user_id != actor.pk
        and place.state == Participant.State.ACTIVE
        and getattr(place, "shares_receipts", True)
        and place.history_from_message_id < message_id
        and place.last_read_message_id >= message_id
    ]
    if not readers:
        return []
    hidden = MemberBlock.objects.filter(
        Q(blocker_id=actor.pk, blocked_id__in=[place.user_id for place in readers])
        | Q(blocked_id=actor.pk, blocker_id__in=[place.user_id for place in readers]),
        level=MemberBlock.Level.BLOCK,
    ).values_list("blocker_id", "blocked_id")
    apart = {member_id for pair in hidden for member_id in pair}
    return [place.user for place in readers if place.user_id not in apart]


def read_markers(actor: Any, conversation_id: int) -> list[Participant]:
    """The other participants whose read marker the member may be shown, with their user.

    The rules of `seen_by`: only for a member who shares their own receipts; never members
    who hide theirs, who blocked the member or whom the member blocked; and only markers past
    where the member's history starts (one query, two when the member shares receipts).
    """
    if not shares_read_receipts(actor):
        return []
    history_from = Participant.objects.filter(
        conversation_id=conversation_id, user_id=actor.pk
    ).values("history_from_message_id")[:1]
    shares = Subquery(
        MessagingSettings.objects.filter(user_id=OuterRef("user_id")).values(
            "shares_read_receipts"
        )[:1]
    )
    blockers = MemberBlock.objects.filter(
        blocked_id=actor.pk, level=MemberBlock.Level.BLOCK
    ).values("blocker_id")
    return list(
        Participant.objects.filter(
            conversation_id=conversation_id,
            state=Participant.State.ACTIVE,
            last_read_message_id__gt=Subquery(history_from),
        )
        .exclude(user_id=actor.pk)
        .exclude(user_id__in=blocked_subquery(actor.pk))
        .exclude(user_id__in=blockers)
        .annotate(shares_receipts=Coalesce(shares, Value(True)))
        .filter(shares_receipts=True)
        .select_related("user")
        .order_by("joined_at", "pk")
    )


# --- unread badge --------------------------------------------------------------------------


def _unread_key(member_id: int) -> str:
    return f"messaging:unread:{member_id}"


def count_unread(member_id: int) -> int:
    """Conversations and requests with messages the member has not read (one query).

    Muted conversations, and messages from members they muted or blocked, do not count.
    """
    return (
        Participant.objects.filter(user_id=member_id, is_muted=False, state__in=VISIBLE_STATES)
        .filter(Q(conversation__last_message_id__gt=F("last_read_message_id")))
        .filter(Exists(_unread_messages(member_id)))
        .count()
    )


def unread_count(user: Any) -> int:
    """The header badge: `count_unread`, cached per member until something changes it."""
    member_id = _member_id(user)
    if member_id is None:
        return 0
    cached = cache.get(_unread_key(member_id))
    if isinstance(cached, int):
        return cached
    count = count_unread(member_id)
    # `add`, not `set`: a send that committed while this counted has stored the fresher count
    # (after commit), which a count begun before it must not overwrite.
    cache.add(_unread_key(member_id), count, UNREAD_CACHE_SECONDS)
    return count


def store_unread(member_id: int, count: int) -> None:
    cache.set(_unread_key(member_id), count, UNREAD_CACHE_SECONDS)


def forget_unread(member_ids: list[int]) -> None:
    cache.delete_many([_unread_key(member_id) for member_id in member_ids])


def unread_listeners(conversation_id: int) -> list[int]:
    """Members whose badge a change in this conversation may move."""
    return list(
        Participant.objects.filter(
            conversation_id=conversation_id, state__in=VISIBLE_STATES
        ).values_list("user_id", flat=True)
    )
