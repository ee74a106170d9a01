from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.signin import actions
from carecircle.signin.queries import sessions_of

router = Router(tags=["sessions"])


class SessionOut(Schema):
    id: int
    device: str
    place: str
    ip_network: str
    method: str
    created_at: datetime
    last_seen_at: datetime
    is_current: bool


class RevokedOut(Schema):
    revoked: int


@router.get("/me/sessions", response={200: list[SessionOut], 401: ErrorOut}, auth=member_auth)
def list_sessions(request: HttpRequest) -> list[SessionOut]:
    """Where the member is signed in: one entry per browser or device, this one marked."""
    return [
        SessionOut(
            id=s.pk,
            device=s.device,
            place=s.place,
            ip_network=s.ip_network,
            method=s.method,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            is_current=s.is_current,  # type: ignore[attr-defined]
        )
        for s in sessions_of(request.user, request.session.session_key)
    ]


@router.delete(
    "/me/sessions/{int:session_id}",
    response={204: None, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def revoke_session(request: HttpRequest, session_id: int) -> Status:
    """Sign one session out at once; its device must sign in again."""
    actions.revoke_member_session(actor=request.user, session_id=session_id)
    return Status(204, None)


@router.post(
    "/me/sessions/revoke-others",
    response={200: RevokedOut, 401: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def revoke_other_sessions(request: HttpRequest) -> RevokedOut:
    """Sign out every session but the one making the request (with a token: every session)."""
    count = actions.revoke_other_member_sessions(
        actor=request.user, current_session_key=request.session.session_key
    )
    return RevokedOut(revoked=count)
