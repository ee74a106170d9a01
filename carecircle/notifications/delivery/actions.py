"""Writes for delivery: one-click unsubscribe and the member's web push devices."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carecircle.core.audit import record_event
from carecircle.core.errors import PermissionDeniedError, ValidationFailed
from carecircle.core.ratelimit import check_rate
from carecircle.notifications.delivery import unsubscribe
from carecircle.notifications.models import DigestFrequency, NotificationSettings, PushSubscription

#: Devices one member may keep; an old phone stays listed until removed or refused by its
#: push service, so the cap only stops a script from filling the table.
MAX_DEVICES = 10
SUBSCRIBE_RATE = "30/h"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Unsubscribed:
    user: Any
    scope: str


def unsubscribe_by_token(*, token: str) -> Unsubscribed:
    """Apply a one-click unsubscribe; the signed token is the authorisation (no sign-in).

    Raises ValidationFailed (code "bad_token") and changes nothing when the token is not ours.
    """
    read = unsubscribe.read_token(token)
    user = None
    if read is not None:
        user = get_user_model().objects.filter(pk=read[0]).first()
    if read is None or user is None:
        raise ValidationFailed(
            _("This unsubscribe link is not valid. It may have been cut short by your email app."),
            code="bad_token",
        )
    scope = read[1]
    with transaction.atomic():
        row, _created = NotificationSettings.objects.select_for_update().get_or_create(user=user)
        if scope == "digest":
            row.digest = DigestFrequency.OFF
            row.save(update_fields=["digest", "updated_at"])
        else:
            row.is_email_paused = True
            row.save(update_fields=["is_email_paused", "updated_at"])
        record_event(
            actor=user, verb="notifications.unsubscribe", target=row, subject=user, scope=scope
        )
    return Unsubscribed(user=user, scope=scope)


def _decode_b64url(value: str) -> bytes | None:
    text = (value or "").strip()
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def _clean_endpoint(endpoint: str) -> str:
    endpoint = (endpoint or "").strip()
    parts = urlsplit(endpoint)
    field_max = PushSubscription._meta.get_field("endpoint").max_length or 800
    is_https = parts.scheme == "https"
    # Plain http only for a push service on this machine, in development and tests.
    is_local_http = (
        parts.scheme == "http"
        and (parts.hostname or "") in LOOPBACK_HOSTS
        and (settings.DEBUG or settings.TESTING)
    )
    if len(endpoint) > field_max or not parts.hostname or not (is_https or is_local_http):
        raise ValidationFailed(
            _("This browser gave an address for notifications that cannot be used."),
            code="bad_endpoint",
            field="endpoint",
        )
    return endpoint


def _clean_keys(p256dh: str, auth: str) -> tuple[str, str]:
    point = _decode_b64url(p256dh)
    try:
        if point is None:
            raise ValueError
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise ValidationFailed(
            _("This browser gave a key for notifications that cannot be used."),
            code="bad_key",
            field="p256dh",
        ) from None
    secret = _decode_b64url(auth)
    if secret is None or len(secret) != 16:
        raise ValidationFailed(
            _("This browser gave a key for notifications that cannot be used."),
            code="bad_key",
            field="auth",
        )
    return p256dh.strip(), auth.strip()


def _check_member(actor: Any) -> None:
    if (
        not getattr(actor, "is_authenticated", False)
        or not actor.is_active
        or actor.memorialised_at is not None
    ):
        raise PermissionDeniedError(_("Please sign in to turn on notifications."))


def register_push_subscription(
    *, actor: Any, endpoint: str, p256dh: str, auth: str, label: str = ""
) -> PushSubscription:
    """Save this browser's push subscription for the actor (at most MAX_DEVICES each).

    A device registered by another member before (a shared computer) moves to the actor:
    the push service address belongs to the browser, and the browser is now theirs.
    """
    _check_member(actor)
    endpoint = _clean_endpoint(endpoint)
    p256dh, auth = _clean_keys(p256dh, auth)
    label = " ".join((label or "").split())[:120]
    check_rate(scope="push-subscribe", key=str(actor.pk), rate=SUBSCRIBE_RATE)
    with transaction.atomic():
        others = PushSubscription.objects.filter(user=actor).exclude(endpoint=endpoint)
        if others.count() >= MAX_DEVICES:
            raise ValidationFailed(
                _(
                    "You have turned on notifications on %(count)d devices already. "
                    "Remove one you no longer use first."
                )
                % {"count": MAX_DEVICES},
                code="too_many_devices",
            )
        values = {"user": actor, "p256dh": p256dh, "auth": auth, "failure_count": 0}
        if label:
            values["label"] = label
        existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
        if existing is None:
            try:
                with transaction.atomic():
                    subscription = PushSubscription.objects.create(endpoint=endpoint, **values)
            except IntegrityError:
                # The same browser registered twice at once: keep one row.
                existing = PushSubscription.objects.select_for_update().get(endpoint=endpoint)
            else:
                record_event(
                    actor=actor,
                    verb="push_subscription.register",
                    target=subscription,
                    subject=actor,
                )
                return subscription
        previous_owner = existing.user_id
        for name, value in values.items():
            setattr(existing, name, value)
        existing.save()
        if previous_owner != actor.pk:
            record_event(
                actor=actor,
                verb="push_subscription.move",
                target=existing,
                subject=actor,
                from_user=previous_owner,
            )
        return existing


def remove_push_subscription(*, actor: Any, endpoint: str) -> bool:
    """Forget one of the actor's own devices; False when the actor has none at that address."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("Please sign in to change your devices."))
    with transaction.atomic():
        subscription = (
            PushSubscription.objects.select_for_update()
            .filter(user=actor, endpoint=(endpoint or "").strip())
            .first()
        )
        if subscription is None:
            return False
        record_event(
            actor=actor, verb="push_subscription.remove", target=subscription, subject=actor
        )
        subscription.delete()
    return True
