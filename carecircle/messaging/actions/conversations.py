"""Every write to private conversations: starting, sending, editing, reading, requests,
leaving, blocking and muting, and a member's messaging settings.

Each action checks permission itself (the page, the API and the socket all call these), saves,
then schedules its broadcasts: the message to the conversation's stream and the new unread
counts to each affected member's own stream, both only after the transaction commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.accounts.models import User
from carecircle.core.errors import (
    ConflictError,
    DomainError,
    PermissionDeniedError,
    ValidationFailed,
)
from carecircle.core.ids import parse_id
from carecircle.core.models import ModerationState
from carecircle.core.ratelimit import check_rate
from carecircle.core.realtime import broadcast, revoke_access, send_now
from carecircle.messaging.actions.common import (
    after_message_saved,
    attachments_of,
    clean_body,
    clean_client_id,
    existing_send,
    message_payload,
    render_body,
    screen_message,
    visible_to_all,
)
from carecircle.messaging.models import (
    Conversation,
    MemberBlock,
    Message,
    MessagingSettings,
    Participant,
)
from carecircle.messaging.permissions import conversations as permissions
from carecircle.messaging.queries import conversations as queries
from carecircle.moderation import enforcement
from carecircle.notifications import events
from carecircle.uploads.attachments import AttachmentChoice, attach_to_message, check_choices

TITLE_MAX = 120
SEND_RATE = "30/m"
START_RATE = "20/h"
# Writing to people who never chose to hear from you is limited more tightly.
REQUEST_RATE = "5/h"
ADD_RATE = "30/h"
TYPING_RATE = "1/3s"


def stream_of(conversation: Any) -> str:
    return f"conversation:{conversation.pk}"


def refresh_unread(member_ids: Iterable[int]) -> None:
    """After commit, recount these members' unread conversations and tell their sockets."""
    ids = sorted({int(member_id) for member_id in member_ids if member_id})
    if not ids:
        return

    def run() -> None:
        queries.forget_unread(ids)
        for member_id in ids:
            count = queries.count_unread(member_id)
            queries.store_unread(member_id, count)
            # Already after the commit: `broadcast` would only defer it again.
            send_now(f"user:{member_id}", {"type": "unread", "conversations": count})

    transaction.on_commit(run)


def _place(actor: Any, conversation: Conversation) -> Participant | None:
    return Participant.objects.filter(conversation_id=conversation.pk, user_id=actor.pk).first()


def _clean_title(title: Any) -> str:
    text = " ".join((title if isinstance(title, str) else "").split())
    if len(text) > TITLE_MAX:
        raise ValidationFailed(
            _("A conversation name can be at most %(max)d characters.") % {"max": TITLE_MAX},
            field="title",
        )
    return text


def _check_group_size(count: int) -> None:
    limit = permissions.max_members()
    if count > limit:
        raise ValidationFailed(
            _("A conversation can have at most %(max)d people, you included.") % {"max": limit},
            field="to",
        )


def direct_key(first: Any, second: Any) -> str:
    low, high = sorted([int(first.pk), int(second.pk)])
    return f"{low}:{high}"


# --- starting ------------------------------------------------------------------------------


