"""Reported messages as staff may see them: the list never loads a message's words."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from carecircle.communities.models import Membership
from carecircle.communities.permissions import is_site_staff
from carecircle.core.errors import NotFoundError
from carecircle.messaging.actions.common import attachments_of
from carecircle.messaging.models import Message, MessageReport
from carecircle.messaging.permissions.reports import (
    can_read_message_for_report,
    can_review_message_report,
)

# Encrypted columns the list has no business decrypting.
_WORDS = ("note", "body_snapshot", "message__body", "message__body_html")


def reviewable_reports(actor: Any) -> QuerySet[MessageReport]:
    """Reports `actor` may review, oldest first, without any message text loaded.

    Site staff: every report. Community moderators and managers: reports of room messages in
    their communities. Everyone else: none.
    """
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return MessageReport.objects.none()
    query = MessageReport.objects.select_related("message__room__community").defer(*_WORDS)
    if not is_site_staff(actor):
        moderated = Membership.objects.filter(
            user_id=actor.pk, role__in=(Membership.Role.MODERATOR, Membership.Role.MANAGER)
        ).values("community_id")
        query = query.filter(
            Q(message__room__isnull=False) & Q(message__room__community_id__in=moderated)
        )
    return query.order_by("created_at", "pk")


def open_reviewable_reports(actor: Any) -> QuerySet[MessageReport]:
    """The open reports `actor` may review: the moderators' queue."""
    return reviewable_reports(actor).filter(status=MessageReport.Status.OPEN)


def get_reviewable_report(actor: Any, report_id: Any) -> MessageReport:
    """One report with its message, author and reporter; NotFoundError unless `actor` may
    review it (whether it exists is not revealed)."""
    try:
        pk = int(report_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("That report was not found.")) from None
    report = (
        MessageReport.objects.select_related(
            "message__author",
            "message__deleted_by",
            "message__room__community",
            "message__conversation",
            "reporter",
            "closed_by",
        )
        .filter(pk=pk)
        .first()
    )
    if report is None or not can_review_message_report(actor, report):
        raise NotFoundError(_("That report was not found."))
    return report


def reports_of_message(report: MessageReport) -> int:
    """How many members reported the same message (a count, never who)."""
    return MessageReport.objects.filter(message_id=report.message_id).count()


def report_files(report: MessageReport) -> list[Any]:
    """The files a reviewer sees with a report: while it is open, those its message had when it
    was reported (kept even if the writer removed them or deleted the message since); once
    closed, the message's files now."""
    if report.status == MessageReport.Status.OPEN:
        return list(report.files.order_by("pk"))
    return attachments_of(report.message)


def message_for_report(actor: Any, message_id: Any) -> Message:
    """The message `actor` wants to report, if they can read it; NotFoundError otherwise."""
    try:
        pk = int(message_id)
    except (TypeError, ValueError):
        raise NotFoundError(_("That message was not found.")) from None
    message = Message.objects.select_related("author", "room__community").filter(pk=pk).first()
    if message is None or not can_read_message_for_report(actor, message):
        raise NotFoundError(_("That message was not found."))
    return message


def own_report(actor: Any, message: Message) -> MessageReport | None:
    """The report `actor` made of `message`, if any."""
    if not getattr(actor, "is_authenticated", False):
        return None
    return MessageReport.objects.filter(message=message, reporter_id=actor.pk).first()
