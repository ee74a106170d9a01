"""An upload as JSON for its owner and the compose script (upload endpoint, uploads API).

Built on `uploads.display`, which owns the addresses and the attachment shape: this adds what
the uploader needs on top (thumbnail, description state, processing and attachment state).
Only addresses of the serving view appear: every one of them checks access again when fetched.
"""

from __future__ import annotations

from typing import Any

from carecircle.uploads import display
from carecircle.uploads.models import Upload


def needs_alt(upload: Upload) -> bool:
    return upload.kind == Upload.Kind.IMAGE and not upload.alt_text and not upload.is_decorative


def upload_document(upload: Upload, reader: Any = None) -> dict[str, Any]:
    """Everything a client needs to show or link an upload (no owner, no storage names).

    The fields of `schemas.UploadOut`, plus `kind_label` and `size_text` ("Picture",
    "1.8 KB") so the compose script's rows read exactly as the rows the server draws; the
    API schema leaves those two out.
    """
    document = display.attachment_payload(upload, reader)
    document.update(
        {
            # The owner's own words, also for a decorative picture (they may edit them).
            "alt_text": upload.alt_text,
            "thumbnail_url": display.thumbnail_url(upload) or None,
            "needs_alt": needs_alt(upload),
            "is_processed": upload.is_processed,
            "is_attached": upload.is_attached,
            "created_at": upload.created_at,
            "kind_label": display.kind_label(upload),
            "size_text": display.size_text(upload),
        }
    )
    return document
