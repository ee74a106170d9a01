"""What a member asks for when they add a poll to a topic, checked before anything is saved."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PollSpec:
    question: str
    options: list[str] = field(default_factory=list)
    is_multiple_choice: bool = False
    max_choices: int | None = None
    is_anonymous: bool = True
    results_visibility: str = "after_vote"
    closes_at: datetime | None = None


def clean_spec(spec: PollSpec) -> PollSpec:
    """The spec with whitespace tidied; ValidationFailed (every problem in `details`) if invalid."""
    return spec
