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


def block_level(*, blocker: Any, blocked: Any) -> str | None:
    """ "mute", "block" or None: how `blocker` has limited `blocked`."""
    if not getattr(blocker, "pk", None) or not getattr(blocked, "pk", None):
        return None
    return (
        MemberBlock.objects.filter(blocker_id=blocker.pk, blocked_id=blocked.pk)
        .values_list("level", flat=True)
        .first()
    )


def block_level_by_handle(*, blocker: Any, handle: str) -> str | None:
    """Like `block_level`, for the member with this handle (one query)."""
    if not getattr(blocker, "pk", None) or not handle:
        return None
    return (
        MemberBlock.objects.filter(blocker_id=blocker.pk, blocked__handle=handle)
        .values_list("level", flat=True)
        .first()
    )


def blocks_made_by(user: Any) -> list[MemberBlock]:
    """The members `user` muted or blocked, with them, by name (for the settings page)."""
    if not getattr(user, "pk", None):
        return []
    return list(
        MemberBlock.objects.filter(blocker_id=user.pk)
        .select_related("blocked")
        .order_by("blocked__display_name", "blocked__handle")
    )
