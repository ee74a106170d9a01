"""Reads of polls, scoped to the actor."""

from __future__ import annotations

from typing import Any


def poll_for_topic(actor: Any, topic: Any) -> dict[str, Any] | None:
    """Everything the topic page shows of its poll for this actor, or None without a poll."""
    return None
