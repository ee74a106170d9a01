"""Turning an uploaded picture into a small, metadata-free WebP avatar.

The upload is checked before any pixel is decoded: at most 5 MB, at most 25 megapixels
(Pillow's own bomb check turned into an error). Re-encoding at 256 px drops EXIF, GPS and
every other piece of metadata, because nothing but pixels is written back.
"""

from __future__ import annotations

import io
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from carecircle.core.errors import ValidationFailed

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 25_000_000
AVATAR_SIZE = 256
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

# Pillow only warns between this limit and twice it; make_avatar turns the warning into an error.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


def _refuse(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="avatar", code="invalid_image")


def make_avatar(data: bytes) -> bytes:
    """A 256 × 256 WebP made from the pixels of `data`; ValidationFailed for anything else."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(_("That picture is larger than 5 MB. Please choose a smaller one."))
    if not data:
        raise _refuse(_("That file is empty. Please choose a picture."))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in ACCEPTED_FORMATS:
                    raise _refuse(_("Please choose a JPEG, PNG, WebP or GIF picture."))
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise _refuse(
                        _("That picture has too many pixels. Please choose a smaller one.")
                    )
                image.seek(0)
                upright = ImageOps.exif_transpose(image)
                has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
                converted = upright.convert("RGBA" if has_alpha else "RGB")
                square = ImageOps.fit(
                    converted, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS
                )
                output = io.BytesIO()
                square.save(output, "WEBP", quality=85, method=4)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _refuse(
                _("That picture has too many pixels. Please choose a smaller one.")
            ) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
            raise _refuse(
                _("We could not read that file as a picture. Please choose a photo.")
            ) from error
    return output.getvalue()
