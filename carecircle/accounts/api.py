from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from carecircle.accounts.models import User
from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut

router = Router(tags=["me"])


class MeOut(Schema):
    handle: str
    display_name: str
    email: str
    roles: list[str]
    time_zone: str
    date_joined: datetime


@router.get("/me", response={200: MeOut, 401: ErrorOut}, auth=member_auth)
def me(request: HttpRequest) -> MeOut:
    """The signed-in member."""
    user = request.user
    assert isinstance(user, User)
    roles = [
        name
        for name, flag in (
            ("patient", user.is_patient),
            ("caregiver", user.is_caregiver),
            ("professional", user.is_professional),
            ("moderator", user.is_site_moderator),
            ("manager", user.is_site_manager),
            ("admin", user.is_site_admin),
        )
        if flag
    ]
    return MeOut(
        handle=user.handle,
        display_name=user.display_name,
        email=user.email,
        roles=roles,
        time_zone=user.time_zone,
        date_joined=user.date_joined,
    )
