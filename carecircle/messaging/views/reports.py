"""Staff pages for reported messages.

The queue lists reports without any message text. Opening one shows the reported words and
is recorded in the audit log each time; anyone who may not review a report gets "not found"
and nothing is recorded.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from carecircle.core.errors import DomainError, NotFoundError
from carecircle.core.http import private_no_store, safe_next
from carecircle.core.interfaces import field_errors
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
    own_report,
    report_files,
    reports_of_message,
)


@login_required
@require_http_methods(["GET", "POST"])
def message_report_create(request: HttpRequest, message_id: int) -> HttpResponse:
    """A member reports a message they can read (works without JavaScript)."""
    try:
        message = message_for_report(request.user, message_id)
    except NotFoundError as error:
        raise Http404(str(error.message)) from error
    back = safe_next(request)
    reason = request.POST.get("reason", "")
    note = request.POST.get("note", "")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            report_message(actor=request.user, message=message, reason=reason, note=note)
        except DomainError as error:
            errors, status = field_errors(error), error.status
        else:
            messages.success(
                request, _("Thank you. Moderators will look at the message you reported.")
            )
            return redirect(back or request.path)
    context = {
        "message": message,
        "existing": own_report(request.user, message),
        "is_own": message.author_id == request.user.pk,
        "reasons": MessageReport.Reason.choices,
        "reason": reason,
        "note": note,
        "errors": errors,
        "next": back,
    }
    response = render(request, "messaging/report_create.html", context, status=status)
    return private_no_store(response)


@login_required
@require_GET
def message_report_list(request: HttpRequest) -> HttpResponse:
    if not can_review_message_reports(request.user):
        raise Http404(_("Page not found."))
    page = paginate(
        open_reviewable_reports(request.user), PageRequest.from_params(request.GET.get("page"))
    )
    return private_no_store(render(request, "messaging/report_list.html", {"page": page}))


def _render_detail(
    request: HttpRequest, report_id: int, *, errors: dict[str, str] | None = None, **extra: Any
) -> HttpResponse:
    try:
        report = view_message_report(actor=request.user, report_id=report_id)
    except NotFoundError as error:
        raise Http404(str(error.message)) from error
    context = {
        "report": report,
        "message": report.message,
        "room": report.message.room,
        "reported_by_count": reports_of_message(report),
        "attachments": report_files(report),
        "errors": errors or {},
        "is_open": report.status == MessageReport.Status.OPEN,
        **extra,
    }
    status = 400 if errors else 200
    return private_no_store(render(request, "messaging/report_detail.html", context, status=status))


@login_required
@require_GET
def message_report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    return _render_detail(request, report_id)


def _reviewable(request: HttpRequest, report_id: int) -> MessageReport:
    try:
        return get_reviewable_report(request.user, report_id)
    except NotFoundError as error:
        raise Http404(str(error.message)) from error


@login_required
@require_POST
def message_report_close(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _reviewable(request, report_id)
    outcome_note = request.POST.get("outcome_note", "")
    try:
        close_message_report(actor=request.user, report=report, outcome_note=outcome_note)
    except DomainError as error:
        return _render_detail(
            request, report_id, errors=field_errors(error), outcome_note=outcome_note
        )
    messages.success(request, _("The report is closed."))
    return redirect("message_report_list")


@login_required
@require_POST
def message_report_delete(request: HttpRequest, report_id: int) -> HttpResponse:
    report = _reviewable(request, report_id)
    try:
        delete_reported_message(actor=request.user, report=report)
    except DomainError as error:
        return _render_detail(request, report_id, errors=field_errors(error))
    messages.success(request, _("The message is deleted and its reports are closed."))
    return redirect("message_report_list")


urlpatterns: list[URLPattern] = [
    path("report-message/<int:message_id>/", message_report_create, name="message_report_create"),
    path("moderation/message-reports/", message_report_list, name="message_report_list"),
    path(
        "moderation/message-reports/<int:report_id>/",
        message_report_detail,
        name="message_report_detail",
    ),
    path(
        "moderation/message-reports/<int:report_id>/close",
        message_report_close,
        name="message_report_close",
    ),
    path(
        "moderation/message-reports/<int:report_id>/delete-message",
        message_report_delete,
        name="message_report_delete",
    ),
]
