"""Privacy pages: policies, consents, data export, account deletion, memorial, audit pages."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from carecircle.accounts.models import User
from carecircle.core.audit import verify_chain
from carecircle.core.errors import DomainError, ValidationFailed
from carecircle.core.http import private_no_store, safe_next
from carecircle.core.interfaces import page_errors
from carecircle.core.markdown import render_markdown
from carecircle.core.pagination import PageRequest, paginate
from carecircle.privacy import actions, exports, permissions, queries
from carecircle.privacy.describe import describe
from carecircle.privacy.forms import AuditFilterForm, DeleteAccountForm, MemorialForm
from carecircle.privacy.models import DataExport, PolicyDocument


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
def privacy_home(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/privacy_home.html")


def _policy(request: HttpRequest, kind: str) -> HttpResponse:
    document = queries.current_document(kind)
    if document is None:
        raise Http404(_("This document has not been published yet."))
    return render(
        request,
        "privacy/policy_document.html",
        {"document": document, "body_html": render_markdown(document.body)},
    )


def policy_terms(request: HttpRequest) -> HttpResponse:
    return _policy(request, PolicyDocument.Kind.TERMS)


def policy_privacy(request: HttpRequest) -> HttpResponse:
    return _policy(request, PolicyDocument.Kind.PRIVACY)


def policy_optional(request: HttpRequest, kind: str) -> HttpResponse:
    if kind in PolicyDocument.REQUIRED_KINDS:
        raise Http404
    return _policy(request, kind)


@login_required
@require_http_methods(["GET", "POST"])
def policy_updates(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    pending = queries.pending_documents(member)
    if request.method == "POST":
        if request.POST.get("accept") != "yes":
            messages.error(request, _("Please tick the box to accept."))
        else:
            try:
                shown = [int(value) for value in request.POST.getlist("document")]
                actions.accept_shown_documents(actor=member, document_ids=shown)
            except (DomainError, ValueError) as error:
                messages.error(request, str(getattr(error, "message", _("Please try again."))))
                pending = queries.pending_documents(member)
            else:
                messages.success(request, _("Thank you. You can carry on."))
                return redirect(_safe_next(request, "privacy_home"))
    return render(
        request,
        "privacy/policy_updates.html",
        {"pending": pending, "next": _safe_next(request, "")},
    )


def _safe_next(request: HttpRequest, default: str) -> str:
    from django.urls import reverse

    return safe_next(request) or (reverse(default) if default else "")


@login_required
def my_consents(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    return render(
        request,
        "privacy/my_consents.html",
        {
            "records": queries.consents_of(member),
            "optional": queries.optional_consents_of(member),
            "guidelines": queries.guidelines_acceptances_of(member),
        },
    )


@login_required
@require_POST
@page_errors
def consent_give(request: HttpRequest, document_id: int) -> HttpResponse:
    actions.accept_document(actor=_member(request), document_id=document_id)
    messages.success(request, _("Thank you. You can withdraw this at any time."))
    return redirect("my_consents")


@login_required
@require_POST
@page_errors
def consent_withdraw(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        actions.withdraw_consent(actor=_member(request), document_id=document_id)
    except ValidationFailed as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Done. You have withdrawn this consent."))
    return redirect("my_consents")


@login_required
@require_http_methods(["GET", "POST"])
def data_export(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    error = ""
    if request.method == "POST":
        try:
            actions.request_data_export(actor=member)
        except DomainError as failure:
            error = str(failure.message)
        else:
            messages.success(
                request,
                _("We are preparing your data. We will email you when it is ready."),
            )
            return redirect("data_export")
    items = list(queries.exports_of(member)[:10])
    return render(
        request,
        "privacy/data_export.html",
        {
            "exports": items,
            "error": error,
            "is_preparing": any(e.status == DataExport.Status.PENDING for e in items),
            "days": exports.export_days(),
        },
        status=400 if error else 200,
    )


@login_required
def export_download(request: HttpRequest, export_id: int) -> FileResponse:
    # Ownership is checked on every request: another member's export id is simply not found.
    export = queries.get_own_export(_member(request), export_id)
    if export is None or export.status != DataExport.Status.READY or not export.file_name:
        raise Http404(_("This download is not available."))
    path = exports.export_path(export.file_name)
    if not path.is_file():
        raise Http404(_("This download is not available."))
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=path.name, content_type="application/zip"
    )
    private_no_store(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.erase_own_account(
                actor=member, password=form.cleaned_data["password"], keep_posts=form.keep_posts
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error.message))
        else:
            logout(request)
            return redirect("account_deleted")
    return render(
        request, "privacy/account_delete.html", {"form": form}, status=400 if form.errors else 200
    )


def account_deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/account_deleted.html")


@login_required
def activity(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    page = paginate(
        queries.activity_about(member), PageRequest.from_params(request.GET.get("page"))
    )
    rows = [(event, describe(event)) for event in page.items]
    return render(request, "privacy/activity.html", {"page": page, "rows": rows})


@login_required
@page_errors
def audit_log(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    permissions.check_can_browse_audit_log(member)
    form = AuditFilterForm(request.GET or None)
    filters = queries.AuditFilters()
    if form.is_bound and form.is_valid():
        filters = queries.AuditFilters(**form.cleaned_data)
    query = queries.audit_log(member, filters)
    page = paginate(query, PageRequest.from_params(request.GET.get("page")))
    kept = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "privacy/audit_log.html",
        {
            "form": form,
            "page": page,
            "chain": verify_chain(),
            "verbs": queries.audit_verbs(),
            "query_prefix": (urlencode(kept) + "&") if kept else "",
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@page_errors
def member_memorial(request: HttpRequest, handle: str) -> HttpResponse:
    staff = _member(request)
    member = User.objects.filter(handle=handle.lower()).first()
    if member is None:
        raise Http404(_("Member not found."))
    undo = member.memorialised_at is not None
    allowed = (
        permissions.can_undo_memorial(staff, member)
        if undo
        else permissions.can_memorialise(staff, member)
    )
    if not allowed:
        # Nobody learns from this page whether a member they cannot manage is in memory.
        raise Http404(_("Member not found."))
    form = MemorialForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action = actions.unmemorialise_member if undo else actions.memorialise_member
        try:
            action(actor=staff, member=member, note=form.cleaned_data["note"])
        except DomainError as error:
            form.add_error("note" if error.field == "note" else None, str(error.message))
        else:
            messages.success(
                request,
                _("The in-memory mark is removed.")
                if undo
                else _("%(name)s is now shown as in memory.") % {"name": member.display_name},
            )
            return redirect(member.get_absolute_url())
    return render(
        request,
        "privacy/member_memorial.html",
        {
            "member": member,
            "form": form,
            "undo": undo,
            "notes": member.memorial_notes.select_related("written_by"),
        },
        status=400 if form.errors else 200,
    )
