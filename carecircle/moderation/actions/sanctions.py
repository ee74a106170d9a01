"""Warnings, pre-moderation, suspensions and bans, and lifting them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.communities.models import Community
from carecircle.core.errors import ConflictError, ValidationFailed
from carecircle.core.realtime import broadcast, revoke_access
from carecircle.moderation import enforcement, permissions
from carecircle.moderation.actions.common import clean_guideline, clean_reason, log_action
from carecircle.moderation.models import ModerationAction, ReviewItem, Sanction

Kind = Sanction.Kind
VERB_OF: dict[str, str] = {
    Kind.WARNING: ModerationAction.Verb.WARN,
    Kind.PRE_MODERATION: ModerationAction.Verb.PRE_MODERATE,
    Kind.SUSPENSION: ModerationAction.Verb.SUSPEND,
    Kind.BAN: ModerationAction.Verb.BAN,
}
# The decision names are accepted too ("suspend" for "suspension").
KIND_ALIASES = {
    "warn": Kind.WARNING,
    "suspend": Kind.SUSPENSION,
    "pre_moderate": Kind.PRE_MODERATION,
}
MAX_DAYS = 365


def _clean_days(days: Any) -> int:
    try:
        value = int(days)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_DAYS:
        raise ValidationFailed(
            _("Please give a suspension of 1 to %(max)d days.") % {"max": MAX_DAYS},
            field="days",
        )
    return value


def _close_access(member: Any, community: Community | None, sanction: Sanction) -> None:
    """Open pages of the member stop writing at once; a site ban signs them out everywhere."""
    from carecircle.messaging.models import ChatRoom

    rooms = (
        ChatRoom.objects.all()
        if community is None
        else ChatRoom.objects.filter(community=community)
    )
    if sanction.kind == Kind.BAN:
        for room_id in rooms.values_list("pk", flat=True):
            revoke_access(f"room:{room_id}", [member.pk], reason="banned")
    broadcast(
        f"user:{member.pk}",
        {
            "type": "moderation.restricted",
            "kind": sanction.kind,
            "community": community.pk if community is not None else None,
            "ends_at": sanction.ends_at.isoformat() if sanction.ends_at else None,
        },
    )
    if sanction.kind == Kind.BAN and community is None:
        from carecircle.signin.actions import end_member_sessions

        end_member_sessions(member.pk)


def _check_not_already_restricted(
    member: Any, community: Community | None, kind: str, now: Any
) -> None:
    """One restriction of a scope at a time: a second suspension, or anything but a ban on top
    of a suspension, is refused (ConflictError "already_sanctioned"); lift the one in force to
    change it. A ban may follow a suspension, being the stronger of the two."""
    blocking = [Kind.BAN] if kind == Kind.BAN else [Kind.BAN, Kind.SUSPENSION]
    in_force = (
        Sanction.objects.select_for_update()
        .filter(
            member=member,
            community=community,
            kind__in=blocking,
            lifted_at__isnull=True,
            starts_at__lte=now,
        )
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .exists()
    )
    if in_force:
        raise ConflictError(
            _("This member is already suspended or banned here. Lift that first to change it."),
            code="already_sanctioned",
        )


def sanction_member(
    *,
    actor: Any,
    member: Any,
    community: Community | None,
    kind: str,
    reason: str,
    guideline: str = "",
    days: int | None = None,
    item: ReviewItem | None = None,
) -> Sanction:
    """Warn, pre-moderate, suspend (1-365 days) or ban a member, in `community` or site-wide
    (None). Takes effect at once; the member is told why and may appeal."""
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in Kind.values:
        raise ValidationFailed(_("Please choose an action."), field="kind")
    permissions.check_can_sanction(actor, member, community)
    reason = clean_reason(reason, required=kind != Kind.PRE_MODERATION)
    guideline = clean_guideline(guideline)
    now = timezone.now()
    ends_at = None
    if kind == Kind.SUSPENSION:
        ends_at = now + timedelta(days=_clean_days(days))
    elif kind == Kind.WARNING:
        ends_at = now
    elif kind == Kind.PRE_MODERATION and days:
        ends_at = now + timedelta(days=_clean_days(days))
    with transaction.atomic():
        if kind in (Kind.SUSPENSION, Kind.BAN):
            _check_not_already_restricted(member, community, kind, now)
        action = log_action(
            actor=actor,
            verb=VERB_OF[kind],
            community=community,
            member=member,
            item=item,
            target_key=item.target_key if item is not None else f"member:{member.pk}",
            reason=reason,
            guideline=guideline,
            is_appealable=True,
            notify=True,
        )
        sanction = Sanction.objects.create(
            member=member,
            community=community,
            kind=kind,
            action=action,
            reason=reason,
            starts_at=now,
            ends_at=ends_at,
        )
        if kind in (Kind.SUSPENSION, Kind.BAN):
            _close_access(member, community, sanction)
    enforcement.forget_sanctions(member)
    return sanction


def lift_sanction(*, actor: Any, sanction: Sanction, reason: str = "") -> Sanction:
    """End a sanction early; the member is told."""
    permissions.check_can_sanction(actor, sanction.member, sanction.community)
    reason = clean_reason(reason, required=False)
    with transaction.atomic():
        locked = Sanction.objects.select_for_update().get(pk=sanction.pk)
        if not locked.is_active_at():
            raise ConflictError(_("This sanction is no longer in force."), code="not_active")
        locked.lifted_at = timezone.now()
        locked.lifted_by = actor
        locked.save(update_fields=["lifted_at", "lifted_by"])
        log_action(
            actor=actor,
            verb=ModerationAction.Verb.LIFT,
            community=sanction.community,
            member=sanction.member,
            target_key=f"member:{sanction.member_id}",
            reason=reason,
            notify=True,
        )
    sanction.lifted_at, sanction.lifted_by = locked.lifted_at, actor
    enforcement.forget_sanctions(sanction.member)
    return sanction


def set_premoderation(
    *, actor: Any, member: Any, community: Community | None, is_on: bool, reason: str = ""
) -> Sanction | None:
    """Put a member's posts on approval (here, or everywhere), or take them off it."""
    permissions.check_can_sanction(actor, member, community)
    now = timezone.now()
    current = list(
        Sanction.objects.filter(
            member=member,
            community=community,
            kind=Kind.PRE_MODERATION,
            lifted_at__isnull=True,
        ).filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    )
    if is_on:
        if current:
            return current[0]
        return sanction_member(
            actor=actor,
            member=member,
            community=community,
            kind=Kind.PRE_MODERATION,
            reason=reason,
        )
    for sanction in current:
        lift_sanction(actor=actor, sanction=sanction, reason=reason)
    return None
