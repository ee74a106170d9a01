"""The hostile-file corpus: files that try to get active content, hidden data or a memory blow-up
past the upload checks, built in code at test time (nothing binary is committed).

`build_corpus(folder)` writes every file into `folder` and returns one `CorpusFile` each, saying
what must happen: "stored" (as `kind`, with none of the `forbidden` byte strings left in any
stored file) or "refused" (with the UploadRefused `code`). Any upload path (process_upload, the
upload page, the API) can run the whole list; `build_captions_corpus` does the same for WebVTT.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, PngImagePlugin

STORED, REFUSED = "stored", "refused"
# The GPS position planted in every file that carries one, as text and as EXIF rationals.
GPS_TEXT = b"+48.8577+002.2950"
GPS_LATITUDE = (48.0, 51.0, 27.72)
GPS_LONGITUDE = (2.0, 17.0, 42.0)
SCRIPT = b"<script>alert(document.cookie)</script>"
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body>" + SCRIPT + b"</body></html>"
SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
    b"<script>alert(document.domain)</script><rect width='10' height='10'/></svg>\n"
)
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class CorpusFile:
    case: str
    declared_name: str
    path: Path
    expect: str  # STORED or REFUSED
    kind: str | None = None  # when stored: "image" | "video" | "document"
    code: str | None = None  # when refused: the UploadRefused code
    # Byte strings that no stored rendition may contain (planted scripts, tails, GPS text).
    forbidden: tuple[bytes, ...] = ()
    needs_ffmpeg: bool = False
    note: str = ""

    @property
    def data(self) -> bytes:
        return self.path.read_bytes()


def photo(size: tuple[int, int] = (64, 48), *, mode: str = "RGB") -> Image.Image:
    """A picture with some structure (a plain colour compresses to nothing)."""
    image = Image.linear_gradient("L").resize(size)
    if mode == "L":
        return image
    channels = [image, image.rotate(90).resize(size), Image.new("L", size, 90)]
    if mode == "RGBA":
        channels.append(image.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    return Image.merge(mode, channels)


def gps_exif(*, orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Phone 12"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: GPS_LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: GPS_LONGITUDE,
    }
    return exif


def jpeg(image: Image.Image | None = None, **options: object) -> bytes:
    output = io.BytesIO()
    (image or photo()).save(output, "JPEG", quality=90, **options)
    return output.getvalue()


def png(image: Image.Image | None = None, **options: object) -> bytes:
    output = io.BytesIO()
    (image or photo()).save(output, "PNG", **options)
    return output.getvalue()


def gif(frames: int = 1) -> bytes:
    images = [photo().convert("P") for _ in range(frames)]
    for index, image in enumerate(images):
        image.putpixel((index, 0), index * 40 % 256)
    output = io.BytesIO()
    images[0].save(
        output, "GIF", save_all=frames > 1, append_images=images[1:], duration=100, loop=0
    )
    return output.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header claiming width × height, with a few hundred bytes of pixel data."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 4096, 9))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG whose frame header (SOF0) is patched to claim width × height."""
    data = bytearray(jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    data = bytearray(gif())
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def pdf(*, javascript: bool = False) -> bytes:
    """A small, well-formed one-page PDF (with an OpenAction script when asked)."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R" + (b" /OpenAction 4 0 R" if javascript else b"")
    objects = [
        catalog + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    if javascript:
        objects.append(b"<< /Type /Action /S /JavaScript /JS (app.alert\\('hello'\\);) >>")
    output = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(output))
        output += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(output)
    output += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    output += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    output += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return output


def zip_bomb(uncompressed: int = 16 * 1024 * 1024) -> bytes:
    """A zip a few tens of KB that inflates to `uncompressed` bytes."""
    output = io.BytesIO()
    block = b"\x00" * (1024 * 1024)
    with (
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("bomb.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(uncompressed // len(block)):
            member.write(block)
    return output.getvalue()


def elf_header() -> bytes:
    """The start of a 64-bit Linux executable (header and nothing to run)."""
    header = struct.pack(
        "<4sBBBBB7sHHIQQQIHHHHHH",
        b"\x7fELF",
        2,  # 64-bit
        1,  # little endian
        1,  # ELF version
        0,  # System V ABI
        0,
        b"\x00" * 7,
        2,  # executable
        62,  # x86-64
        1,
        0x401000,
        64,
        0,
        0,
        64,
        56,
        0,
        0,
        0,
        0,
    )
    return header + b"\x00" * 4032


def ffmpeg_video(folder: Path, name: str, options: list[str]) -> Path | None:
    """A one-second test video made by ffmpeg with a planted location, or None without it."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    path = folder / name
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=96x64:rate=10",
            "-t",
            "1",
            "-metadata",
            f"location={GPS_TEXT.decode()}/",
            "-metadata",
            "title=Clinic waiting room",
            *options,
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path


def ffmpeg_video_with_cover(folder: Path) -> Path | None:
    """An MP4 whose attached picture (cover art) is a JPEG with EXIF GPS and a GPS comment."""
    ffmpeg = shutil.which("ffmpeg")
    video = ffmpeg_video(folder, "plain-for-cover.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
    if ffmpeg is None or video is None:
        return None
    cover = folder / "cover.jpg"
    cover.write_bytes(jpeg(exif=gps_exif().tobytes(), comment=b"home " + GPS_TEXT))
    path = folder / "mp4_cover_art_gps.mp4"
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [ffmpeg, "-v", "error", "-y", "-i", str(video), "-i", str(cover)]
        + ["-map", "0", "-map", "1", "-c", "copy", "-disposition:v:1", "attached_pic", str(path)],
        check=True,
        timeout=60,
    )
    return path


def ffmpeg_video_with_gps_subtitles(folder: Path) -> Path | None:
    """An MP4 with a subtitle track whose text is a GPS position, as some dash cameras write."""
    ffmpeg = shutil.which("ffmpeg")
    video = ffmpeg_video(
        folder, "plain-for-subtitles.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
    )
    if ffmpeg is None or video is None:
        return None
    subtitles = folder / "gps.srt"
    subtitles.write_bytes(b"1\n00:00:00,000 --> 00:00:01,000\nGPS " + GPS_TEXT + b"\n")
    path = folder / "mp4_gps_subtitles.mp4"
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [ffmpeg, "-v", "error", "-y", "-i", str(video), "-i", str(subtitles)]
        + ["-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text", str(path)],
        check=True,
        timeout=60,
    )
    return path


