"""Pictures: refused from their header when too big, then re-encoded to WebP without metadata.

Nothing of the uploaded bytes is kept. The picture is decoded once (the pixel count checked
before decoding), shrunk, turned upright from its EXIF orientation, moved to sRGB when it
carries another colour profile, and written out fresh as WebP: a main file of at most 2560 px
on its long side and narrower copies (320, 640, 1280 px wide, never wider than the main file)
for `srcset`. Because only pixels are written, EXIF (GPS included), XMP, comments, colour
profiles and anything appended to the file (a zip or HTML tail of a polyglot) are gone.
Animated GIF and WebP keep their first frame only. Transparency is kept.
"""

from __future__ import annotations

import io
import re
import warnings

from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageFile

from carecircle.uploads.processing.limits import max_decoded_bytes
from carecircle.uploads.processing.results import Rendition, UploadRefused
from carecircle.uploads.processing.sniff import setting

# libmagic's type → the only Pillow decoder allowed to open it (the bytes must agree twice).
PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/gif": "GIF",
}
MAIN_MAX_SIDE = 2560
WIDTHS = (320, 640, 1280)
ORIENTATION_TAG = 0x0112
STRIP_ROWS = 256
# EXIF orientation → the turn that makes the picture upright (as ImageOps.exif_transpose).
TRANSPOSITIONS = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
QUALITY = 82
# Pillow defaults to 4; on this project's 2-CPU test machine 4 took twice as long as 2 for the
# 2560 px main file of a 12-MP photo, at the same file size (bench/uploads.py).
METHOD = 2


def max_pixels() -> int:
    return int(setting("CARECIRCLE_UPLOAD_MAX_PIXELS"))


