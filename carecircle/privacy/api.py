"""The privacy API: consents, data export requests and account deletion."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from carecircle.accounts.api import router as accounts_router
from carecircle.accounts.models import User
from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.privacy import actions, queries
from carecircle.privacy.models import ConsentRecord, DataExport

router = Router(tags=["privacy"])


class ConsentOut(Schema):
    document_id: int
    kind: str
    title: str
    version: int
    is_required: bool
    accepted_at: datetime
    withdrawn_at: datetime | None


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    version: int
    is_required: bool
    is_accepted: bool


class ConsentsOut(Schema):
    records: list[ConsentOut]
    current_documents: list[DocumentOut]


class ExportOut(Schema):
    id: int
    status: str
    requested_at: datetime
    expires_at: datetime | None


class EraseIn(Schema):
    password: str
    keep_posts: bool


def _member(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _consent_out(record: ConsentRecord) -> ConsentOut:
    return ConsentOut(
        document_id=record.document_id,
        kind=record.document.kind,
        title=record.document.title,
        version=record.document.version,
        is_required=record.document.is_required,
        accepted_at=record.accepted_at,
        withdrawn_at=record.withdrawn_at,
    )


@router.get("/me/consents", response={200: ConsentsOut, 401: ErrorOut}, auth=member_auth)
def my_consents(request: HttpRequest) -> ConsentsOut:
    """What the member agreed to, and the current version of each document."""
    member = _member(request)
    records = list(queries.consents_of(member))
    active = {r.document_id for r in records if r.is_active}
    return ConsentsOut(
        records=[_consent_out(r) for r in records],
        current_documents=[
            DocumentOut(
                id=d.pk,
                kind=d.kind,
                title=d.title,
                version=d.version,
                is_required=d.is_required,
                is_accepted=d.pk in active,
            )
            for d in queries.current_documents()
        ],
    )


@router.post(
    "/me/consents/{document_id}/accept",
    response={200: ConsentOut, 401: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    auth=member_auth,
)
def accept_consent(request: HttpRequest, document_id: int) -> ConsentOut:
    """Accept a current document, or give an optional consent."""
    record = actions.accept_document(actor=_member(request), document_id=document_id)
    return _consent_out(record)


@router.post(
    "/me/consents/{document_id}/withdraw",
    response={200: ConsentOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def withdraw_consent(request: HttpRequest, document_id: int) -> ConsentOut:
    """Withdraw an optional consent."""
    record = actions.withdraw_consent(actor=_member(request), document_id=document_id)
    return _consent_out(record)


@router.post(
    "/me/data-exports",
    response={202: ExportOut, 401: ErrorOut, 409: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def request_export(request: HttpRequest) -> Status[ExportOut]:
    """Ask for a copy of your data; download it from the site when the email arrives."""
    export = actions.request_data_export(actor=_member(request))
    # Re-read: with the in-process task backend the export may already be built.
    export.refresh_from_db()
    return Status(202, _export_out(export))


@router.get("/me/data-exports", response={200: list[ExportOut], 401: ErrorOut}, auth=member_auth)
def list_exports(request: HttpRequest) -> list[ExportOut]:
    """Your recent data export requests."""
    return [_export_out(e) for e in queries.exports_of(_member(request))[:10]]


def _export_out(export: DataExport) -> ExportOut:
    return ExportOut(
        id=export.pk,
        status=export.status,
        requested_at=export.requested_at,
        expires_at=export.expires_at,
    )


# GET /me lives on the accounts router; one path's operations must share a router in Ninja,
# so DELETE /me is added there (routes.py imports both before mounting them).
@accounts_router.delete(
    "/me",
    response={204: None, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    auth=member_auth,
    tags=["privacy"],
)
def delete_me(request: HttpRequest, payload: EraseIn) -> HttpResponse:
    """Delete your account for good. Send your password; choose whether posts are kept."""
    member = _member(request)
    actions.erase_own_account(
        actor=member, password=payload.password, keep_posts=payload.keep_posts
    )
    if hasattr(request, "session"):
        logout(request)
    return HttpResponse(status=204)
