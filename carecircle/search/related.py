"""Related discussions and "similar topics already exist": embeddings when installed,
full-text similarity otherwise, always only topics the reader may read."""

from __future__ import annotations

from typing import Any


def related_topics(actor: Any, topic: Any, *, limit: int = 5) -> list[Any]:
    """Up to `limit` readable topics about the same thing as `topic` (never itself)."""
    raise NotImplementedError


def similar_topics(actor: Any, title: str, *, community: Any = None, limit: int = 5) -> list[Any]:
    """Readable topics whose subject looks like `title`, for the new-topic hint."""
    raise NotImplementedError
