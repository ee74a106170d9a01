"""Reporting a message to moderators, and what staff do with a report.

The report keeps the words as they were reported (`body_snapshot`, encrypted like the message),
so an author who edits or deletes the message afterwards cannot hide what was reported.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.core.audit import record_event
from carecircle.core.errors import ConflictError, NotFoundError, ValidationFailed
from carecircle.core.ratelimit import check_rate
from carecircle.core.realtime import broadcast
from carecircle.messaging.actions.common import attachments_of, message_payload
from carecircle.messaging.actions.conversations import refresh_unread
from carecircle.messaging.models import Message, MessageReport
from carecircle.messaging.permissions.conversations import can_read_message
from carecircle.messaging.permissions.reports import (
    check_can_report_message,
    check_can_review_message_report,
)
from carecircle.messaging.queries.conversations import unread_listeners
from carecircle.messaging.queries.reports import get_reviewable_report
from carecircle.uploads.attachments import attach_to_message

NOTE_MAX = 1000
OUTCOME_NOTE_MAX = 500
REPORT_RATE = "10/h"


def _kind(message: Message) -> str:
    return "private" if message.conversation_id is not None else "room"


def clean_reason(reason: Any) -> str:
    """The reason as a MessageReport.Reason value; ValidationFailed (field "reason") otherwise."""
    if reason not in MessageReport.Reason.values:
        raise ValidationFailed(
            _("Please choose why you are reporting this message."), field="reason"
        )
    return str(reason)


def clean_note(note: Any, *, reason: str) -> str:
    """The reporter's note, stripped; required for "other", at most NOTE_MAX characters."""
    text = (note if isinstance(note, str) else "").strip()
    if reason == MessageReport.Reason.OTHER and not text:
        raise ValidationFailed(
            _("Please tell the moderators in a few words what is wrong with this message."),
            field="note",
        )
    if len(text) > NOTE_MAX:
        raise ValidationFailed(
            _("Notes can be at most %(max)d characters; yours has %(count)d.")
            % {"max": NOTE_MAX, "count": len(text)},
            field="note",
        )
    return text


def report_message(*, actor: Any, message: Message, reason: str, note: str = "") -> MessageReport:
    """Report a message the actor can read and did not write; once per member and message.

    Raises NotFoundError when the actor cannot read the message, PermissionDeniedError for
    their own or a deleted message, ValidationFailed for a bad reason or note, ConflictError
    when they reported it already (nothing changes), RateLimitedError past 10 an hour.

    The report also lands in the unified moderation queue (moderation.actions.report_content:
    private messages in the site-wide queue, room messages in the room's community), in the
    same transaction; it is on `report.moderation_report`. The MessageReport row keeps the
    message-report staff pages working while moderators move to the unified queue.
    """
    from carecircle.moderation.actions import report_content

    check_can_report_message(actor, message)
    if message.conversation_id is not None and not can_read_message(actor, message):
        # Said before the actor was added to the conversation: not theirs to read.
        raise NotFoundError(_("That message was not found."))
    reason = clean_reason(reason)
    note = clean_note(note, reason=reason)
    if MessageReport.objects.filter(message=message, reporter_id=actor.pk).exists():
        raise ConflictError(
            _("You have already reported this message. Thank you: moderators will look at it.")
        )
    check_rate(scope="message_report", key=str(actor.pk), rate=REPORT_RATE)
    try:
        with transaction.atomic():
            report = MessageReport.objects.create(
                message=message,
                reporter=actor,
                reason=reason,
                note=note,
                body_snapshot=message.body,
            )
            # Its files are kept for the reviewers while the report is open, whatever the
            # writer does with the message meanwhile.
            report.files.set(attachments_of(message))
            report.moderation_report = report_content(  # type: ignore[attr-defined]
                actor=actor, kind="message", target_id=message.pk, reason=reason, note=note
            )
            # The reporter is the subject: the reported member never learns who reported them
            # (their activity page and export show an event's actor).
            record_event(
                actor=actor,
                verb="message.report",
                target=report,
                subject=actor,
                message=message.pk,
                reason=reason,
                kind=_kind(message),
            )
    except IntegrityError:  # the same member reporting twice at the same moment
        raise ConflictError(
            _("You have already reported this message. Thank you: moderators will look at it.")
        ) from None
    return report


def view_message_report(*, actor: Any, report_id: Any) -> MessageReport:
    """The report with the reported words, for staff who may review it; every call is audited.

    Reading a reported message is the one way staff see a private message, so each showing is
    recorded (`message.report_viewed`, about the message's author). NotFoundError for anyone
    else, and then nothing is recorded.
    """
    report = get_reviewable_report(actor, report_id)
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="message.report_viewed",
            target=report,
            subject=report.message.author,
            message=report.message_id,
            kind=_kind(report.message),
        )
    return report


def close_message_report(
    *, actor: Any, report: MessageReport, outcome_note: str = ""
) -> MessageReport:
    """Mark a report as dealt with (staff who may review it); the note goes to the audit log."""
    check_can_review_message_report(actor, report)
    outcome_note = (outcome_note or "").strip()
    if len(outcome_note) > OUTCOME_NOTE_MAX:
        raise ValidationFailed(
            _("Notes can be at most %(max)d characters.") % {"max": OUTCOME_NOTE_MAX},
            field="outcome_note",
        )
    with transaction.atomic():
        changed = MessageReport.objects.filter(
            pk=report.pk, status=MessageReport.Status.OPEN
        ).update(status=MessageReport.Status.CLOSED, closed_at=timezone.now(), closed_by=actor)
        if not changed:
            raise ConflictError(_("This report has already been dealt with."))
        report.refresh_from_db(fields=["status", "closed_at", "closed_by"])
        record_event(
            actor=actor,
            verb="message.report_close",
            target=report,
            message=report.message_id,
            outcome_note=outcome_note,
        )
    return report


def delete_reported_message(*, actor: Any, report: MessageReport) -> Message:
    """Remove a reported message's words as a moderator and close its open reports.

    The message keeps its place (shown as removed by a moderator); the reports keep their
    snapshot for the record. Subscribers get "message.deleted" after commit, and for a
    conversation message its members' unread badges are counted again.
    """
    check_can_review_message_report(actor, report)
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("author")
            .get(pk=report.message_id)
        )
        if message.deleted_at is not None:
            raise ConflictError(_("This message has already been deleted."))
        message.body = ""
        message.body_html = ""
        message.deleted_at = now
        message.deleted_by = actor
        message.save(update_fields=["body", "body_html", "deleted_at", "deleted_by"])
        # Its files go with it: let go, for the cleanup job (the reports close just below).
        attach_to_message(actor=actor, message=message, choices=())
        closed = MessageReport.objects.filter(
            message=message, status=MessageReport.Status.OPEN
        ).update(status=MessageReport.Status.CLOSED, closed_at=now, closed_by=actor)
        record_event(
            actor=actor,
            verb="message.delete_by_moderator",
            target=message,
            subject=message.author,
            report=report.pk,
            reports_closed=closed,
            kind=_kind(message),
        )
        payload = message_payload(message)
        broadcast(payload["stream"], {"type": "message.deleted", "message": payload})
        if message.conversation_id is not None:
            refresh_unread(unread_listeners(message.conversation_id))
    report.refresh_from_db(fields=["status", "closed_at", "closed_by"])
    report.message = message
    return report.message
