"""JSON API: web push subscriptions and the site's public VAPID key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.core.errors import NotFoundError
from carecircle.notifications.delivery import actions, vapid
from carecircle.notifications.models import PushSubscription

router = Router(tags=["notifications"])


class PublicKeyOut(Schema):
    # Base64url uncompressed P-256 point: PushManager.subscribe's applicationServerKey.
    public_key: str


class PushKeysIn(Schema):
    p256dh: str
    auth: str


class PushSubscriptionIn(Schema):
    """What `PushSubscription.toJSON()` gives in the browser, plus a name for the device."""

    endpoint: str
    keys: PushKeysIn
    label: str = ""


class PushSubscriptionOut(Schema):
    id: int
    endpoint: str
    label: str
    created_at: datetime
    last_used_at: datetime | None


def _out(subscription: PushSubscription) -> PushSubscriptionOut:
    return PushSubscriptionOut(
        id=subscription.pk,
        endpoint=subscription.endpoint,
        label=subscription.label,
        created_at=subscription.created_at,
        last_used_at=subscription.last_used_at,
    )


@router.get("/push/public-key", response={200: PublicKeyOut})
def push_public_key(request: HttpRequest) -> PublicKeyOut:
    """The site's VAPID public key, to subscribe a browser to web push."""
    return PublicKeyOut(public_key=vapid.public_key())


@router.get(
    "/me/push-subscriptions",
    response={200: list[PushSubscriptionOut], 401: ErrorOut},
    auth=member_auth,
)
def list_push_subscriptions(request: HttpRequest) -> list[PushSubscriptionOut]:
    """Your devices with web push on, oldest first."""
    member: Any = request.user
    rows = PushSubscription.objects.filter(user=member).order_by("created_at", "pk")
    return [_out(row) for row in rows]


@router.post(
    "/me/push-subscriptions",
    response={201: PushSubscriptionOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut,
              429: ErrorOut},
    auth=member_auth,
)  # fmt: skip
def add_push_subscription(
    request: HttpRequest, payload: PushSubscriptionIn
) -> Status[PushSubscriptionOut]:
    """Turn on web push for this browser (sending the same endpoint again updates it)."""
    subscription = actions.register_push_subscription(
        actor=request.user,
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
        label=payload.label,
    )
    return Status(201, _out(subscription))


@router.delete(
    "/me/push-subscriptions",
    response={204: None, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def delete_push_subscription(request: HttpRequest, endpoint: str) -> Status[None]:
    """Turn off web push for one of your devices, named by its endpoint."""
    if not actions.remove_push_subscription(actor=request.user, endpoint=endpoint):
        raise NotFoundError(_("You have no device with notifications on at that address."))
    return Status(204, None)
