"""Every write to community chat rooms: rooms, sessions, messages, moderation, presence, purge.

Sends are persisted first and broadcast after commit on the room's stream ("room:<id>"); the
stream handler (`carecircle.messaging.streams.rooms`) and the pages and API all call these.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.text import slugify
from django.utils.translation import gettext as _

from carecircle.accounts.privacy import is_presence_hidden
from carecircle.communities.models import Community, Membership
from carecircle.core.audit import record_event
from carecircle.core.errors import (
    ConflictError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationFailed,
)
from carecircle.core.markdown import find_mentions
from carecircle.core.ratelimit import check_rate
from carecircle.core.realtime import broadcast, revoke_access
from carecircle.messaging.actions.common import (
    after_message_saved,
    author_payload,
    clean_body,
    clean_client_id,
    existing_send,
    message_payload,
    render_body,
    screen_message,
    visible_to_all,
)
from carecircle.messaging.models import (
    ChatRoom,
    ChatSession,
    Message,
    MessageReport,
    RoomPresence,
    RoomRestriction,
)
from carecircle.messaging.permissions.rooms import (
    can_moderate_room,
    can_read_room,
    check_can_delete_room_message,
    check_can_manage_rooms,
    check_can_moderate_room,
    check_can_publish_transcript,
    check_can_use_rooms,
    check_can_write_in_room,
)
from carecircle.messaging.queries.rooms import (
    EARLY_OPEN,
    PRESENCE_FRESH,
    describe_time,
    local_time,
    room_state,
    session_messages,
)
from carecircle.uploads.attachments import AttachmentChoice, attach_to_message, check_choices

logger = logging.getLogger(__name__)

NAME_MIN, NAME_MAX = 3, 80
DESCRIPTION_MAX = 1000
TITLE_MIN, TITLE_MAX = 3, 120
RETENTION_MAX_DAYS = 3650
SLOW_MODE_MAX_SECONDS = 3600
SESSION_MAX = timedelta(hours=12)
# How far in the past a new session may start (a form sent in the minute it names).
START_GRACE = timedelta(minutes=1)
MUTE_MAX_MINUTES = 60 * 24 * 30
REASON_MAX = 300
# Per member across rooms: enough for a lively conversation, not for a flood.
SEND_RATE = "20/10s"
TYPING_EVERY_SECONDS = 3
PURGE_BATCH = 1000
# Presence rows left behind by a process that died are removed after this long.
STALE_PRESENCE = timedelta(hours=1)
# Transcripts: every kind of line break Markdown knows; an "@" that `find_mentions` would read
# as a mention, with the backslashes just before it (and what, just before, makes it none).
LINE_BREAK = re.compile(r"\r\n|\r|\n")
MENTION_AT = re.compile(r"(\\*)@(?=\w[\w.\-]{0,38}\w)")
MENTION_BLOCKED_BY = re.compile(r"[\w@/]")
AT_ENTITY = "&#64;"


def room_stream(room_id: int) -> str:
    return f"room:{room_id}"


# --- rooms ---------------------------------------------------------------------------------------


def _clean_text(value: Any, *, field: str, minimum: int, maximum: int, label: str) -> str:
    text = " ".join(str(value or "").split())
    if len(text) < minimum:
        raise ValidationFailed(
            _("Please give the %(label)s at least %(min)d characters.")
            % {"label": label, "min": minimum},
            field=field,
        )
    if len(text) > maximum:
        raise ValidationFailed(
            _("The %(label)s can be at most %(max)d characters.")
            % {"label": label, "max": maximum},
            field=field,
        )
    return text


def _clean_description(value: Any) -> str:
    text = str(value or "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise ValidationFailed(
            _("The description can be at most %(max)d characters.") % {"max": DESCRIPTION_MAX},
            field="description",
        )
    return text


def _clean_retention(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= RETENTION_MAX_DAYS:
        raise ValidationFailed(
            _("Keep messages for 1 to %(max)d days, or leave it empty to keep them.")
            % {"max": RETENTION_MAX_DAYS},
            field="retention_days",
        )
    return days


def _unique_slug(community: Community, name: str) -> str:
    base = slugify(name)[:70].strip("-") or "room"
    if base == "new":  # /chat/new/ is the page that opens a room
        base = "new-room"
    taken = set(
        ChatRoom.objects.filter(community=community, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def create_room(
    *,
    actor: Any,
    community: Community,
    name: str,
    description: str = "",
    retention_days: Any = None,
) -> ChatRoom:
    """Open a chat room in a community; its managers only. The web address comes from the name."""
    check_can_manage_rooms(actor, community)
    name = _clean_text(name, field="name", minimum=NAME_MIN, maximum=NAME_MAX, label=_("name"))
    description = _clean_description(description)
    days = _clean_retention(retention_days)
    if ChatRoom.objects.filter(community=community, name__iexact=name).exists():
        raise ConflictError(_("This community already has a room with that name."), field="name")
    with transaction.atomic():
        room = ChatRoom.objects.create(
            community=community,
            name=name,
            slug=_unique_slug(community, name),
            description=description,
            retention_days=days,
            created_by=actor,
        )
        record_event(
            actor=actor, verb="chat.room_create", target=room, retention_days=room.retention_days
        )
    return room


def update_room(
    *, actor: Any, room: ChatRoom, name: str, description: str, retention_days: Any
) -> ChatRoom:
    """Rename a room, change its description or how long its messages are kept; managers.

    A shorter retention applies from the next purge (within the hour)."""
    check_can_manage_rooms(actor, room.community)
    name = _clean_text(name, field="name", minimum=NAME_MIN, maximum=NAME_MAX, label=_("name"))
    description = _clean_description(description)
    days = _clean_retention(retention_days)
    if (
        ChatRoom.objects.filter(community_id=room.community_id, name__iexact=name)
        .exclude(pk=room.pk)
        .exists()
    ):
        raise ConflictError(_("This community already has a room with that name."), field="name")
    previous_days = room.retention_days
    with transaction.atomic():
        room.name, room.description, room.retention_days = name, description, days
        room.save(update_fields=["name", "description", "retention_days"])
        if previous_days != days:
            record_event(
                actor=actor,
                verb="chat.retention_change",
                target=room,
                previous=previous_days,
                retention_days=days,
            )
    return room


def set_room_archived(*, actor: Any, room: ChatRoom, is_archived: bool) -> ChatRoom:
    """Archive a room (read-only from then on) or bring it back; managers."""
    check_can_manage_rooms(actor, room.community)
    if room.is_archived == is_archived:
        return room
    with transaction.atomic():
        room.is_archived = is_archived
        room.save(update_fields=["is_archived"])
        record_event(
            actor=actor,
            verb="chat.room_archive" if is_archived else "chat.room_reopen",
            target=room,
        )
        broadcast(room_stream(room.pk), {"type": "room.archived", "is_archived": is_archived})
    return room


def set_room_slow_mode(*, actor: Any, room: ChatRoom, seconds: Any) -> ChatRoom:
    """Let each member send one message per `seconds` (0 turns it off); moderators are exempt."""
    check_can_moderate_room(actor, room)
    try:
        value = int(seconds)
    except (TypeError, ValueError):
        value = -1
    if not 0 <= value <= SLOW_MODE_MAX_SECONDS:
        raise ValidationFailed(
            _("Slow mode is 0 (off) to %(max)d seconds.") % {"max": SLOW_MODE_MAX_SECONDS},
            field="seconds",
        )
    if value == room.slow_mode_seconds:
        return room
    with transaction.atomic():
        previous = room.slow_mode_seconds
        room.slow_mode_seconds = value
        room.save(update_fields=["slow_mode_seconds"])
        record_event(
            actor=actor, verb="chat.slow_mode", target=room, previous=previous, seconds=value
        )
        broadcast(room_stream(room.pk), {"type": "room.slow_mode", "seconds": value})
    return room


# --- sessions ------------------------------------------------------------------------------------


def schedule_session(
    *,
    actor: Any,
    room: ChatRoom,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    publishes_transcript: bool = False,
) -> ChatSession:
    """Schedule a session; managers. From then on the room takes messages only from
    `EARLY_OPEN` before a session until its end. `publishes_transcript` is shown to everyone in
    the room during the session, and only such sessions can be published as a topic."""
    check_can_manage_rooms(actor, room.community)
    if room.is_archived:
        raise ConflictError(_("Bring the room back from the archive first."), code="archived")
    title = _clean_text(
        title, field="title", minimum=TITLE_MIN, maximum=TITLE_MAX, label=_("title")
    )
    if not isinstance(starts_at, datetime) or timezone.is_naive(starts_at):
        raise ValidationFailed(_("Please give the start date and time."), field="starts_at")
    if not isinstance(ends_at, datetime) or timezone.is_naive(ends_at):
        raise ValidationFailed(_("Please give the end date and time."), field="ends_at")
    now = timezone.now()
    # A session that started earlier would put words written before its notice existed in its
    # transcript; a minute's grace covers a form sent in the minute it names.
    if starts_at < now - START_GRACE:
        raise ValidationFailed(
            _("A session cannot start in the past. Please choose a time from now on."),
            field="starts_at",
        )
    if ends_at <= starts_at:
        raise ValidationFailed(_("The session must end after it starts."), field="ends_at")
    if ends_at - starts_at > SESSION_MAX:
        raise ValidationFailed(_("A session can last at most 12 hours."), field="ends_at")
    if ends_at <= now:
        raise ValidationFailed(_("That time is already over."), field="starts_at")
    overlapping = ChatSession.objects.filter(
        room=room, starts_at__lt=ends_at + EARLY_OPEN, ends_at__gt=starts_at - EARLY_OPEN
    ).first()
    if overlapping is not None:
        raise ConflictError(
            _("This overlaps “%(title)s” (%(time)s). Leave at least 10 minutes between sessions.")
            % {"title": overlapping.title, "time": describe_time(overlapping.starts_at, actor)},
            field="starts_at",
        )
    with transaction.atomic():
        session = ChatSession.objects.create(
            room=room,
            title=title,
            starts_at=starts_at,
            ends_at=ends_at,
            publishes_transcript=bool(publishes_transcript),
            created_by=actor,
        )
        record_event(
            actor=actor,
            verb="chat.session_schedule",
            target=session,
            room=room.pk,
            publishes_transcript=session.publishes_transcript,
        )
    return session


def cancel_session(*, actor: Any, session: ChatSession) -> None:
    """Cancel a session that has not started yet; managers."""
    room = session.room
    check_can_manage_rooms(actor, room.community)
    if session.starts_at - EARLY_OPEN <= timezone.now():
        raise ConflictError(
            _("This session has already started; it can no longer be cancelled."),
            code="started",
        )
    with transaction.atomic():
        record_event(actor=actor, verb="chat.session_cancel", target=session, room=room.pk)
        session.delete()


def transcript_markdown(session: ChatSession, messages: list[Message], *, reader: Any) -> list:
    """The transcript as Markdown entries (heading first), times in `reader`'s time zone.

    Each message's words are quoted line by line, so nothing a member wrote can pass for
    another entry, and no @handle in it is a mention: the topic is the publisher's, and must
    not notify anyone (not even someone who blocked the writer) on the writer's behalf."""
    zone = local_time(session.starts_at, reader).tzinfo
    start = local_time(session.starts_at, reader)
    end = local_time(session.ends_at, reader)
    heading = _(
        "Transcript of the chat session “%(title)s” in the room “%(room)s”, %(date)s, "
        "%(start)s–%(end)s (%(zone)s). Messages deleted during the session are left out."
    ) % {
        "title": _escape_markdown(session.title),
        "room": _escape_markdown(session.room.name),
        "date": format_date(start, "j F Y"),
        "start": format_date(start, "H:i"),
        "end": format_date(end, "H:i"),
        "zone": str(zone),
    }
    entries = [_without_mentions(heading)]
    for message in messages:
        name = message.author.display_name if message.author else _("A former member")
        time = format_date(local_time(message.created_at, reader), "H:i")
        # Every kind of line break: rows stored before bodies were normalised may hold a lone
        # "\r", which Markdown also breaks at.
        quoted = "\n".join(
            "> " + line if line.strip() else ">" for line in LINE_BREAK.split(message.body)
        )
        if not message.body:
            # Files shared in the room stay with the room: a transcript copies words only.
            quoted = "> " + _escape_markdown(_("(shared a file, not copied into the transcript)"))
        entries.append(_without_mentions(f"**{time} · {_escape_markdown(name)}**\n\n{quoted}"))
    return entries


