"""Every write to polls: adding one to a topic, voting, changing a vote, closing."""

from __future__ import annotations

from typing import Any

from carecircle.polls.models import Poll
from carecircle.polls.specs import PollSpec


def add_poll(*, actor: Any, topic: Any, spec: PollSpec) -> Poll | None:
    """Attach a poll to a topic (inside the caller's transaction); `spec` is already clean."""
    return None
