"""PDF documents: checked to be PDFs, then stored exactly as sent.

A PDF is never opened, rendered or previewed on the server, and it is always served as a
download (`Content-Disposition: attachment`, sandboxed), never shown inside our pages. So a PDF
carrying JavaScript or forms is stored like any other: it runs, if at all, in the member's own
PDF reader, as with a PDF sent by email. Encrypted PDFs are allowed for the same reason.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from carecircle.uploads.processing.results import Rendition, UploadRefused

# The PDF specification puts %%EOF at the very end; real files may add a little after it
# (a newline, or padding from a scanner), so look a little further back.
EOF_WINDOW = 2048


def process_document(data: bytes, mime_type: str) -> Rendition:
    """The document as its one rendition; UploadRefused unless the bytes are a whole PDF."""
    if mime_type != "application/pdf":
        # Only PDF is understood here: another type allowed by a setting is refused plainly.
        raise UploadRefused(_("Only PDF documents can be shared here."), code="type_not_allowed")
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-EOF_WINDOW:]:
        raise UploadRefused(
            _("We could not read that file as a PDF. It may be damaged: please try another one.")
        )
    return Rendition(name="file", data=data, content_type="application/pdf", extension="pdf")
