"""JSON API for reporting messages (members) and reviewing reports (staff).

Members report a message they can read. Staff list the reports they may review, without any
message text; fetching one report returns the reported words and is recorded in the audit
log each time. A report someone may not review answers 404, like one that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut, PageMeta
from carecircle.core.errors import NotFoundError
from carecircle.core.pagination import PageRequest, paginate
from carecircle.messaging.actions.reports import (
    close_message_report,
    delete_reported_message,
    report_message,
    view_message_report,
)
from carecircle.messaging.models import MessageReport
from carecircle.messaging.permissions.reports import can_review_message_reports
from carecircle.messaging.queries.reports import (
    get_reviewable_report,
    message_for_report,
    open_reviewable_reports,
    report_files,
    reports_of_message,
)
from carecircle.uploads.display import attachment_payload
from carecircle.uploads.schemas import AttachmentOut

router = Router(tags=["message reports"])


class MessageReportIn(Schema):
    reason: str
    note: str = ""


class MyMessageReportOut(Schema):
    id: int
    message_id: int
    reason: str
    note: str
    status: str
    created_at: datetime


class ReportPersonOut(Schema):
    handle: str
    display_name: str


class MessageReportSummaryOut(Schema):
    id: int
    message_id: int
    reason: str
    kind: str  # "private" or "room"
    community: str | None  # slug of the room's community; None for a private conversation
    room: str | None
    status: str
    created_at: datetime


class MessageReportPage(PageMeta):
    items: list[MessageReportSummaryOut]


class MessageStateOut(Schema):
    is_deleted: bool
    deleted_by_moderator: bool
    edited_at: datetime | None


class MessageReportDetailOut(MessageReportSummaryOut):
    note: str
    body_snapshot: str
    reporter: ReportPersonOut | None
    author: ReportPersonOut | None
    message_created_at: datetime
    message_state: MessageStateOut
    reports_of_message: int
    closed_at: datetime | None
    # Open: the files the message had when reported (kept for the reviewers even if the writer
    # removed them since); closed: its files now. Each address checks the reader again.
    attachments: list[AttachmentOut] = []


class CloseReportIn(Schema):
    outcome_note: str = ""


def _person(user: Any) -> ReportPersonOut | None:
    return (
        None
        if user is None
        else ReportPersonOut(handle=user.handle, display_name=user.display_name)
    )


def summary_out(report: MessageReport) -> dict[str, Any]:
    message = report.message
    room = message.room
    return {
        "id": report.pk,
        "message_id": report.message_id,
        "reason": report.reason,
        "kind": "private" if message.conversation_id else "room",
        "community": room.community.slug if room else None,
        "room": room.name if room else None,
        "status": report.status,
        "created_at": report.created_at,
    }


def detail_out(report: MessageReport, reader: Any = None) -> MessageReportDetailOut:
    message = report.message
    return MessageReportDetailOut(
        **summary_out(report),
        note=report.note,
        body_snapshot=report.body_snapshot,
        reporter=_person(report.reporter),
        author=_person(message.author),
        message_created_at=message.created_at,
        message_state=MessageStateOut(
            is_deleted=message.deleted_at is not None,
            deleted_by_moderator=bool(
                message.deleted_at is not None and message.deleted_by_id != message.author_id
            ),
            edited_at=message.edited_at,
        ),
        reports_of_message=reports_of_message(report),
        closed_at=report.closed_at,
        attachments=[
            AttachmentOut(**attachment_payload(upload, reader)) for upload in report_files(report)
        ],
    )


@router.post(
    "/messages/{message_id}/reports",
    response={
        201: MyMessageReportOut,
        400: ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
    },
    auth=member_auth,
)
def create_message_report(
    request: HttpRequest, message_id: int, payload: MessageReportIn
) -> Status[MyMessageReportOut]:
    """Report a message you can read to the moderators; once per message (409 after that)."""
    message = message_for_report(request.user, message_id)
    report = report_message(
        actor=request.user, message=message, reason=payload.reason, note=payload.note
    )
    return Status(
        201,
        MyMessageReportOut(
            id=report.pk,
            message_id=report.message_id,
            reason=report.reason,
            note=report.note,
            status=report.status,
            created_at=report.created_at,
        ),
    )


@router.get(
    "/moderation/message-reports",
    response={200: MessageReportPage, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def list_message_reports(
    request: HttpRequest, page: int = 1, page_size: int = 20
) -> MessageReportPage:
    """Open reports you may review, oldest first, without message text (staff and moderators)."""
    if not can_review_message_reports(request.user):
        raise NotFoundError(_("Not found."))
    result = paginate(
        open_reviewable_reports(request.user), PageRequest.from_params(page, page_size)
    )
    return MessageReportPage(
        items=[MessageReportSummaryOut(**summary_out(r)) for r in result.items],
        page=result.number,
        page_size=result.size,
        total=result.total,
        pages=result.page_count,
    )


@router.get(
    "/moderation/message-reports/{report_id}",
    response={200: MessageReportDetailOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def get_message_report(request: HttpRequest, report_id: int) -> MessageReportDetailOut:
    """One report with the reported words; every call is recorded in the audit log."""
    return detail_out(
        view_message_report(actor=request.user, report_id=report_id), reader=request.user
    )


@router.post(
    "/moderation/message-reports/{report_id}/close",
    response={
        200: MessageReportSummaryOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
    },
    auth=member_auth,
)
def close_report(
    request: HttpRequest, report_id: int, payload: CloseReportIn
) -> MessageReportSummaryOut:
    """Close a report, leaving the message; the note goes to the audit log only."""
    report = get_reviewable_report(request.user, report_id)
    report = close_message_report(
        actor=request.user, report=report, outcome_note=payload.outcome_note
    )
    return MessageReportSummaryOut(**summary_out(report))


@router.post(
    "/moderation/message-reports/{report_id}/delete-message",
    response={200: MessageReportSummaryOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=member_auth,
)
def delete_message_of_report(request: HttpRequest, report_id: int) -> MessageReportSummaryOut:
    """Delete the reported message's words for everyone and close its open reports."""
    report = get_reviewable_report(request.user, report_id)
    delete_reported_message(actor=request.user, report=report)
    return MessageReportSummaryOut(**summary_out(report))
