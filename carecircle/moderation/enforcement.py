"""Whether a member may write right now: suspensions, bans and pre-moderation.

Sanctions take effect at once, so nothing here is cached beyond the actor object itself,
which lives for one request (or one socket frame): the first check loads the member's
active sanctions in one query, later checks in the same request reuse them.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.core.errors import PermissionDeniedError
from carecircle.moderation.models import Sanction

_CACHE_ATTRIBUTE = "_moderation_active_sanctions"
_RESTRICTING = (Sanction.Kind.SUSPENSION, Sanction.Kind.BAN, Sanction.Kind.PRE_MODERATION)


def active_sanctions_of(actor: Any) -> list[Sanction]:
    """The actor's suspensions, bans and pre-moderation in force now (cached on the actor)."""
    if not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return []
    cached = getattr(actor, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    now = timezone.now()
    sanctions = list(
        Sanction.objects.filter(
            member_id=actor.pk,
            kind__in=_RESTRICTING,
            lifted_at__isnull=True,
            starts_at__lte=now,
        ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    )
    with contextlib.suppress(AttributeError):
        setattr(actor, _CACHE_ATTRIBUTE, sanctions)
    return sanctions


def forget_sanctions(actor: Any) -> None:
    """Drop the per-request copy (after sanctioning or lifting, for this same object)."""
    if actor is not None and _CACHE_ATTRIBUTE in getattr(actor, "__dict__", {}):
        delattr(actor, _CACHE_ATTRIBUTE)
    wrapped = getattr(actor, "_wrapped", None)  # request.user is a lazy wrapper
    if wrapped is not None and _CACHE_ATTRIBUTE in getattr(wrapped, "__dict__", {}):
        delattr(wrapped, _CACHE_ATTRIBUTE)


def _applies(sanction: Sanction, community: Community | None) -> bool:
    return sanction.community_id is None or (
        community is not None and sanction.community_id == community.pk
    )


def restriction_for(actor: Any, community: Community | None) -> Sanction | None:
    """The active ban or suspension that stops `actor` writing in `community` (site-wide ones
    everywhere); a ban wins over a suspension, a site-wide one over a community one."""
    found = [
        sanction
        for sanction in active_sanctions_of(actor)
        if sanction.kind in (Sanction.Kind.SUSPENSION, Sanction.Kind.BAN)
        and _applies(sanction, community)
    ]
    if not found:
        return None
    found.sort(key=lambda s: (s.kind != Sanction.Kind.BAN, s.community_id is not None, -s.pk))
    return found[0]


def restriction_message(sanction: Sanction) -> str:
    """What the member is told when a ban or suspension stops them writing."""
    if sanction.kind == Sanction.Kind.BAN:
        if sanction.community_id is None:
            return _("Your account has been banned, so you cannot post or send messages.")
        return _("You have been banned from this community, so you cannot post here.")
    until = formats.date_format(timezone.localtime(sanction.ends_at), "DATETIME_FORMAT")
    if sanction.community_id is None:
        return _("Your account is suspended until %(date)s. You can read but not post.") % {
            "date": until
        }
    return _("You are suspended in this community until %(date)s. You can read but not post.") % {
        "date": until
    }


def restriction_error(sanction: Sanction) -> PermissionDeniedError:
    code = "banned" if sanction.kind == Sanction.Kind.BAN else "suspended"
    return PermissionDeniedError(restriction_message(sanction), code=code)


def check_not_restricted(actor: Any, community: Community | None) -> None:
    """Raise PermissionDeniedError (code "suspended" or "banned") if the actor may not write."""
    sanction = restriction_for(actor, community)
    if sanction is not None:
        raise restriction_error(sanction)


def is_premoderated(actor: Any, community: Community | None) -> bool:
    """Whether a moderator put the actor's posts (here, or everywhere) on approval."""
    return any(
        sanction.kind == Sanction.Kind.PRE_MODERATION and _applies(sanction, community)
        for sanction in active_sanctions_of(actor)
    )


def is_banned_from_site(user: Any) -> bool:
    """Whether an active site-wide ban stops this account signing in (one query)."""
    if getattr(user, "pk", None) is None:
        return False
    return (
        Sanction.objects.filter(
            member_id=user.pk,
            kind=Sanction.Kind.BAN,
            community__isnull=True,
            lifted_at__isnull=True,
            starts_at__lte=timezone.now(),
        )
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=timezone.now()))
        .exists()
    )
