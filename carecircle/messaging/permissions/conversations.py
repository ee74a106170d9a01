"""Who may message whom, and what a participant may do in a private conversation.

A refusal to message a member reads the same whether they blocked the sender, are in memory
of someone who died, or closed their account: the sender learns nothing beyond "not possible".
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from carecircle.core.errors import PermissionDeniedError
from carecircle.messaging.models import (
    Conversation,
    MemberBlock,
    Message,
    MessagingSettings,
    Participant,
)

DEFAULT_MAX_MEMBERS = 10


def max_members() -> int:
    """How many people a group conversation may hold, its starter included."""
    return int(getattr(settings, "CARECIRCLE_CONVERSATION_MAX_MEMBERS", DEFAULT_MAX_MEMBERS))


def is_signed_in(actor: Any) -> bool:
    return bool(
        getattr(actor, "is_authenticated", False)
        and actor.is_active
        and getattr(actor, "memorialised_at", None) is None
    )


def check_signed_in(actor: Any) -> None:
    if not is_signed_in(actor):
        raise PermissionDeniedError(_("Please sign in first."), code="not_authenticated")


def cannot_message() -> PermissionDeniedError:
    return PermissionDeniedError(
        _("You can't send messages to this member."), code="cannot_message", field="to"
    )


def is_reachable(member: Any) -> bool:
    """Whether a member's account can receive messages at all (active, not in memory)."""
    return bool(
        member is not None
        and getattr(member, "pk", None)
        and member.is_active
        and member.memorialised_at is None
    )


def can_message(actor: Any, recipient: Any) -> bool:
    """True when `actor` may send `recipient` a private message (or a request)."""
    if not is_signed_in(actor) or not is_reachable(recipient) or recipient.pk == actor.pk:
        return False
    return not MemberBlock.objects.filter(
        level=MemberBlock.Level.BLOCK, blocker_id=recipient.pk, blocked_id=actor.pk
    ).exists()


def check_can_message(actor: Any, recipient: Any) -> None:
    check_signed_in(actor)
    if not can_message(actor, recipient):
        raise cannot_message()
    if MemberBlock.objects.filter(
        level=MemberBlock.Level.BLOCK, blocker_id=actor.pk, blocked_id=recipient.pk
    ).exists():
        raise PermissionDeniedError(
            _("You blocked this member. Unblock them to send them messages."),
            code="you_blocked",
            field="to",
        )


def shares_a_community(first: Any, second: Any) -> bool:
    from carecircle.communities.models import Membership

    return Membership.objects.filter(
        user_id=first.pk, community__memberships__user_id=second.pk
    ).exists()


def have_talked(first: Any, second: Any) -> bool:
    """Whether `second` has ever taken part, by choice, in a conversation with `first`."""
    return Participant.objects.filter(
        user_id=second.pk,
        state__in=[Participant.State.ACTIVE, Participant.State.LEFT],
        conversation__participants__user_id=first.pk,
    ).exists()


def has_messaged(sender: Any, recipient: Any) -> bool:
    """Whether `sender` ever wrote a message in a conversation `recipient` takes part in."""
    return Message.objects.filter(
        author_id=sender.pk, conversation__participants__user_id=recipient.pk
    ).exists()


def moderates_a_shared_community(moderator: Any, member: Any) -> bool:
    from carecircle.communities.models import Membership

    return Membership.objects.filter(
        user_id=moderator.pk,
        role__in=[Membership.Role.MODERATOR, Membership.Role.MANAGER],
        community__memberships__user_id=member.pk,
    ).exists()


def is_stranger_to(actor: Any, recipient: Any) -> bool:
    """A stranger: has never messaged the actor and moderates no community they share."""
    if getattr(recipient, "is_site_staff", False):
        return False
    return not has_messaged(recipient, actor) and not moderates_a_shared_community(recipient, actor)


def can_start_with(actor: Any, recipient: Any) -> bool:
    """New members (trust level 0) may not open a conversation with a stranger (spam guard)."""
    from carecircle.moderation.queries import trust_level_of

    if trust_level_of(actor) > 0:
        return True
    return not is_stranger_to(actor, recipient)