def start_conversation(
    *,
    actor: Any,
    recipients: list[Any],
    title: str = "",
    body: str = "",
    client_id: Any = None,
    confirmed: bool = False,
) -> Conversation:
    """Start a conversation with one member (reusing the one the two already have) or a group.

    Each recipient must be messageable by the actor; a recipient who shares no community with
    the actor (or, by their setting, has never talked with them) gets a message request
    instead. With `body` the first message is sent at once. Retried with the same `client_id`,
    it returns the conversation of the message already stored (also when both copies arrive
    at once: the second waits for the first on the actor's row, then finds its message).
    """
    permissions.check_signed_in(actor)
    # Checked here too, not only by screening: a conversation started without a first message
    # never reaches the gate, and a site ban must still stop it.
    enforcement.check_not_restricted(actor, None)
    client_uuid = clean_client_id(client_id)
    already = _started_with(actor, client_uuid)
    if already is not None:
        return already
    people: dict[int, Any] = {}
    for recipient in recipients:
        if recipient is not None and recipient.pk != actor.pk:
            people.setdefault(recipient.pk, recipient)
    if not people:
        raise ValidationFailed(_("Please choose who to write to."), field="to")
    _check_group_size(len(people) + 1)
    for recipient in people.values():
        permissions.check_can_message(actor, recipient)
        permissions.check_trust_for_stranger(actor, recipient)
    clean_title = _clean_title(title)
    text = clean_body(body) if body else ""
    if text:
        # Screened before anything is created: a refusal or a confirmation question must not
        # leave an empty conversation behind.
        screen_message(actor=actor, community=None, text=text, confirmed=confirmed)
    as_request = {
        pk for pk, person in people.items() if permissions.arrives_as_request(actor, person)
    }

    with transaction.atomic():
        if client_uuid is not None:
            User.objects.select_for_update().only("pk").get(pk=actor.pk)
            already = _started_with(actor, client_uuid)
            if already is not None:
                return already
        if len(people) == 1:
            other = next(iter(people.values()))
            existing = Conversation.objects.filter(direct_key=direct_key(actor, other)).first()
            if existing is None:
                _count_start(actor, as_request)
                existing = _create_direct(actor, other, other.pk in as_request)
                _tell_requested(existing)
            else:
                _reopen_direct(actor, existing)
            conversation = existing
        else:
            _count_start(actor, as_request)
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.GROUP, title=clean_title, created_by=actor
            )
            # The people who start a conversation read all of it (history from 0).
            Participant.objects.bulk_create(
                [Participant(conversation=conversation, user=actor, added_by=actor)]
                + [
                    Participant(
                        conversation=conversation,
                        user=person,
                        added_by=actor,
                        state=Participant.State.REQUESTED
                        if pk in as_request
                        else Participant.State.ACTIVE,
                    )
                    for pk, person in people.items()
                ]
            )
            _tell_requested(conversation)
        if text:
            message = send_message(
                actor=actor,
                conversation=conversation,
                body=text,
                client_id=client_uuid,
                confirmed=confirmed,
            )
            conversation.gate_result = getattr(message, "gate_result", None)  # type: ignore[attr-defined]
    return conversation


def _tell_requested(conversation: Conversation) -> None:
    """Tell the members a new conversation reaches as a message request."""
    waiting = Participant.objects.filter(
        conversation_id=conversation.pk, state=Participant.State.REQUESTED
    ).select_related("added_by")
    for waiting_place in waiting:
        events.message_requested(conversation, waiting_place)


def _started_with(actor: Any, client_uuid: uuid.UUID | None) -> Conversation | None:
    """The conversation of the message the actor already sent under `client_uuid`, if any."""
    already = existing_send(actor, client_uuid)
    if already is None or already.conversation_id is None:
        return None
    return queries.get_conversation(actor, already.conversation_id)


def _count_start(actor: Any, as_request: set[int]) -> None:
    check_rate(scope="conversation-start", key=str(actor.pk), rate=START_RATE)
    if as_request:
        check_rate(scope="message-request", key=str(actor.pk), rate=REQUEST_RATE)


def _create_direct(actor: Any, other: Any, as_request: bool) -> Conversation:
    key = direct_key(actor, other)
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key, created_by=actor
            )
            Participant.objects.bulk_create(
                [
                    Participant(conversation=conversation, user=actor, added_by=actor),
                    Participant(
                        conversation=conversation,
                        user=other,
                        added_by=actor,
                        state=Participant.State.REQUESTED
                        if as_request
                        else Participant.State.ACTIVE,
                    ),
                ]
            )
    except IntegrityError:
        # Both started it at the same moment: there is one conversation, theirs.
        found = Conversation.objects.filter(direct_key=key).first()
        if found is None:
            raise
        _reopen_direct(actor, found)
        return found
    return conversation


