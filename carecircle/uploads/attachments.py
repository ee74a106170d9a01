"""Attaching a member's waiting uploads to what they write (posts, messages, resources).

A form or API call names uploads by id, each with its description; `check_choices` refuses the
whole set before anything is saved (another member's upload, one already attached elsewhere,
an image without a description, too many files), and `attach_to_*` links them inside the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from carecircle.uploads.models import Upload


@dataclass(frozen=True)
class AttachmentChoice:
    upload_id: int
    alt_text: str = ""
    is_decorative: bool = False


def check_choices(
    *, actor: Any, choices: Sequence[AttachmentChoice], post: Any = None, message: Any = None
) -> None:
    """Raise ValidationFailed (every problem in `details`) unless `choices` may be attached."""


def attach_to_post(*, actor: Any, post: Any, choices: Sequence[AttachmentChoice]) -> list[Upload]:
    """Make `choices` the post's attachments, in order; uploads no longer chosen are let go."""
    return []


def attach_to_message(
    *, actor: Any, message: Any, choices: Sequence[AttachmentChoice]
) -> list[Upload]:
    """Make `choices` the message's attachments, in order."""
    return []
