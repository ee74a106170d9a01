"""The header bell's unread count, read lazily from the cache.

The bell is on every member's page, so the count comes from `queries.unread_count`, which the
actions keep in the cache; a template that never shows it costs nothing, a cold cache one query.
Visitors get nothing (their pages are cached and carry no per-person data).
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest


class NotificationNav:
    def __init__(self, user: Any) -> None:
        self.user = user

    @cached_property
    def unread(self) -> int:
        from carecircle.notifications.queries import unread_count

        return unread_count(self.user)


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"notification_nav": NotificationNav(user)}
