"""The header's "Moderation" link and its count of open items, for people who review items.

Read lazily, only when a template shows it. Whether someone reviews at all and how many items
wait are kept in the cache for a short while, so a page usually costs no query for it; a cold
cache costs one query for a member who reviews nothing and two for a reviewer.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from carecircle.communities.models import Membership
from carecircle.moderation import queries

NAV_CACHE_SECONDS = 30


def _nav_key(user_id: int) -> str:
    return f"moderation:nav:{user_id}"


def forget_nav(user_id: int) -> None:
    """Drop a member's cached link state (e.g. after they resolve an item)."""
    cache.delete(_nav_key(user_id))


class ModerationNav:
    def __init__(self, request: HttpRequest) -> None:
        self.user = request.user

    @cached_property
    def _state(self) -> tuple[bool, int]:
        user: Any = self.user
        key = _nav_key(int(user.pk))
        cached = cache.get(key)
        if isinstance(cached, tuple) and len(cached) == 2:
            return bool(cached[0]), int(cached[1])
        is_reviewer = bool(
            user.is_site_staff
            or user.is_professional
            or Membership.objects.filter(
                user=user, role__in=(Membership.Role.MODERATOR, Membership.Role.MANAGER)
            ).exists()
        )
        count = queries.open_item_count(user) if is_reviewer else 0
        cache.set(key, (is_reviewer, count), NAV_CACHE_SECONDS)
        return is_reviewer, count

    @property
    def is_reviewer(self) -> bool:
        return self._state[0]

    @property
    def open_count(self) -> int:
        return self._state[1]


def moderation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"moderation_nav": ModerationNav(request)}