def _reopen_direct(actor: Any, conversation: Conversation) -> None:
    """Writing to someone again makes the conversation the actor's own again (a request they
    had not answered, or had declined, counts as accepted)."""
    place = _place(actor, conversation)
    if place is not None and place.state != Participant.State.ACTIVE:
        Participant.objects.filter(pk=place.pk).update(
            state=Participant.State.ACTIVE,
            answered_at=timezone.now(),
            last_read_message_id=conversation.last_message_id,
        )
        refresh_unread([actor.pk])


# --- messages ------------------------------------------------------------------------------


def send_message(
    *,
    actor: Any,
    conversation: Conversation,
    body: str,
    client_id: Any = None,
    confirmed: bool = False,
    attachments: Sequence[AttachmentChoice] = (),
) -> Message:
    """Send a message; sent again with the same `client_id` it returns the stored one.

    `attachments` are the author's waiting uploads (each picture described or marked
    decorative), checked before anything is saved; with attachments the text may be empty.

    Only active participants write; in a one-to-one conversation, not once either of the two
    blocked the other. Sending counts as having read the conversation. The conversation's row
    is locked before the message is inserted, so within a conversation ids commit in order
    and a client catching up "after" an id misses none.

    The moderation gate runs first (ConfirmationNeeded for personal details or risky medical
    claims until sent with `confirmed=True`); a message it holds for approval is stored but
    reaches only its author. The gate's result is on `message.gate_result`.
    """
    permissions.check_signed_in(actor)
    client_uuid = clean_client_id(client_id)
    stored = _stored_send(actor, conversation, client_uuid)
    if stored is not None:
        return stored
    place = _place(actor, conversation)
    permissions.check_can_write(actor, conversation, place)
    assert place is not None
    text = clean_body(body, allow_empty=bool(attachments))
    check_choices(actor=actor, choices=attachments)
    result = screen_message(actor=actor, community=None, text=text, confirmed=confirmed)
    text = clean_body(result.text, allow_empty=bool(attachments))
    check_rate(scope="message-send", key=str(actor.pk), rate=SEND_RATE)
    html = render_body(text) if text else ""
    with transaction.atomic():
        _lock(conversation)
        stored = _stored_send(actor, conversation, client_uuid)
        if stored is not None:
            return stored
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    conversation=conversation,
                    author=actor,
                    client_id=client_uuid,
                    body=text,
                    body_html=html,
                    moderation_state=result.moderation_state,
                )
        except IntegrityError:
            # The same send arrived twice at once: the first one stored is the answer.
            stored = _stored_send(actor, conversation, client_uuid)
            if stored is None:
                raise
            return stored
        message.attached_uploads = (  # type: ignore[attr-defined]
            attach_to_message(actor=actor, message=message, choices=attachments)
            if attachments
            else []
        )
        after_message_saved(actor=actor, community=None, result=result, message=message)
        message.gate_result = result  # type: ignore[attr-defined]
        if not visible_to_all(message):
            # Held for a moderator: nobody else is told, nothing counts as unread.
            return message
        Conversation.objects.filter(pk=conversation.pk, last_message_id__lt=message.pk).update(
            last_message_id=message.pk, last_message_at=message.created_at
        )
        conversation.last_message_id = message.pk
        conversation.last_message_at = message.created_at
        Participant.objects.filter(pk=place.pk).update(
            last_read_message_id=Greatest(F("last_read_message_id"), message.pk)
        )
        broadcast(
            stream_of(conversation), {"type": "message.new", "message": message_payload(message)}
        )
        refresh_unread(queries.unread_listeners(conversation.pk))
        events.message_sent(message)
        # Sending counts as having read the conversation, its notifications included.
        _read_notifications(actor, conversation)
    return message


