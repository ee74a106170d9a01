"""Set-up helpers for the bookmarks tests."""

from __future__ import annotations

from typing import Any

from carecircle.accounts.models import User
from carecircle.bookmarks.models import Bookmark
from carecircle.discussions.models import Post, Topic


def bookmark_of(
    user: User, *, topic: Topic | None = None, post: Post | None = None, **fields: Any
) -> Bookmark:
    """A bookmark inserted directly (set-up, not the action under test)."""
    return Bookmark.objects.create(user=user, topic=topic, post=post, **fields)