def check_trust_for_stranger(actor: Any, recipient: Any) -> None:
    if not can_start_with(actor, recipient):
        raise PermissionDeniedError(
            _(
                "New members can't start a conversation with someone they don't know yet. "
                "Reply to someone who wrote to you, write to a moderator, or take part in "
                "your communities for a few days first."
            ),
            code="trust_level_too_low",
            field="to",
        )


def arrives_as_request(sender: Any, recipient: Any) -> bool:
    """Whether a new conversation from `sender` reaches `recipient` as a message request.

    From strangers (no shared community) always; with the recipient's setting "new people",
    from anyone they have not talked to before.
    """
    chosen = (
        MessagingSettings.objects.filter(user_id=recipient.pk)
        .values_list("requests_from", flat=True)
        .first()
    ) or MessagingSettings.RequestsFrom.STRANGERS
    if chosen == MessagingSettings.RequestsFrom.NEW_PEOPLE:
        return not have_talked(sender, recipient)
    return not shares_a_community(sender, recipient)


def not_available() -> PermissionDeniedError:
    return PermissionDeniedError(_("This conversation is not open to you."), code="not_participant")


def can_write(
    actor: Any,
    conversation: Conversation,
    place: Participant | None,
    *,
    participants: list[Participant] | None = None,
) -> bool:
    """True when `actor` (whose place in `conversation` is `place`) may send a message now.

    In a one-to-one conversation the other person must still be reachable and not have
    blocked the actor (nor been blocked by them). `participants`, when the caller has them
    with their users, saves a query.
    """
    if not is_signed_in(actor) or place is None or place.state != Participant.State.ACTIVE:
        return False
    if conversation.kind != Conversation.Kind.DIRECT:
        return True
    other = other_in_direct(conversation, actor, participants)
    if other is None or not is_reachable(other):
        return False
    return not MemberBlock.objects.filter(
        level=MemberBlock.Level.BLOCK,
        blocker_id__in=[other.pk, actor.pk],
        blocked_id__in=[other.pk, actor.pk],
    ).exists()


def check_can_write(actor: Any, conversation: Conversation, place: Participant | None) -> None:
    check_signed_in(actor)
    if place is None or place.state not in (
        Participant.State.ACTIVE,
        Participant.State.REQUESTED,
    ):
        raise not_available()
    if place.state == Participant.State.REQUESTED:
        raise PermissionDeniedError(
            _("Accept this message request before you reply."), code="request_pending"
        )
    if not can_write(actor, conversation, place):
        raise cannot_message()


def other_in_direct(
    conversation: Conversation, actor: Any, participants: list[Participant] | None = None
) -> Any:
    """The other member of a one-to-one conversation (None once their account is erased)."""
    places = (
        participants
        if participants is not None
        else conversation.participants.select_related("user")
    )
    for place in places:
        if place.user_id != actor.pk:
            return place.user
    return None


def can_read_message(actor: Any, message: Message) -> bool:
    """Whether `actor` may read a conversation message where it was written: they are in the
    conversation (or asked in by a request) and it was said after their history starts (the
    people who started it read everything; someone added later, only what followed)."""
    if message.conversation_id is None or not getattr(actor, "is_authenticated", False):
        return False
    return Participant.objects.filter(
        conversation_id=message.conversation_id,
        user_id=actor.pk,
        state__in=(Participant.State.ACTIVE, Participant.State.REQUESTED),
        history_from_message_id__lt=message.pk,
    ).exists()


def can_change_message(actor: Any, message: Message) -> bool:
    """Members edit and delete only their own messages, while they are in the conversation."""
    return bool(
        is_signed_in(actor) and message.author_id == actor.pk and message.deleted_at is None
    )


def check_can_change_message(actor: Any, message: Message, place: Participant | None) -> None:
    check_signed_in(actor)
    if place is None or place.state != Participant.State.ACTIVE:
        raise not_available()
    if not can_change_message(actor, message):
        raise PermissionDeniedError(_("You can only change your own messages."), code="not_author")


def check_can_add_people(actor: Any, conversation: Conversation, place: Participant | None) -> None:
    check_signed_in(actor)
    if place is None or place.state != Participant.State.ACTIVE:
        raise not_available()
    if conversation.kind != Conversation.Kind.GROUP:
        raise PermissionDeniedError(
            _("Start a group conversation to talk with more people."), code="not_group"
        )
