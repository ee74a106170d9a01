"""What every page may show about the member's messages: the header's unread badge, and on a
member's profile how the viewer has limited that member (mute or block).

Both are read lazily, only when a template shows them. The badge is on every page, so it comes
from the cache, which actions refresh whenever a count changes; a cold cache costs one query.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.http import HttpRequest

from carecircle.messaging.queries.blocks import block_level_by_handle
from carecircle.messaging.queries.conversations import unread_count


class MessagingContext:
    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.user = request.user

    @cached_property
    def unread(self) -> int:
        return unread_count(self.user)

    @cached_property
    def profile_block_level(self) -> str | None:
        """On a member's profile: "mute", "block" or None for the member shown."""
        match = getattr(self.request, "resolver_match", None)
        if match is None or match.url_name != "member_profile":
            return None
        handle = str(match.kwargs.get("handle", "")).lstrip("@").lower()
        return block_level_by_handle(blocker=self.user, handle=handle)


def messaging(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    return {"messaging": MessagingContext(request)}
