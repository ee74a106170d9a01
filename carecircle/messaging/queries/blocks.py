"""Who has muted or blocked whom: read by messaging, mentions and presence."""

from __future__ import annotations

from typing import Any

from carecircle.messaging.models import MemberBlock


def blocked_by(user: Any) -> set[int]:
    """Ids of the members `user` has blocked (their messages are hidden from `user`)."""
    if not getattr(user, "pk", None):
        return set()
    return set(
        MemberBlock.objects.filter(blocker_id=user.pk, level=MemberBlock.Level.BLOCK).values_list(
            "blocked_id", flat=True
        )
    )


def muted_by(user: Any) -> set[int]:
    """Ids of the members `user` has muted or blocked (no badge, no notification from them)."""
    if not getattr(user, "pk", None):
        return set()
    return set(MemberBlock.objects.filter(blocker_id=user.pk).values_list("blocked_id", flat=True))


def blockers_of(user: Any) -> set[int]:
    """Ids of the members who blocked `user`: `user` may not message or mention them, nor see
    their online status."""
    if not getattr(user, "pk", None):
        return set()
    return set(
        MemberBlock.objects.filter(blocked_id=user.pk, level=MemberBlock.Level.BLOCK).values_list(
            "blocker_id", flat=True
        )
    )


def is_blocked(*, blocker: Any, blocked: Any) -> bool:
    """Whether `blocker` has blocked `blocked` (mute alone is not a block)."""
    return MemberBlock.objects.filter(
        blocker_id=blocker.pk, blocked_id=blocked.pk, level=MemberBlock.Level.BLOCK
    ).exists()