def _read_notifications(actor: Any, conversation: Conversation) -> None:
    from carecircle.notifications.actions import mark_read_for

    mark_read_for(actor=actor, conversation_id=conversation.pk)


def _lock(conversation: Conversation) -> int:
    """Lock the conversation's row until the transaction ends; its last message id."""
    return int(
        Conversation.objects.select_for_update()
        .values_list("last_message_id", flat=True)
        .get(pk=conversation.pk)
    )


def _stored_send(actor: Any, conversation: Conversation, client_uuid: uuid.UUID | None) -> Any:
    stored = existing_send(actor, client_uuid)
    if stored is not None and stored.conversation_id != conversation.pk:
        raise ConflictError(
            _("That message id was already used for another message."), field="client_id"
        )
    return stored


def edit_message(
    *,
    actor: Any,
    message: Message,
    body: str,
    confirmed: bool = False,
    remove_attachments: Sequence[Any] = (),
) -> Message:
    """Change the words of one's own message (not once deleted), and take away any of its
    files (`remove_attachments`: their ids, as ints or digit strings); everyone sees "edited".

    Changed words pass the moderation gate like a new message; unchanged words are not screened
    again when only files are removed. The files that stay keep their order and descriptions;
    the removed ones are let go (attached to nothing, the cleanup job deletes them). A message
    needs words or a file: one left with neither is refused (deleting it is the way).
    """
    permissions.check_signed_in(actor)
    conversation = _conversation_of(message)
    permissions.check_can_change_message(actor, message, _place(actor, conversation))
    current = attachments_of(message)
    removing = _files_to_remove(current, remove_attachments)
    keeping = [upload for upload in current if upload.pk not in removing]
    # Words may go while the message has a file; all of its files too only if words stay.
    text = clean_body(body, allow_empty=bool(current))
    if not text and not keeping:
        raise ValidationFailed(
            _(
                "A message needs words or a file. To take everything away, delete the "
                "message instead."
            ),
            code="message_empty",
            field="remove_attachments",
        )
    words_changed = text != message.body
    if not words_changed and not removing:
        return message
    result = None
    if words_changed:
        result = screen_message(
            actor=actor, community=None, text=text, confirmed=confirmed, is_edit=True
        )
        text = clean_body(result.text, allow_empty=bool(keeping))
    check_rate(scope="message-send", key=str(actor.pk), rate=SEND_RATE)
    with transaction.atomic():
        message.edited_at = timezone.now()
        fields = ["edited_at"]
        if result is not None:
            message.body = text
            message.body_html = render_body(text)
            if result.moderation_state != ModerationState.VISIBLE:
                message.moderation_state = ModerationState.HIDDEN
            fields += ["body", "body_html", "moderation_state"]
        message.save(update_fields=fields)
        if removing:
            message.attached_uploads = attach_to_message(  # type: ignore[attr-defined]
                actor=actor,
                message=message,
                choices=[
                    AttachmentChoice(
                        upload_id=upload.pk,
                        alt_text=upload.alt_text,
                        is_decorative=upload.is_decorative,
                    )
                    for upload in keeping
                ],
            )
        else:
            message.attached_uploads = current  # type: ignore[attr-defined]
        if result is not None:
            after_message_saved(actor=actor, community=None, result=result, message=message)
        if visible_to_all(message):
            broadcast(
                stream_of(conversation),
                {"type": "message.edited", "message": message_payload(message)},
            )
    message.gate_result = result  # type: ignore[attr-defined]
    return message


