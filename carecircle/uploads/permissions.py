"""Who may read an upload: whoever may read what it is attached to, checked on every request.

An upload's address is not a secret. A file follows its post, message or library resource
exactly as that thing's words do: members-only and hidden communities, pending, hidden and
deleted posts, conversation history and chat rooms all answer the same for the file as for
the text. A waiting upload (attached to nothing) is its owner's alone, and its owner may
always read their own upload.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from carecircle.communities.permissions import can_moderate_community
from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.core.models import ModerationState
from carecircle.uploads.models import Upload


def is_signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def is_owner(actor: Any, upload: Upload) -> bool:
    return is_signed_in(actor) and upload.owner_id == actor.pk


def _can_read_post_attachment(actor: Any, post: Any) -> bool:
    from carecircle.discussions.permissions import (
        can_read_post_text,
        can_read_topic,
        can_see_post,
    )

    topic = post.topic
    if not can_read_topic(actor, topic):
        return False
    if not (can_see_post(actor, post) and can_read_post_text(actor, post)):
        return False
    # A deleted post's words are shown to moderators only (topic page), so are its files.
    return not post.is_deleted or can_moderate_community(actor, topic.community)


def _can_read_message_attachment(actor: Any, message: Any) -> bool:
    from carecircle.messaging.permissions.conversations import can_read_message
    from carecircle.messaging.permissions.rooms import can_moderate_room, can_read_room

    if message.deleted_at is not None:
        return False
    if message.room_id is not None:
        room = message.room
        if not can_read_room(actor, room):
            return False
        if message.moderation_state != ModerationState.VISIBLE:
            return bool(
                (is_signed_in(actor) and message.author_id == actor.pk)
                or can_moderate_room(actor, room)
            )
        return True
    if not can_read_message(actor, message):
        return False
    if message.moderation_state != ModerationState.VISIBLE:
        return bool(is_signed_in(actor) and message.author_id == actor.pk)
    return True


def _held_for_a_reviewer(actor: Any, upload: Upload) -> bool:
    """Whether a report of the message `upload` was sent with keeps it (`MessageReport.files`)
    and `actor` may review that report (site staff for a private conversation, the community's
    moderators for a room): they see its files as they see its words, and nothing else of the
    conversation. While the report is open, even after the writer removed the file or deleted
    the message; once closed, while the file is still in the message."""
    from carecircle.messaging.models import MessageReport
    from carecircle.messaging.permissions.reports import can_review_message_report

    if not is_signed_in(actor):
        return False
    kept = Q(status=MessageReport.Status.OPEN)
    if upload.message_id is not None:
        kept |= Q(message_id=upload.message_id, message__deleted_at__isnull=True)
    # Every report of one message has the same reviewers: one is enough to ask.
    report = (
        MessageReport.objects.filter(kept, files=upload)
        .select_related("message__room__community")
        .first()
    )
    return report is not None and can_review_message_report(actor, report)


def _can_read_resource_attachment(actor: Any, resource: Any) -> bool:
    # The library's own rule: published for its readers, a suggestion for its suggester and
    # the curators, archived for the curators only.
    from carecircle.resources.permissions import can_read_resource

    return can_read_resource(actor, resource)


def can_read_upload(actor: Any, upload: Upload) -> bool:
    """Whether `actor` may fetch the upload's bytes or see its metadata.

    Its owner always may: "My uploads" lists it, and a member who left the community or the
    conversation keeps what they shared (as they keep their own words in their data export).
    """
    if is_owner(actor, upload):
        return True
    if _held_for_a_reviewer(actor, upload):
        return True
    if upload.post_id is not None:
        return _can_read_post_attachment(actor, upload.post)
    if upload.message_id is not None:
        return _can_read_message_attachment(actor, upload.message)
    if upload.resource_id is not None:
        return _can_read_resource_attachment(actor, upload.resource)
    return is_owner(actor, upload)


def can_change_upload(actor: Any, upload: Upload) -> bool:
    """Its owner describes it, adds captions and (while it waits) deletes it."""
    return is_owner(actor, upload)


def check_can_change_upload(actor: Any, upload: Upload) -> None:
    if not can_read_upload(actor, upload):
        # Someone who may not read it learns nothing, not even that it exists.
        raise NotFoundError(_("This file does not exist or is no longer available."))
    if not can_change_upload(actor, upload):
        raise PermissionDeniedError(
            _("Only the member who uploaded this file can change it."), code="not_owner"
        )


def check_can_delete_upload(actor: Any, upload: Upload) -> None:
    check_can_change_upload(actor, upload)
    if upload.is_attached:
        raise PermissionDeniedError(
            _(
                "This file is attached to something you wrote. Edit that to remove the file; "
                "it is then deleted after a while."
            ),
            code="upload_attached",
        )
