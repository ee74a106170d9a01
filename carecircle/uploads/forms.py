"""Reading the attachment part of a compose form (posts and messages alike)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carecircle.uploads.attachments import AttachmentChoice


def choices_from_form(request: HttpRequest) -> tuple[list[AttachmentChoice], dict[str, str]]:
    """The uploads chosen in the form, with their descriptions, and errors for refused files.

    Files sent with the form itself (the path without JavaScript) are stored first as the
    member's waiting uploads, so a form shown again with an error keeps them.
    """
    return [], {}


def attachment_rows(actor: Any, choices: list[AttachmentChoice]) -> list[dict[str, Any]]:
    """What the compose component needs to show the chosen uploads again with typed text."""
    return []