def _files_to_remove(current: Sequence[Any], wanted: Sequence[Any]) -> set[int]:
    """The ids of the message's files the author asked to remove; ValidationFailed when any id
    is not one of them (the same answer for any other id: nothing is told about other files)."""
    ids = {upload.pk for upload in current}
    chosen = {parse_id(raw) for raw in wanted}
    if not chosen <= ids:  # None (not an id) is never among them
        raise ValidationFailed(
            _("One of the files to remove is not in this message. Reload the page and try again."),
            code="attachment_not_in_message",
            field="remove_attachments",
        )
    return {upload_id for upload_id in chosen if upload_id is not None}


def delete_message(*, actor: Any, message: Message) -> Message:
    """Delete one's own message: it keeps its place, its words and files are gone for everyone
    (the files wait with their owner until the cleanup job removes them)."""
    permissions.check_signed_in(actor)
    conversation = _conversation_of(message)
    permissions.check_can_change_message(actor, message, _place(actor, conversation))
    with transaction.atomic():
        message.body = ""
        message.body_html = ""
        message.deleted_at = timezone.now()
        message.deleted_by = actor
        message.save(update_fields=["body", "body_html", "deleted_at", "deleted_by"])
        attach_to_message(actor=actor, message=message, choices=())
        if not visible_to_all(message):
            # Held for a moderator: the others never saw it, so they are not told it went.
            return message
        broadcast(
            stream_of(conversation),
            {"type": "message.deleted", "message": message_payload(message)},
        )
        refresh_unread(queries.unread_listeners(conversation.pk))
    return message


def _conversation_of(message: Message) -> Conversation:
    if message.conversation_id is None:
        raise permissions.not_available()
    return message.conversation  # type: ignore[return-value]


def mark_read(*, actor: Any, conversation: Conversation, message_id: Any) -> int:
    """Mark the conversation read up to `message_id`; returns the actor's read marker.

    Markers only move forward, and only over messages the actor may read (not those from
    before they were added). Members who share read receipts tell the others ("seen"); the
    event carries where the reader's history starts, so nobody is shown as having seen a
    message from before it.
    """
    permissions.check_signed_in(actor)
    place = _place(actor, conversation)
    if place is None or place.state != Participant.State.ACTIVE:
        raise permissions.not_available()
    try:
        wanted = int(message_id)
    except (TypeError, ValueError):
        raise ValidationFailed(_("That message id is not valid."), field="message_id") from None
    newest = (
        Conversation.objects.filter(pk=conversation.pk)
        .values_list("last_message_id", flat=True)
        .first()
    ) or 0
    target = min(wanted, newest)
    if target <= max(place.last_read_message_id, place.history_from_message_id):
        return place.last_read_message_id
    with transaction.atomic():
        moved = Participant.objects.filter(pk=place.pk, last_read_message_id__lt=target).update(
            last_read_message_id=target
        )
        if target >= newest:
            # Read to the end: the bell's lines about this conversation are read too.
            _read_notifications(actor, conversation)
        if moved:
            if queries.shares_read_receipts(actor):
                broadcast(
                    stream_of(conversation),
                    {
                        "type": "read",
                        "user": {"handle": actor.handle, "display_name": actor.display_name},
                        "message_id": target,
                        "history_from": place.history_from_message_id,
                    },
                )
            refresh_unread([actor.pk])
    return max(target, place.last_read_message_id)


def send_typing(*, actor: Any, conversation: Conversation) -> bool:
    """Tell the others the actor is typing (never stored); False when throttled."""
    permissions.check_can_write(actor, conversation, _place(actor, conversation))
    # A banned or suspended member may not write, so they are not shown as writing either.
    enforcement.check_not_restricted(actor, None)
    try:
        check_rate(scope="message-typing", key=f"{actor.pk}:{conversation.pk}", rate=TYPING_RATE)
    except DomainError:
        return False
    broadcast(
        stream_of(conversation),
        {"type": "typing", "user": {"handle": actor.handle, "display_name": actor.display_name}},
    )
    return True


# --- requests, leaving, adding people ------------------------------------------------------


