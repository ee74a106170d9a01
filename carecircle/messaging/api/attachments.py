"""The attachment part of message schemas, shared by conversations and chat rooms.

Uploads are made first (POST /api/v1/uploads); a message names them by id. The schemas are the
ones posts use (`uploads.schemas`: one OpenAPI component each); on the way out an attachment
has the shape of `uploads.display.attachment_payload`, which the socket sends too.
"""

from __future__ import annotations

from carecircle.uploads.attachments import AttachmentChoice
from carecircle.uploads.schemas import AttachmentIn, AttachmentOut, attachment_choices

# The names the conversation and room schemas import; the same classes as posts'.
MessageAttachmentIn = AttachmentIn
MessageAttachmentOut = AttachmentOut


def choices_of(items: list[AttachmentIn]) -> list[AttachmentChoice]:
    return attachment_choices(items)