def _escape_markdown(text: str) -> str:
    for character in "\\`*_[]<>#|~":
        text = text.replace(character, "\\" + character)
    return text


def _without_mentions(text: str) -> str:
    """`text` with every would-be @mention written as "&#64;handle": it still reads "@handle"
    once rendered, but `find_mentions` (so a post's mentions and notifications) no longer sees
    it. Inside code, where Markdown shows entities as typed, it reads "&#64;handle"."""

    def escape(match: re.Match[str]) -> str:
        backslashes = match.group(1)
        start = match.start()
        if not backslashes and start and MENTION_BLOCKED_BY.match(text[start - 1]):
            return match.group(0)  # not a mention ("a@b.org", "@@x", "/@x")
        # An odd run ends in "\@", Markdown's escaped "@": the entity replaces both.
        return backslashes[: len(backslashes) // 2 * 2] + AT_ENTITY

    escaped = MENTION_AT.sub(escape, text)
    if find_mentions(escaped):  # never publish a mention, whatever the text held
        escaped = escaped.replace("@", AT_ENTITY)
    return escaped


def publish_session_transcript(*, actor: Any, session: ChatSession) -> Any:
    """Publish an ended session's transcript as a topic in the community; managers, once, and
    only for sessions announced as published. Times are in the manager's time zone; the topic
    is posted by the manager (a long transcript continues in replies)."""
    from carecircle.discussions.actions import BODY_MAX as POST_MAX
    from carecircle.discussions.actions import create_topic, reply_to_topic

    room = session.room
    check_can_publish_transcript(actor, session, room)
    if session.published_topic_id is not None:
        raise ConflictError(_("This transcript is already published."), code="already_published")
    messages = session_messages(session)
    if not messages:
        raise ValidationFailed(
            _("There is nothing to publish: nobody wrote during this session."),
            code="empty_transcript",
        )
    parts: list[str] = []
    for entry in transcript_markdown(session, messages, reader=actor):
        if parts and len(parts[-1]) + 2 + len(entry) <= POST_MAX:
            parts[-1] += "\n\n" + entry
        else:
            parts.append(entry)
    title = _("Transcript: %(title)s (%(date)s)") % {
        "title": session.title,
        "date": format_date(local_time(session.starts_at, actor), "j M Y"),
    }
    with transaction.atomic():
        # The words were screened when each was sent (their writers confirmed anything the
        # gate asked about); the manager publishing them is not asked again.
        topic = create_topic(
            actor=actor, community=room.community, title=title, body=parts[0], confirmed=True
        )
        for part in parts[1:]:
            reply_to_topic(actor=actor, topic=topic, body=part, confirmed=True)
        claimed = ChatSession.objects.filter(pk=session.pk, published_topic__isnull=True).update(
            published_topic=topic
        )
        if not claimed:
            raise ConflictError(
                _("This transcript is already published."), code="already_published"
            )
        record_event(
            actor=actor,
            verb="chat.transcript_publish",
            target=session,
            room=room.pk,
            topic=topic.pk,
            messages=len(messages),
        )
    session.published_topic = topic
    return topic


# --- messages ------------------------------------------------------------------------------------


def _check_not_muted(actor: Any, room: ChatRoom, now: datetime) -> None:
    until = (
        RoomRestriction.objects.filter(room=room, user_id=actor.pk, until__gt=now)
        .values_list("until", flat=True)
        .first()
    )
    if until is not None:
        raise PermissionDeniedError(
            _("A moderator has paused your messages in this room until %(time)s.")
            % {"time": describe_time(until, actor)},
            code="muted",
        )


def _check_room_open(actor: Any, room: ChatRoom, now: datetime) -> None:
    state = room_state(room, now=now)
    if state.is_open:
        return
    if state.opens_at is not None:
        raise PermissionDeniedError(
            _("This room is open during its sessions. It opens again at %(time)s.")
            % {"time": describe_time(state.opens_at, actor)},
            code="room_closed",
        )
    raise PermissionDeniedError(
        _("This room is open during its sessions, and none is planned at the moment."),
        code="room_closed",
    )


def _check_slow_mode(actor: Any, room: ChatRoom, seconds: int, now: datetime) -> None:
    if not seconds or can_moderate_room(actor, room):
        return
    last = (
        Message.objects.filter(
            room=room, author_id=actor.pk, created_at__gt=now - timedelta(seconds=seconds)
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is not None:
        wait = max(1, int((last + timedelta(seconds=seconds) - now).total_seconds() + 0.999))
        raise RateLimitedError(
            _(
                "Slow mode is on: everyone can send one message every %(seconds)d seconds. "
                "You can send your next one in %(wait)d seconds."
            )
            % {"seconds": seconds, "wait": wait},
            code="slow_mode",
        )


def send_room_message(
    *,
    actor: Any,
    room: ChatRoom,
    body: Any,
    client_id: Any = None,
    confirmed: bool = False,
    attachments: Sequence[AttachmentChoice] = (),
) -> Message:
    """Send a message to a room and broadcast it after commit.

    `attachments` are the author's waiting uploads (each picture described or marked
    decorative), checked before anything is saved; with attachments the text may be empty.

    Idempotent by `client_id`: a retried send returns the stored message (also when two copies
    race). Checks, in order: the actor may read the room; then that it is not archived, they
    are not muted, the room is open (session window), the text; then, with the room's row
    locked, slow mode and the rate (a send slow mode refuses does not count towards the rate).
    The lock makes a member's sends in a room pass slow mode one at a time, and message ids
    commit in order within a room."""
    if not can_read_room(actor, room):
        _revoke_if_subscribed(actor, room)
        check_can_use_rooms(actor, room.community)
    client_uuid = clean_client_id(client_id)
    stored = existing_send(actor, client_uuid)
    if stored is not None:
        if stored.room_id != room.pk:
            raise ConflictError(
                _("That message id was already used for another message."), field="client_id"
            )
        stored.room = room
        return stored
    check_can_write_in_room(actor, room)
    now = timezone.now()
    _check_not_muted(actor, room, now)
    _check_room_open(actor, room, now)
    text = clean_body(body, allow_empty=bool(attachments))
    check_choices(actor=actor, choices=attachments)
    # The gate also refuses members suspended or banned from the room's community.
    result = screen_message(actor=actor, community=room.community, text=text, confirmed=confirmed)
    text = clean_body(result.text, allow_empty=bool(attachments))
    html = render_body(text) if text else ""
    try:
        with transaction.atomic():
            seconds = (
                ChatRoom.objects.select_for_update()
                .filter(pk=room.pk)
                .values_list("slow_mode_seconds", flat=True)
                .first()
            )
            if client_uuid is not None:
                # A copy of this send that held the lock first is answered as a retry.
                stored = existing_send(actor, client_uuid)
                if stored is not None and stored.room_id == room.pk:
                    stored.room = room
                    return stored
            _check_slow_mode(actor, room, seconds or 0, timezone.now())
            check_rate(scope="room_send", key=str(actor.pk), rate=SEND_RATE)
            message = Message.objects.create(
                room=room,
                author=actor,
                client_id=client_uuid,
                body=text,
                body_html=html,
                moderation_state=result.moderation_state,
            )
            message.attached_uploads = (  # type: ignore[attr-defined]
                attach_to_message(actor=actor, message=message, choices=attachments)
                if attachments
                else []
            )
            after_message_saved(
                actor=actor, community=room.community, result=result, message=message
            )
            message.gate_result = result  # type: ignore[attr-defined]
            if visible_to_all(message):
                broadcast(
                    room_stream(room.pk),
                    {"type": "message.new", "message": message_payload(message)},
                )
    except IntegrityError:
        stored = existing_send(actor, client_uuid)
        if stored is None or stored.room_id != room.pk:
            raise
        stored.room = room
        return stored
    return message


def delete_room_message(*, actor: Any, message: Message) -> Message:
    """Delete a message (its author, or a moderator): it keeps its place, not its words or
    files (they wait with their owner until the cleanup job removes them).
    A moderator's deletion of someone else's message is audited."""
    room = message.room
    assert room is not None
    check_can_delete_room_message(actor, message, room)
    if message.deleted_at is not None:
        return message
    by_moderator = message.author_id != actor.pk
    with transaction.atomic():
        message.deleted_at = timezone.now()
        message.deleted_by = actor
        message.body = ""
        message.body_html = ""
        message.save(update_fields=["deleted_at", "deleted_by", "body", "body_html"])
        attach_to_message(actor=actor, message=message, choices=())
        if by_moderator:
            record_event(
                actor=actor,
                verb="chat.message_delete",
                target=message,
                subject=message.author,
                room=room.pk,
            )
        broadcast(
            room_stream(room.pk), {"type": "message.deleted", "message": message_payload(message)}
        )
    return message


def signal_typing(*, actor: Any, room: ChatRoom) -> bool:
    """Tell the room the actor is typing (not stored); at most once per few seconds, never for
    members who hide their online status. Returns whether anything was sent."""
    if not cache.add(f"room-typing:{room.pk}:{actor.pk}", 1, TYPING_EVERY_SECONDS):
        return False
    if not can_read_room(actor, room) or room.is_archived or is_presence_hidden(actor):
        return False
    broadcast(
        room_stream(room.pk),
        {"type": "typing", "user_id": actor.pk, "user": author_payload(actor)},
    )
    return True


# --- moderation ----------------------------------------------------------------------------------


def restrict_room_member(
    *, actor: Any, room: ChatRoom, member: Any, minutes: Any, reason: str = ""
) -> RoomRestriction:
    """Stop a member writing in the room for `minutes` (a new mute replaces the last one);
    moderators, never on another moderator. Audited."""
    check_can_moderate_room(actor, room)
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MUTE_MAX_MINUTES:
        raise ValidationFailed(_("Choose a period from 1 minute to 30 days."), field="minutes")
    reason = " ".join(str(reason or "").split())[:REASON_MAX]
    # The member's own role, read here: the community object may carry the actor's membership.
    role = (
        Membership.objects.filter(community_id=room.community_id, user_id=member.pk)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise ValidationFailed(_("That person is not a member of this community."), field="member")
    if role != Membership.Role.MEMBER or getattr(member, "is_site_staff", False):
        raise ConflictError(_("Moderators cannot be muted."), field="member")
    until = timezone.now() + timedelta(minutes=minutes)
    with transaction.atomic():
        restriction, _created = RoomRestriction.objects.update_or_create(
            room=room,
            user=member,
            defaults={"until": until, "reason": reason, "restricted_by": actor},
        )
        record_event(
            actor=actor,
            verb="chat.room_mute",
            target=room,
            subject=member,
            minutes=minutes,
            until=until,
            reason=reason,
        )
        broadcast(
            room_stream(room.pk),
            {"type": "restriction", "user_id": member.pk, "until": until.isoformat()},
        )
    return restriction


def lift_room_restriction(*, actor: Any, room: ChatRoom, member: Any) -> None:
    """End a member's mute in the room now; moderators. Audited."""
    check_can_moderate_room(actor, room)
    with transaction.atomic():
        deleted, _counts = RoomRestriction.objects.filter(room=room, user_id=member.pk).delete()
        if deleted:
            record_event(actor=actor, verb="chat.room_unmute", target=room, subject=member)
            broadcast(
                room_stream(room.pk), {"type": "restriction", "user_id": member.pk, "until": None}
            )


# --- presence ------------------------------------------------------------------------------------


def _presence_event(kind: str, user: Any) -> dict:
    return {"type": kind, "user_id": user.pk, "member": author_payload(user)}


def _is_present(room_id: int, user_id: int, now: datetime) -> bool:
    return RoomPresence.objects.filter(
        room_id=room_id, user_id=user_id, last_seen_at__gte=now - PRESENCE_FRESH
    ).exists()


def enter_room(*, actor: Any, room: ChatRoom, channel_name: str, hidden: bool) -> None:
    """Record one socket of the actor in the room; the room hears of it when it is their first
    (unless they hide their online status)."""
    now = timezone.now()
    was_present = _is_present(room.pk, actor.pk, now)
    RoomPresence.objects.update_or_create(
        channel_name=channel_name,
        defaults={"room": room, "user": actor, "last_seen_at": now},
    )
    if not was_present and not hidden:
        broadcast(room_stream(room.pk), _presence_event("presence.joined", actor))


def leave_room(*, actor: Any, room_id: int, channel_name: str, hidden: bool) -> None:
    """Forget one socket; the room hears the actor left when it was their last one."""
    RoomPresence.objects.filter(channel_name=channel_name).delete()
    if not hidden and not _is_present(room_id, actor.pk, timezone.now()):
        broadcast(room_stream(room_id), _presence_event("presence.left", actor))


def refresh_presence(
    *, actor: Any, room_id: int, community_id: int, channel_name: str, hidden: bool
) -> tuple[bool, bool]:
    """The keep-alive of one socket: checks the actor still belongs (else their subscriptions to
    the room end now), follows a change of "hide my online status", keeps the row fresh and now
    and then clears rows of dead sockets. Returns (still allowed, hidden now)."""
    from carecircle.accounts.models import User

    now = timezone.now()
    row = (
        User.objects.filter(pk=actor.pk)
        .annotate(
            is_member=Exists(
                Membership.objects.filter(community_id=community_id, user_id=OuterRef("pk"))
            )
        )
        .values_list("is_active", "is_member", "profile__is_presence_hidden")
        .first()
    )
    allowed = bool(row and row[0] and (row[1] or getattr(actor, "is_site_staff", False)))
    if not allowed:
        revoke_access(room_stream(room_id), [actor.pk], reason="not_member")
        leave_room(actor=actor, room_id=room_id, channel_name=channel_name, hidden=hidden)
        return False, hidden
    hidden_now = bool(row and row[2])
    if hidden_now != hidden:
        kind = "presence.left" if hidden_now else "presence.joined"
        broadcast(room_stream(room_id), _presence_event(kind, actor))
    touched = RoomPresence.objects.filter(channel_name=channel_name).update(last_seen_at=now)
    if not touched:
        RoomPresence.objects.create(
            room_id=room_id, user_id=actor.pk, channel_name=channel_name, last_seen_at=now
        )
    if cache.add(f"room-presence-sweep:{room_id}", 1, int(PRESENCE_FRESH.total_seconds())):
        _sweep_room_presence(room_id, now)
    return True, hidden_now


def _sweep_room_presence(room_id: int, now: datetime) -> None:
    """Remove rows of sockets that stopped refreshing and tell the room who is gone."""
    cutoff = now - PRESENCE_FRESH
    stale = list(
        RoomPresence.objects.filter(room_id=room_id, last_seen_at__lt=cutoff)
        .exclude(
            user_id__in=RoomPresence.objects.filter(
                room_id=room_id, last_seen_at__gte=cutoff
            ).values("user_id")
        )
        .values_list(
            "user_id", "user__handle", "user__display_name", "user__profile__is_presence_hidden"
        )
        .distinct()
    )
    RoomPresence.objects.filter(room_id=room_id, last_seen_at__lt=cutoff).delete()
    for user_id, handle, display_name, hidden in stale:
        if not hidden:
            broadcast(
                room_stream(room_id),
                {
                    "type": "presence.left",
                    "user_id": user_id,
                    "member": {"handle": handle, "display_name": display_name},
                },
            )


def _revoke_if_subscribed(actor: Any, room: ChatRoom) -> None:
    """A member who lost access (left, removed) stops following the room on every socket."""
    if getattr(actor, "is_authenticated", False):
        revoke_access(room_stream(room.pk), [actor.pk], reason="not_member")


# --- retention -----------------------------------------------------------------------------------


def purge_chat_history(*, now: datetime | None = None) -> int:
    """Delete room messages older than their room's retention (rooms without one keep theirs),
    except messages with a report still open; and presence rows of long-dead sockets.
    Idempotent; returns how many messages were deleted."""
    now = now or timezone.now()
    open_report = MessageReport.objects.filter(
        message_id=OuterRef("pk"), status=MessageReport.Status.OPEN
    )
    deleted = 0
    for room_id, days in ChatRoom.objects.filter(retention_days__isnull=False).values_list(
        "pk", "retention_days"
    ):
        cutoff = now - timedelta(days=days or 0)
        expired = Message.objects.filter(room_id=room_id, created_at__lt=cutoff).filter(
            ~Exists(open_report)
        )
        while True:
            batch = list(expired.order_by("id").values_list("pk", flat=True)[:PURGE_BATCH])
            if not batch:
                break
            with transaction.atomic():
                # Again here: a report filed since the batch was read keeps its message.
                _total, counts = (
                    Message.objects.filter(pk__in=batch).filter(~Exists(open_report)).delete()
                )
            count = counts.get(Message._meta.label, 0)
            deleted += count
            if count == 0:
                break
    RoomPresence.objects.filter(last_seen_at__lt=now - STALE_PRESENCE).delete()
    if deleted:
        logger.info("Chat history purge deleted %d expired messages", deleted)
    return deleted