def _requested_place(actor: Any, conversation: Conversation) -> Participant:
    permissions.check_signed_in(actor)
    place = _place(actor, conversation)
    if place is None or place.state not in queries.VISIBLE_STATES:
        raise queries.not_found()
    if place.state != Participant.State.REQUESTED:
        raise ConflictError(_("This request was already answered."), code="not_pending")
    return place


def accept_request(*, actor: Any, conversation: Conversation) -> Participant:
    """Accept a message request: the conversation moves to the inbox and can be answered."""
    place = _requested_place(actor, conversation)
    with transaction.atomic():
        place.state = Participant.State.ACTIVE
        place.answered_at = timezone.now()
        # Reading the request before answering it was reading the messages.
        place.last_read_message_id = max(
            place.last_read_message_id,
            Conversation.objects.values_list("last_message_id", flat=True).get(pk=conversation.pk),
        )
        place.save(update_fields=["state", "answered_at", "last_read_message_id"])
        refresh_unread([actor.pk])
        _read_notifications(actor, conversation)
    return place


def decline_request(*, actor: Any, conversation: Conversation) -> Participant:
    """Decline a message request. Silent: nobody is told, the sender's view does not change."""
    place = _requested_place(actor, conversation)
    with transaction.atomic():
        place.state = Participant.State.DECLINED
        place.answered_at = timezone.now()
        place.save(update_fields=["state", "answered_at"])
        revoke_access(stream_of(conversation), [actor.pk])
        refresh_unread([actor.pk])
        _read_notifications(actor, conversation)
    return place


def leave_conversation(*, actor: Any, conversation: Conversation) -> Participant:
    """Leave a group conversation: it disappears for the actor and their open pages stop."""
    permissions.check_signed_in(actor)
    place = _place(actor, conversation)
    if place is None or place.state not in queries.VISIBLE_STATES:
        raise queries.not_found()
    if conversation.kind != Conversation.Kind.GROUP:
        raise PermissionDeniedError(
            _("You can leave group conversations. To stop hearing from one member, mute or "
              "block them."),
            code="not_group",
        )  # fmt: skip
    with transaction.atomic():
        place.state = Participant.State.LEFT
        place.left_at = timezone.now()
        place.save(update_fields=["state", "left_at"])
        revoke_access(stream_of(conversation), [actor.pk], reason="left")
        refresh_unread([actor.pk])
    return place


def add_people(*, actor: Any, conversation: Conversation, members: list[Any]) -> list[Participant]:
    """Add members to a group conversation, up to its size limit.

    The same rules as starting one apply: nobody who blocked the actor, a request for
    strangers. Someone who left is asked again with a request; everyone already listed is
    left as they are. Whoever is added (or added back) reads only what is said from now on:
    their history starts at the conversation's last message, read under the row lock that
    sends take, so no message slips in between.
    """
    place = _place(actor, conversation)
    permissions.check_can_add_people(actor, conversation, place)
    # Adding people starts new contact: not for a member the site has banned or suspended.
    enforcement.check_not_restricted(actor, None)
    people: dict[int, Any] = {}
    for member in members:
        if member is not None and member.pk != actor.pk:
            people.setdefault(member.pk, member)
    if not people:
        raise ValidationFailed(_("Please choose who to add."), field="to")
    for person in people.values():
        permissions.check_can_message(actor, person)
    places = {
        existing.user_id: existing
        for existing in Participant.objects.filter(conversation_id=conversation.pk)
    }
    listed = {pk for pk, existing in places.items() if existing.state in queries.LISTED_STATES}
    new = [pk for pk in people if pk not in listed]
    if not new:
        raise ConflictError(_("They are already in this conversation."), field="to")
    _check_group_size(len(listed) + len(new))
    check_rate(scope="conversation-add", key=str(actor.pk), rate=ADD_RATE)
    added: list[Participant] = []
    with transaction.atomic():
        history_from = _lock(conversation)
        for pk in new:
            person = people[pk]
            state = (
                Participant.State.REQUESTED
                if pk in places or permissions.arrives_as_request(actor, person)
                else Participant.State.ACTIVE
            )
            if pk in places:
                again = places[pk]
                again.state = state
                again.added_by = actor
                again.left_at = None
                again.answered_at = None
                again.history_from_message_id = history_from
                again.save(
                    update_fields=[
                        "state",
                        "added_by",
                        "left_at",
                        "answered_at",
                        "history_from_message_id",
                    ]
                )
                added.append(again)
            else:
                added.append(
                    Participant.objects.create(
                        conversation=conversation,
                        user=person,
                        added_by=actor,
                        state=state,
                        history_from_message_id=history_from,
                    )
                )
        for added_place in added:
            if added_place.state == Participant.State.REQUESTED:
                events.message_requested(conversation, added_place)
        refresh_unread(new)
    return added