# Every case build_corpus writes, by name, so the tests that run them can give each its own
# readable id when they are collected; test_corpus_is_complete keeps this list in step.
CASE_NAMES = (
    "jpeg_exif_gps",
    "png_exif_text_chunks",
    "webp_exif_xmp",
    "html_as_jpg",
    "svg_as_jpg",
    "svg_as_png",
    "svg",
    "svgz_as_png",
    "shell_script_as_png",
    "gifar_polyglot",
    "jpeg_html_polyglot",
    "png_html_tail",
    "animated_gif",
    "png_100000x100000",
    "png_8000x6000",
    "jpeg_65535x65535",
    "gif_65535x65535",
    "jpeg_repeated_scans",
    "truncated_jpeg",
    "truncated_png",
    "empty",
    "jpeg_header_only",
    "pdf_tiny",
    "pdf_with_javascript",
    "pdf_truncated",
    "zip_bomb_as_pdf",
    "elf_as_pdf",
    "pdf_as_jpg",
    "jpeg_as_pdf",
    "jpeg_as_png",
    "html_as_mp4",
    "playlist_as_mp4",
    "mp4_box_then_html",
    "mp4_with_location",
    "mov_with_location",
    "webm_with_location",
    "mp4_cover_art_gps",
)


def build_corpus(folder: Path) -> list[CorpusFile]:
    """Write every hostile (and a few honest) files into `folder`; see the module docstring."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[CorpusFile] = []

    def add(case: str, declared_name: str, data: bytes, expect: str, **extra: object) -> None:
        path = folder / case
        path.write_bytes(data)
        files.append(CorpusFile(case, declared_name, path, expect, **extra))  # type: ignore[arg-type]

    image, document, video = "image", "document", "video"
    # Metadata that must not survive.
    add(
        "jpeg_exif_gps",
        "IMG_0001.JPG",
        jpeg(exif=gps_exif(orientation=6).tobytes(), comment=b"taken at home " + GPS_TEXT),
        STORED,
        kind=image,
        forbidden=(GPS_TEXT, b"Exif", b"PhoneMaker"),
    )
    png_info = PngImagePlugin.PngInfo()
    png_info.add_text("Comment", "Home: " + GPS_TEXT.decode())
    png_info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>" + GPS_TEXT.decode() + "</x:xmpmeta>")
    add(
        "png_exif_text_chunks",
        "screenshot.png",
        png(photo(mode="RGBA"), pnginfo=png_info, exif=gps_exif().tobytes()),
        STORED,
        kind=image,
        forbidden=(GPS_TEXT, b"eXIf", b"tEXt", b"iTXt", b"PhoneMaker", b"xmpmeta"),
    )
    webp_output = io.BytesIO()
    photo().save(webp_output, "WEBP", exif=gps_exif().tobytes(), xmp=b"<x:xmpmeta>" + GPS_TEXT)
    add(
        "webp_exif_xmp",
        "sticker.webp",
        webp_output.getvalue(),
        STORED,
        kind=image,
        forbidden=(GPS_TEXT, b"EXIF", b"XMP ", b"PhoneMaker"),
    )
    # Active content under a picture's name.
    add("html_as_jpg", "photo.jpg", HTML, REFUSED, code="type_not_allowed")
    add("svg_as_jpg", "photo.jpg", SVG, REFUSED, code="type_not_allowed")
    add("svg_as_png", "drawing.png", SVG, REFUSED, code="type_not_allowed")
    add("svg", "drawing.svg", SVG, REFUSED, code="type_not_allowed")
    add(
        "svgz_as_png",
        "drawing.png",
        zlib.compress(SVG),
        REFUSED,
        code="type_not_allowed",
        note="compressed SVG (not gzip-framed): libmagic sees zlib data",
    )
    add(
        "shell_script_as_png", "run.png", b"#!/bin/sh\nrm -rf ~\n", REFUSED, code="type_not_allowed"
    )
    # Polyglots: a real picture that is also something else; re-encoding must drop the rest.
    gifar = io.BytesIO()
    with zipfile.ZipFile(gifar, "w") as archive:
        archive.writestr("index.html", HTML)
        archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    add(
        "gifar_polyglot",
        "funny.gif",
        gif() + gifar.getvalue(),
        STORED,
        kind=image,
        forbidden=(ZIP_MAGIC, SCRIPT, b"index.html"),
    )
    add(
        "jpeg_html_polyglot",
        "photo.jpg",
        jpeg(comment=HTML) + HTML,
        STORED,
        kind=image,
        forbidden=(SCRIPT, b"<html"),
    )
    add(
        "png_html_tail",
        "photo.png",
        png() + HTML,
        STORED,
        kind=image,
        forbidden=(SCRIPT,),
    )
    add(
        "animated_gif",
        "dance.gif",
        gif(frames=5),
        STORED,
        kind=image,
        forbidden=(b"ANIM", b"NETSCAPE2.0"),
        note="first frame only, stored as a still WebP",
    )
    # Huge dimensions in a tiny file: refused from the header, before any decoding.
    add(
        "png_100000x100000",
        "tiny.png",
        png_claiming(100_000, 100_000),
        REFUSED,
        code="too_many_pixels",
    )
    add("png_8000x6000", "wide.png", png_claiming(8000, 6000), REFUSED, code="too_many_pixels")
    add(
        "jpeg_65535x65535", "tiny.jpg", jpeg_claiming(65535, 65535), REFUSED, code="too_many_pixels"
    )
    add("gif_65535x65535", "tiny.gif", gif_claiming(65535, 65535), REFUSED, code="too_many_pixels")
    # Cheap to send, costly to decode: a progressive JPEG whose last scan is repeated.
    add(
        "jpeg_repeated_scans",
        "photo.jpg",
        jpeg_with_repeated_scans(200),
        REFUSED,
        code="upload_refused",
    )
    # Damaged files.
    whole_jpeg = jpeg(photo((400, 300)))
    add(
        "truncated_jpeg",
        "cut.jpg",
        whole_jpeg[: len(whole_jpeg) // 2],
        REFUSED,
        code="upload_refused",
    )
    whole_png = png(photo((400, 300)))
    add(
        "truncated_png", "cut.png", whole_png[: len(whole_png) // 2], REFUSED, code="upload_refused"
    )
    add("empty", "empty.jpg", b"", REFUSED, code="upload_refused")
    add("jpeg_header_only", "head.jpg", whole_jpeg[:200], REFUSED, code="upload_refused")
    # Documents.
    add("pdf_tiny", "Leaflet.pdf", pdf(), STORED, kind=document)
    add(
        "pdf_with_javascript",
        "form.pdf",
        pdf(javascript=True),
        STORED,
        kind=document,
        note="stored as sent: PDFs are never rendered by us and always served as attachment",
    )
    add("pdf_truncated", "cut.pdf", pdf()[:-60], REFUSED, code="upload_refused")
    add("zip_bomb_as_pdf", "results.pdf", zip_bomb(), REFUSED, code="type_not_allowed")
    add("elf_as_pdf", "report.pdf", elf_header(), REFUSED, code="type_not_allowed")
    # A name that disagrees with the bytes' family.
    add("pdf_as_jpg", "photo.jpg", pdf(), REFUSED, code="upload_refused")
    add("jpeg_as_pdf", "report.pdf", jpeg(), REFUSED, code="upload_refused")
    add(
        "jpeg_as_png",
        "photo.png",
        jpeg(),
        STORED,
        kind=image,
        note="same family: phones and browsers misname pictures; stored as WebP anyway",
    )
    # Videos.
    add("html_as_mp4", "clip.mp4", HTML, REFUSED, code="type_not_allowed")
    add(
        "playlist_as_mp4",
        "clip.mp4",
        b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n",
        REFUSED,
        code="type_not_allowed",
        note="an HLS playlist would make ffmpeg read other files: never given to it",
    )
    add(
        "mp4_box_then_html",
        "clip.mp4",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + HTML * 4,
        REFUSED,
        code="upload_refused",
        needs_ffmpeg=True,
        note="libmagic says MP4 from the first box; ffprobe finds no video in it",
    )
    for case, name, options in (
        ("mp4_with_location", "clip.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"]),
        ("mov_with_location", "clip.mov", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-f", "mov"]),
        ("webm_with_location", "clip.webm", ["-c:v", "libvpx", "-b:v", "200k"]),
    ):
        path = ffmpeg_video(folder, case + "." + name.rsplit(".", 1)[1], options)
        files.append(
            CorpusFile(
                case,
                name,
                path or folder / case,
                STORED,
                kind=video,
                forbidden=(GPS_TEXT, b"Clinic waiting room"),
                needs_ffmpeg=True,
            )
        )
    files.append(
        CorpusFile(
            "mp4_cover_art_gps",
            "clip.mp4",
            ffmpeg_video_with_cover(folder) or folder / "mp4_cover_art_gps",
            STORED,
            kind=video,
            forbidden=(GPS_TEXT, b"PhoneMaker", b"Clinic waiting room"),
            needs_ffmpeg=True,
            note="cover art is an attached JPEG with its own EXIF: not kept",
        )
    )
    return files


def build_captions_corpus() -> list[tuple[str, bytes, str | None]]:
    """(case, bytes, None when accepted else the refusal code) for `clean_captions`."""
    return [
        (
            "vtt_script",
            b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello <script>alert(1)</script>"
            b"<img src=x onerror=alert(2)> <b>world</b>\n",
            None,
        ),
        (
            "vtt_latin1",
            "WEBVTT\n\n00:00.000 --> 00:02.000\nCaf\xe9\n".encode("latin-1"),
            "upload_refused",
        ),
        ("vtt_html", HTML, "upload_refused"),
        ("vtt_no_cues", b"WEBVTT\n\nNOTE nothing here\n", "upload_refused"),
        ("vtt_bad_timing", b"WEBVTT\n\n00:00 --> soon\nHello\n", "upload_refused"),
        ("vtt_empty", b"", "upload_refused"),
    ]


# --- Costly to decode, cheap to send (review findings) -------------------------------------------


def png_raw(width: int, height: int, *, bit_depth: int, colour_type: int, channels: int) -> bytes:
    """A PNG of width × height black pixels, compressed row by row (never held whole)."""
    row = b"\x00" * (1 + width * channels * bit_depth // 8)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(
            b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
        )
        + png_chunk(b"IDAT", body)
        + png_chunk(b"IEND", b"")
    )


def png_sixteen_bit_grey(width: int = 6300, height: int = 6300) -> bytes:
    """16-bit grey, under the 40 MP cap: ~77 KB that decode to 80 MB (380 MB converted naively)."""
    return png_raw(width, height, bit_depth=16, colour_type=0, channels=1)


def png_grey_alpha(width: int = 5100, height: int = 5100) -> bytes:
    """8-bit grey + alpha under the pixel cap: Pillow stores LA in 4 bytes a pixel, and the RGBA
    copy doubles it (208 MB for this one) — over the decoded-bytes cap."""
    return png_raw(width, height, bit_depth=8, colour_type=4, channels=2)


def jpeg_with_repeated_scans(copies: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A progressive JPEG whose last scan is repeated `copies` extra times (each repeat makes
    libjpeg decode the scan again: 3000 repeats of a 36 MP picture took 72 s of CPU)."""
    data = jpeg(photo(size), progressive=True)
    last_scan = data.rindex(b"\xff\xda")
    end = data.rindex(b"\xff\xd9")
    return data[:end] + data[last_scan:end] * copies + data[end:]


def ffmpeg_big_frame_video(folder: Path, width: int, height: int) -> Path | None:
    """A one-frame H.264 MP4 of a huge, plain frame: a few KB on disk."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        return None
    path = folder / f"frame-{width}x{height}.mp4"
    subprocess.run(  # noqa: S603 - fixed program and arguments
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"color=c=gray:size={width}x{height}:rate=10",
            "-t",
            "1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
        timeout=60,
    )
    return path
