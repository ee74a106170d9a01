"""The header's "Moderation" link and its count of open items, for people who review items.

Every signed-in page shows the header, so reading it costs no query: whether the member
reviews anything is worked out once at sign-in and kept in their session (site staff and
verified professionals are known from their account), and the count comes from the cache,
which sign-in and the moderation pages refresh. A member made moderator while signed in sees
the link after signing in again or opening /moderation/; the count is at most
NAV_CACHE_SECONDS old and is left out when the cache has none.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpRequest

from carecircle.communities.models import Membership
from carecircle.moderation import queries

NAV_CACHE_SECONDS = 300
SESSION_KEY = "moderation_reviewer"


def _nav_key(user_id: int) -> str:
    return f"moderation:open-items:{user_id}"


def _known_reviewer(user: Any) -> bool:
    """Reviewers that the account itself says are reviewers (no query)."""
    return bool(user.is_site_staff or user.is_professional)


def remember_open_count(request: HttpRequest) -> int:
    """Count the member's open items now (one query), mark them a reviewer in their session,
    and keep the count for the header."""
    user: Any = request.user
    count = queries.open_item_count(user)
    cache.set(_nav_key(int(user.pk)), count, NAV_CACHE_SECONDS)
    if hasattr(request, "session") and request.session.get(SESSION_KEY) is not True:
        request.session[SESSION_KEY] = True
    return count


@receiver(user_logged_in, dispatch_uid="moderation_remember_reviewer")
def remember_reviewer(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """At sign-in: does this member review anything, and how much waits for them."""
    if request is None or not hasattr(request, "session"):
        return
    is_reviewer = _known_reviewer(user) or (
        Membership.objects.filter(
            user=user, role__in=(Membership.Role.MODERATOR, Membership.Role.MANAGER)
        ).exists()
    )
    request.session[SESSION_KEY] = is_reviewer
    if is_reviewer:
        cache.set(_nav_key(int(user.pk)), queries.open_item_count(user), NAV_CACHE_SECONDS)


class ModerationNav:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.user: Any = request.user

    @property
    def is_reviewer(self) -> bool:
        session = getattr(self.request, "session", None)
        flagged = session.get(SESSION_KEY) if session is not None else None
        return bool(flagged) or _known_reviewer(self.user)

    @property
    def open_count(self) -> int:
        cached = cache.get(_nav_key(int(self.user.pk)))
        return cached if isinstance(cached, int) else 0


def moderation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"moderation_nav": ModerationNav(request)}