def set_conversation_muted(*, actor: Any, conversation: Conversation, is_muted: bool) -> None:
    """Mute a conversation (no unread badge from it) or unmute it."""
    permissions.check_signed_in(actor)
    place = _place(actor, conversation)
    if place is None or place.state != Participant.State.ACTIVE:
        raise queries.not_found()
    with transaction.atomic():
        Participant.objects.filter(pk=place.pk).update(is_muted=bool(is_muted))
        refresh_unread([actor.pk])


# --- blocking and muting members -----------------------------------------------------------


def block_member(*, actor: Any, member: Any, level: str = MemberBlock.Level.BLOCK) -> MemberBlock:
    """Mute a member (no badge from them, their requests wait silently) or block them (they
    can no longer message or mention the actor, nor see when they are online). Private: the
    member is never told."""
    permissions.check_signed_in(actor)
    if level not in MemberBlock.Level.values:
        raise ValidationFailed(_("Please choose mute or block."), field="level")
    if member is None or member.pk == actor.pk:
        raise ValidationFailed(_("You cannot block or mute yourself."), field="member")
    with transaction.atomic():
        block, _created = MemberBlock.objects.update_or_create(
            blocker=actor, blocked=member, defaults={"level": level}
        )
        refresh_unread([actor.pk])
    return block


def unblock_member(*, actor: Any, member: Any) -> bool:
    """Lift a mute or block; True when there was one."""
    permissions.check_signed_in(actor)
    with transaction.atomic():
        removed, _detail = MemberBlock.objects.filter(blocker=actor, blocked=member).delete()
        if removed:
            refresh_unread([actor.pk])
    return bool(removed)


# --- settings ------------------------------------------------------------------------------


def update_messaging_settings(
    *, actor: Any, requests_from: str, shares_read_receipts: bool
) -> MessagingSettings:
    """Save the member's messaging choices (no row is kept while they match the defaults)."""
    permissions.check_signed_in(actor)
    if requests_from not in MessagingSettings.RequestsFrom.values:
        raise ValidationFailed(
            _("Please choose who needs your permission to message you."), field="requests_from"
        )
    defaults = MessagingSettings(user_id=actor.pk)
    with transaction.atomic():
        if (
            requests_from == defaults.requests_from
            and bool(shares_read_receipts) == defaults.shares_read_receipts
        ):
            MessagingSettings.objects.filter(user_id=actor.pk).delete()
            return defaults
        chosen, _created = MessagingSettings.objects.update_or_create(
            user_id=actor.pk,
            defaults={
                "requests_from": requests_from,
                "shares_read_receipts": bool(shares_read_receipts),
            },
        )
    return chosen


# --- reports (written by the moderation side) ----------------------------------------------


def report_conversation_message(
    *, actor: Any, message: Message, reason: str, note: str = ""
) -> Any:
    """Report a conversation message: `messaging.actions.reports.report_message` checks it."""
    from carecircle.messaging.actions.reports import report_message

    return report_message(actor=actor, message=message, reason=reason, note=note)
