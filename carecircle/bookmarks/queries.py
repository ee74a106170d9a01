"""Reads of bookmarks: only ever the actor's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from carecircle.bookmarks.models import Bookmark


@dataclass
class BookmarkState:
    topic_bookmark: Bookmark | None = None
    post_bookmarks: dict[int, Bookmark] = field(default_factory=dict)


def bookmark_state(actor: Any, topic: Any, posts: list[Any]) -> BookmarkState:
    """The actor's bookmarks of this topic and of these posts, in one query."""
    return BookmarkState()