def _too_many_pixels() -> UploadRefused:
    return UploadRefused(
        _(
            "That picture has too many pixels (at most %(megapixels)d megapixels). "
            "Please choose a smaller one."
        )
        % {"megapixels": max(1, max_pixels() // 1_000_000)},
        code="too_many_pixels",
    )


def _unreadable() -> UploadRefused:
    return UploadRefused(
        _("We could not read that file as a picture. It may be damaged: please try another one.")
    )


def _open(data: bytes, pillow_format: str) -> Image.Image:
    """Open (header only) with the one expected decoder and check the pixel count."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=[pillow_format])
    except Image.DecompressionBombWarning:
        # Pillow's own limit is process-wide (accounts.avatars lowers it to 25 MP), so passing
        # it says nothing about our cap: open again without it and let the cap below decide.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            try:
                image = Image.open(io.BytesIO(data), formats=[pillow_format])
            except Image.DecompressionBombError as error:
                raise _too_many_pixels() from error
    except Image.DecompressionBombError as error:
        raise _too_many_pixels() from error
    except Exception as error:
        # A hostile or damaged header can fail in any of Pillow's parsers; all mean "unreadable".
        raise _unreadable() from error
    width, height = image.size
    if width < 1 or height < 1:
        raise _unreadable()
    if width * height > max_pixels():
        raise _too_many_pixels()
    return image


def _too_large_to_decode() -> UploadRefused:
    return UploadRefused(
        _(
            "That picture is too large for us to process (too many pixels for its kind of "
            "colours). Please choose a smaller one."
        ),
        code="too_many_pixels",
    )


# JPEG structure, walked before decoding. A progressive JPEG may repeat a scan thousands of
# times in a few hundred KB, and libjpeg decodes every one (3000 scans of a 36 MP picture took
# 72 s of CPU). Real encoders write at most a dozen or so scans (libjpeg's progressive script
# has 10, mozjpeg's up to ~ 20); 64 is far above any of them. A table may be defined again
# before each scan, hence the allowance for the other markers.
JPEG_MAX_SCANS = 64
JPEG_MAX_MARKERS = 1024
_SOS, _EOI, _SOI = 0xDA, 0xD9, 0xD8
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM and restart markers: no length
_FRAMES = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
# The end of entropy-coded data: 0xFF followed by anything but a stuffed zero or a restart.
_ENTROPY_END = re.compile(rb"\xff[^\x00\xd0-\xd7]")


def check_jpeg_structure(data: bytes) -> None:
    """Refuse a JPEG with more scans, frames or markers than any camera or editor writes.

    Reads marker lengths only (embedded thumbnails inside APP segments are skipped whole), so
    it costs a regular-expression pass over the file and no decoding.
    """
    if not data.startswith(b"\xff\xd8"):
        raise _unreadable()
    position, scans, frames, markers, length = 2, 0, 0, 0, len(data)
    while position < length:
        if data[position] != 0xFF:
            # Stray bytes between segments (some cameras pad): libjpeg skips to the next
            # marker with a warning, and so do we.
            position = data.find(b"\xff", position)
            if position < 0:
                break
        while position < length and data[position] == 0xFF:
            position += 1  # fill bytes
        if position >= length:
            break
        marker = data[position]
        position += 1
        markers += 1
        if markers > JPEG_MAX_MARKERS:
            raise _too_complex()
        if marker == _EOI:
            break
        if marker in _STANDALONE or marker == _SOI:
            continue
        if position + 2 > length:
            break  # cut short: the decoder decides whether what is there is enough
        position += int.from_bytes(data[position : position + 2], "big")
        if marker in _FRAMES:
            frames += 1
            if frames > 1:
                raise _too_complex()
        elif marker == _SOS:
            scans += 1
            if scans > JPEG_MAX_SCANS:
                raise _too_complex()
            found = _ENTROPY_END.search(data, position)
            position = found.start() if found else length


def _too_complex() -> UploadRefused:
    return UploadRefused(
        _(
            "That picture is built in an unusual way that would take too long to process. "
            "Please save it again as an ordinary JPEG or PNG and try once more."
        ),
        code="upload_refused",
    )


def _stored_bytes_per_pixel(mode: str) -> int:
    """What Pillow allocates per pixel for `mode` (RGB is stored in 4 bytes, like RGBA)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def _decode_sixteen_bit_grey_as_eight(image: ImageFile.ImageFile) -> bool:
    """Make a 16-bit grey PNG decode straight to 8-bit grey (the high byte of each value).

    Decoding as 16 bits and converting needed a 32-bit copy on the way: a 77 KB 6300 × 6300
    PNG took 380 MB that way, 37 MB this way. Pillow's PNG decoder has an unpacker for this
    ("L;16B"); any other layout is left alone (False) and refused by the caller.
    """
    tiles = image.tile
    if len(tiles) != 1 or tiles[0].codec_name != "zip" or tiles[0].args != "I;16B":
        return False
    image._mode = "L"  # noqa: SLF001 - the one way to choose the decoded mode before loading
    image.tile = [tiles[0]._replace(args="L;16B")]
    return True


def _working_mode(image: Image.Image) -> str:
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        return "RGBA"
    # Grey pictures stay grey (a quarter of the memory) until the small WebP is written.
    return "L" if image.mode in ("L", "1") else "RGB"


def check_decoded_bytes(image: Image.Image, working_mode: str) -> None:
    """Refuse, from the header alone, a picture whose decoded pixels would take too much memory.

    Counts the decoded picture and, when its colours must be converted, the converted copy:
    the two live at the same time.
    """
    pixels = image.size[0] * image.size[1]
    total = pixels * _stored_bytes_per_pixel(image.mode)
    if working_mode != image.mode:
        total += pixels * _stored_bytes_per_pixel(working_mode)
    if total > max_decoded_bytes():
        raise _too_large_to_decode()


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, longest / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _reduce_in_strips(image: Image.Image, factor: int, mode: str) -> Image.Image:
    """`image` averaged down by a whole `factor`, a band of rows at a time.

    Pillow's reduce and resize copy an RGBA picture whole to premultiply its alpha; done on the
    full picture that copy doubled the peak memory of a 40 MP PNG (430 MB). Band by band, only
    the small result is added to the decoded picture. The colours are converted to `mode` band
    by band too: a palette picture is never held whole as RGBA (40 MP: 160 MB saved).
    """
    width, height = image.size
    reduced = Image.new(mode, (-(-width // factor), -(-height // factor)))
    band = factor * STRIP_ROWS
    for top in range(0, height, band):
        strip = image.crop((0, top, width, min(height, top + band)))
        if strip.mode != mode:
            strip = strip.convert(mode)
        strip = strip.reduce(factor)
        reduced.paste(strip, (0, top // factor))
    return reduced


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Colours as the profile meant them, in sRGB, so the profile itself need not be kept."""
    if not icc_profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        target = ImageCms.createProfile("sRGB")
        converted = ImageCms.profileToProfile(image, source, target, outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A broken or unusual profile: the pixels as they are look nearly right anyway.
        return image
    return converted if converted is not None else image


def _webp(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")  # grey pictures, only ever at their final small size
    output = io.BytesIO()
    # No exif/xmp/icc_profile arguments: Pillow then writes pixels and nothing else.
    image.save(output, "WEBP", quality=QUALITY, method=METHOD)
    return output.getvalue()


def process_image(data: bytes, mime_type: str) -> tuple[list[Rendition], int, int]:
    """(renditions, width, height) of the main file; UploadRefused for anything else."""
    pillow_format = PILLOW_FORMATS.get(mime_type)
    if pillow_format is None:
        # Allowed by a setting but not a format this code can re-encode (HEIC without a plugin).
        raise _unreadable()
    if pillow_format == "JPEG":
        check_jpeg_structure(data)
    image = _open(data, pillow_format)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # JPEG can decode straight at 1/2, 1/4, 1/8 scale when that still covers the main
            # file: far less memory and time for very large photos. The box is square, so it
            # holds whatever the EXIF orientation turns out to be.
            if pillow_format == "JPEG":
                image.draft(None, _fit(image.size, MAIN_MAX_SIDE))
            if image.mode.startswith("I;16") and not (
                isinstance(image, ImageFile.ImageFile) and _decode_sixteen_bit_grey_as_eight(image)
            ):
                raise _unreadable()
            mode = _working_mode(image)
            factor = max(image.size) // MAIN_MAX_SIDE
            # From the header (and the JPEG draft size): nothing is decoded yet. A picture
            # reduced in bands is converted band by band, so no whole converted copy exists.
            check_decoded_bytes(image, image.mode if factor >= 2 else mode)
            image.load()
            icc_profile = image.info.get("icc_profile")
            orientation = image.getexif().get(ORIENTATION_TAG)
            if factor >= 2:
                image = _reduce_in_strips(image, factor, mode)
            elif image.mode != mode:
                image = image.convert(mode)
            # Resize first, turn upright after: the square box makes the order irrelevant to
            # the result, and turning a 2560 px picture is cheaper than turning the original.
            main_size = _fit(image.size, MAIN_MAX_SIDE)
            if main_size != image.size:
                image = image.resize(main_size, Image.Resampling.LANCZOS)
            if orientation in TRANSPOSITIONS:
                image = image.transpose(TRANSPOSITIONS[orientation])
            image = _to_srgb(image, icc_profile if isinstance(icc_profile, bytes) else None)
            image.info = {}
            width, height = image.size
            renditions = [
                Rendition(
                    name="file",
                    data=_webp(image),
                    content_type="image/webp",
                    extension="webp",
                    width=width,
                )
            ]
            # Each copy is made from the next wider one (widest first): halving a 1280 px
            # picture costs a quarter of shrinking the 2560 px one again, at the same quality.
            copies: list[Rendition] = []
            larger = image
            for target in sorted((w for w in WIDTHS if w < width), reverse=True):
                larger = larger.resize(
                    (target, max(1, round(height * target / width))), Image.Resampling.LANCZOS
                )
                copies.append(
                    Rendition(
                        name=f"w{target}",
                        data=_webp(larger),
                        content_type="image/webp",
                        extension="webp",
                        width=target,
                    )
                )
            renditions.extend(reversed(copies))
    except UploadRefused:
        raise
    except Image.DecompressionBombError as error:
        raise _too_many_pixels() from error
    except Exception as error:
        # Truncated or corrupt pixel data fails deep in a decoder with many exception types;
        # every one means the same to the member, and none may become a server error.
        raise _unreadable() from error
    finally:
        image.close()
    return renditions, width, height


def webp_from_picture(data: bytes, *, longest: int = 1280) -> bytes | None:
    """A metadata-free WebP of at most `longest` px from PNG/JPEG bytes (a video's poster)."""
    try:
        image = _open(data, "PNG" if data.startswith(b"\x89PNG") else "JPEG")
        with image:
            image.load()
            converted = image.convert("RGB")
            size = _fit(converted.size, longest)
            if size != converted.size:
                converted = converted.resize(size, Image.Resampling.LANCZOS)
            converted.info = {}
            return _webp(converted)
    except Exception:
        return None
