"""Who may report a message, and who may read and act on a report.

A report is the only way staff get to read a private message: site staff see the reported
words of private conversations; community moderators see reports of their own community's
rooms and nothing else. Nobody reads private messages through the admin.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.communities.permissions import (
    can_moderate_community,
    is_site_staff,
    membership_of,
)
from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.messaging.models import Message, MessageReport, Participant

# A member may report what they can read: a conversation they are in, or a request sent to them.
READING_STATES = (Participant.State.ACTIVE, Participant.State.REQUESTED)


def _is_active_member(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_read_message_for_report(actor: Any, message: Message) -> bool:
    """Whether `actor` can read `message` where it was written (the condition for reporting)."""
    if not _is_active_member(actor):
        return False
    if message.conversation_id is not None:
        # Someone added to a group later reads (and so reports) only what followed.
        return Participant.objects.filter(
            conversation_id=message.conversation_id,
            user_id=actor.pk,
            state__in=READING_STATES,
            history_from_message_id__lt=message.pk,
        ).exists()
    if message.room_id is None:
        return False
    community = message.room.community  # type: ignore[union-attr]
    return is_site_staff(actor) or membership_of(actor, community) is not None


def can_report_message(actor: Any, message: Message) -> bool:
    """Whether `actor` may report `message`: they can read it and did not write it."""
    return (
        can_read_message_for_report(actor, message)
        and message.author_id != actor.pk
        and message.deleted_at is None
    )


def check_can_report_message(actor: Any, message: Message) -> None:
    """Raise if `actor` may not report `message`; a message they cannot read is "not found"."""
    if not can_read_message_for_report(actor, message):
        # Someone who cannot read the message learns nothing about it, not even that it exists.
        raise NotFoundError(_("That message was not found."))
    if message.author_id == actor.pk:
        raise PermissionDeniedError(
            _("You cannot report your own message. You can edit or delete it instead."),
            code="own_message",
        )
    if message.deleted_at is not None:
        raise PermissionDeniedError(
            _("This message has already been deleted, so there is nothing left to report."),
            code="message_deleted",
        )


def can_review_message_report(actor: Any, report: MessageReport) -> bool:
    """Whether `actor` may read the reported words and act on `report`.

    Private conversations: site staff only. Room messages: site staff, or moderators and
    managers of the room's community.
    """
    if not _is_active_member(actor):
        return False
    message = report.message
    if message.conversation_id is not None:
        return is_site_staff(actor)
    if message.room_id is None:
        return False
    return can_moderate_community(actor, message.room.community)  # type: ignore[union-attr]


def check_can_review_message_report(actor: Any, report: MessageReport) -> None:
    """Raise NotFoundError for anyone who may not review `report`: its existence stays hidden."""
    if not can_review_message_report(actor, report):
        raise NotFoundError(_("That report was not found."))


def can_review_message_reports(actor: Any) -> bool:
    """Whether `actor` may open the list of reported messages at all (it may be empty)."""
    from carecircle.communities.models import Membership

    if not _is_active_member(actor):
        return False
    if is_site_staff(actor):
        return True
    return Membership.objects.filter(
        user_id=actor.pk, role__in=(Membership.Role.MODERATOR, Membership.Role.MANAGER)
    ).exists()
