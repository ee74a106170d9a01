"""Journal JSON API: export the whole journal (JSON or CSV) and import a CSV file."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status, UploadedFile

from carecircle.accounts.models import User
from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.journal import csvformat
from carecircle.journal.actions import imports
from carecircle.journal.views.transfer import check_upload_size, csv_download

router = Router(tags=["journal"])


class RowErrorOut(Schema):
    line: int  # as a spreadsheet numbers rows: the header is line 1
    column: str  # "" when the problem is the whole row
    message: str


class ImportReportOut(Schema):
    created: dict[str, int]
    skipped: dict[str, int]
    errors: list[RowErrorOut]
    error_count: int


class ImportProblemsOut(ImportReportOut):
    code: str
    message: str


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@router.get(
    "/journal/export",
    response={200: dict[str, Any], 400: ErrorOut, 401: ErrorOut},
    auth=member_auth,
)
def export_journal(
    request: HttpRequest, format: Literal["json", "csv"] = "json"
) -> HttpResponse | dict[str, Any]:
    """Your whole journal: `format=json` (default; see `format_version`) or `format=csv`.

    The CSV is the file the import reads back (its layout is in docs/journal.md).
    """
    member = _member(request)
    if format == "csv":
        return csv_download(member)
    return csvformat.journal_document(member)


def upload_size_guard(request: HttpRequest) -> None:
    """Runs first among the import's auth callbacks: the session's CSRF check and the `file`
    parameter both read the body, so an oversized request is refused (413) before either."""
    check_upload_size(request)


@router.post(
    "/journal/import",
    response={
        200: ImportReportOut,
        400: ImportProblemsOut | ErrorOut,
        401: ErrorOut,
        403: ErrorOut,
        413: ErrorOut,
        429: ErrorOut,
    },
    auth=[upload_size_guard, *member_auth],
)
def import_journal(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
) -> Status[dict[str, Any]]:
    """Add the records of a CSV file (multipart field `file`) to your journal: all or nothing.

    200 with counts per type (`created`, and `skipped` for records already in the journal);
    400 with every problem by line and column when any row is invalid (nothing is written), or
    with `field: "file"` when the file cannot be read at all (encoding, size, too many rows);
    413 (`too_big`) when the request is larger than the biggest file accepted.
    """
    report = imports.import_journal_csv(
        actor=_member(request), content=file.read(imports.MAX_IMPORT_BYTES + 1)
    )
    if report.is_valid:
        return Status(200, report.as_dict())
    return Status(
        400,
        {
            "code": "invalid_rows",
            "message": _("Nothing was imported: some rows have problems."),
            **report.as_dict(),
        },
    )
