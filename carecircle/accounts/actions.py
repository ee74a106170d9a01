"""Every write to a member's own account."""

from __future__ import annotations

import secrets
import zoneinfo
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.accounts.handles import is_valid_handle, normalise_handle
from carecircle.accounts.models import ApiToken, User
from carecircle.core.audit import record_event
from carecircle.core.errors import ConflictError, NotFoundError, ValidationFailed
from carecircle.core.ratelimit import check_rate

TOKEN_PREFIX = "cc_"  # noqa: S105 - a public prefix, not a secret
MAX_ACTIVE_TOKENS = 20


def update_profile(
    *,
    actor: User,
    display_name: str,
    handle: str,
    is_patient: bool,
    is_caregiver: bool,
    is_professional: bool,
    time_zone: str = "",
) -> User:
    """Change the actor's own display name, handle, self-described roles and time zone."""
    display_name = " ".join((display_name or "").split())
    if len(display_name) < 2 or len(display_name) > 60:
        raise ValidationFailed(
            _("Please use a display name of 2 to 60 characters."), field="display_name"
        )
    handle = normalise_handle(handle)
    if not is_valid_handle(handle):
        raise ValidationFailed(
            _("A handle is 2 to 40 letters, numbers, dots, dashes or underscores."),
            field="handle",
        )
    if User.objects.filter(handle=handle).exclude(pk=actor.pk).exists():
        raise ConflictError(_("That handle is taken. Please choose another."), field="handle")
    time_zone = (time_zone or "").strip()
    if time_zone:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationFailed(
                _("We do not know that time zone. Try a name like Europe/Paris."),
                field="time_zone",
            ) from error
    with transaction.atomic():
        actor.display_name = display_name
        actor.handle = handle
        actor.is_patient = is_patient
        actor.is_caregiver = is_caregiver
        actor.is_professional = is_professional
        actor.time_zone = time_zone
        actor.save(
            update_fields=[
                "display_name",
                "handle",
                "is_patient",
                "is_caregiver",
                "is_professional",
                "time_zone",
            ]
        )
    return actor


def create_api_token(*, actor: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token; returns it with the secret, which is never shown again."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Please give the token a name."), field="name")
    check_rate(scope="api_token", key=str(actor.pk), rate="10/h")
    if ApiToken.objects.filter(user=actor, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise ConflictError(
            _("You have %(max)d active tokens. Revoke one first.") % {"max": MAX_ACTIVE_TOKENS},
            field="name",
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor, name=name[:80], prefix=secret[:10], key_hash=ApiToken.hash_key(secret)
        )
        record_event(actor=actor, verb="api_token.create", target=token)
    return token, secret


def revoke_api_token(*, actor: User, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens; someone else's token is 'not found'."""
    token = ApiToken.objects.filter(pk=token_id, user=actor).first()
    if token is None:
        raise NotFoundError(_("Token not found."))
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            record_event(actor=actor, verb="api_token.revoke", target=token)
    return token


def authenticate_api_token(secret: str) -> User | None:
    """The active member behind a token secret, or None; marks the token as used."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def set_site_roles(
    *, actor: Any, member: User, is_site_moderator: bool, is_site_manager: bool
) -> User:
    """Give or take site moderator/manager roles; site admins only."""
    from carecircle.core.errors import PermissionDeniedError

    if not getattr(actor, "is_site_admin", False):
        raise PermissionDeniedError(_("Only site administrators can change site roles."))
    with transaction.atomic():
        member.is_site_moderator = is_site_moderator
        member.is_site_manager = is_site_manager
        member.save(update_fields=["is_site_moderator", "is_site_manager"])
        record_event(
            actor=actor,
            verb="member.site_roles",
            target=member,
            moderator=is_site_moderator,
            manager=is_site_manager,
        )
    return member
