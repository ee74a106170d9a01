"""Journal pages: export (CSV, JSON) and import from CSV. (`urls` is mounted under /journal/.)

Downloads are always the signed-in member's own journal: there is no id to ask for anyone else's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from carecircle.accounts.models import User
from carecircle.core.errors import DomainError, ValidationFailed
from carecircle.core.http import private_no_store
from carecircle.core.interfaces import field_errors
from carecircle.journal import csvformat
from carecircle.journal.actions import imports
from carecircle.journal.payloads import MEASUREMENT_TYPES

TYPE_LABELS: dict[str, Any] = {
    "symptom": gettext_lazy("Symptoms"),
    "measurement": gettext_lazy("Measurements"),
    "mood": gettext_lazy("Mood and energy"),
    "diary": gettext_lazy("Diary pages"),
    "goal_check_in": gettext_lazy("Goal check-ins"),
    "medication": gettext_lazy("Medicines and treatments"),
    "goal": gettext_lazy("Goals"),
}


# What a multipart request adds around the file itself (boundaries, part headers, the CSRF
# field): generous, so a file just under the limit is never refused for its envelope.
UPLOAD_OVERHEAD = 64 * 1024


class UploadTooLarge(ValidationFailed):
    """An import request larger than any acceptable file: 413, refused before it is read."""

    status = 413


def check_upload_size(request: HttpRequest) -> None:
    """Refuse an import request whose declared size is over the limit, before its body is read.

    (The body's size can be no larger than its Content-Length: Django reads no further.)
    """
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > imports.MAX_IMPORT_BYTES + UPLOAD_OVERHEAD:
        raise UploadTooLarge(
            _("This file is too big: the most is %(size)s.")
            % {"size": filesizeformat(imports.MAX_IMPORT_BYTES)},
            code="too_big",
            field="file",
        )


def download(body: bytes, *, file_name: str, content_type: str) -> HttpResponse:
    """A private download: an attachment that no cache or shared proxy keeps."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name)
    private_no_store(response)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csv_download(member: User) -> HttpResponse:
    """The member's journal as a CSV download."""
    return download(
        csvformat.journal_csv(member),
        file_name=csvformat.export_file_name(member, "csv"),
        content_type="text/csv; charset=utf-8",
    )


def json_download(member: User) -> HttpResponse:
    """The member's journal as a JSON download."""
    return download(
        csvformat.journal_json(member),
        file_name=csvformat.export_file_name(member, "json"),
        content_type="application/json; charset=utf-8",
    )


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@login_required
@require_http_methods(["GET"])
def journal_export_csv(request: HttpRequest) -> HttpResponse:
    return csv_download(_member(request))


@login_required
@require_http_methods(["GET"])
def journal_export_json(request: HttpRequest) -> HttpResponse:
    return json_download(_member(request))


@login_required
@require_http_methods(["GET"])
def journal_import_template(request: HttpRequest) -> HttpResponse:
    return download(
        csvformat.template_csv(),
        file_name="carecircle-journal-template.csv",
        content_type="text/csv; charset=utf-8",
    )


def _columns_help() -> list[tuple[str, tuple[str, ...]]]:
    return [(kind, csvformat.USED_COLUMNS[kind]) for kind in csvformat.TYPES]


def _import_context() -> dict[str, Any]:
    return {
        "errors": {},
        "report": None,
        "columns_help": _columns_help(),
        "measurement_types": [*MEASUREMENT_TYPES, "custom"],
        "max_megabytes": imports.MAX_IMPORT_BYTES // (1024 * 1024),
        "max_rows": imports.MAX_IMPORT_ROWS,
    }


# The CSRF check reads the request body (the form's token), so the size is checked first, here;
# `_import_form` then checks CSRF as usual. A refused request changes nothing.
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def journal_import(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            check_upload_size(request)
        except UploadTooLarge as error:
            context = {**_import_context(), "errors": field_errors(error)}
            return render(request, "journal/import.html", context, status=error.status)
    return _import_form(request)


@csrf_protect
def _import_form(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    context = _import_context()
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(
                    _("Choose a CSV file to import."), code="required", field="file"
                )
            # One byte over the limit is enough for the action to refuse it by size.
            content = upload.read(imports.MAX_IMPORT_BYTES + 1)
            report = imports.import_journal_csv(actor=member, content=content)
        except DomainError as error:
            context["errors"] = field_errors(error)
            status = error.status
        else:
            context["report"] = report
            context["rows"] = [
                (TYPE_LABELS[kind], report.created[kind], report.skipped[kind])
                for kind in csvformat.TYPES
            ]
            status = 200 if report.is_valid else 400
    return render(request, "journal/import.html", context, status=status)


urls: list[URLPattern] = [
    path("export.csv", journal_export_csv, name="journal_export_csv"),
    path("export.json", journal_export_json, name="journal_export_json"),
    path("import/", journal_import, name="journal_import"),
    path("import/template.csv", journal_import_template, name="journal_import_template"),
]
