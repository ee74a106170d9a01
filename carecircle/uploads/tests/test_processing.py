"""process_upload, process_video_extras and clean_captions: the rules one by one."""

from __future__ import annotations

import io
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageCms, ImageOps

from carecircle.uploads import processing
from carecircle.uploads.processing import (
    Processed,
    UploadRefused,
    clean_captions,
    process_upload,
    process_video_extras,
)
from carecircle.uploads.tests.corpus import (
    ffmpeg_video,
    gif,
    gps_exif,
    jpeg,
    pdf,
    photo,
    png,
    png_claiming,
)

HAS_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
needs_ffmpeg = pytest.mark.skipif(not HAS_FFMPEG, reason="ffmpeg/ffprobe are not installed")


def run(data: bytes, name: str = "photo.jpg", *, size: int | None = None) -> Processed:
    return process_upload(
        io.BytesIO(data), declared_name=name, size=len(data) if size is None else size
    )


def refusal(data: bytes, name: str = "photo.jpg", *, size: int | None = None) -> UploadRefused:
    with pytest.raises(UploadRefused) as refused:
        run(data, name, size=size)
    return refused.value


def decoded(data: bytes | None) -> Image.Image:
    assert data is not None
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


class CountingReader(io.BytesIO):
    """A file that remembers how many bytes were asked of it."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


@pytest.mark.parametrize(
    ("declared", "stored"),
    [
        ("../../etc/passwd.jpg", "passwd.webp"),
        ("C:\\Users\\ann\\Holiday Photo.JPG", "Holiday Photo.webp"),
        ("photo\u202egnp.jpg", "photognp.webp"),
        ("tab\tname\x00.jpeg", "tabname.webp"),
        ("..hidden.png", "hidden.webp"),
        ("blob", "blob.webp"),
        ("", "file.webp"),
        ("   ", "file.webp"),
        ("café.jpg", "café.webp"),
        ("a" * 300 + ".jpg", "a" * 195 + ".webp"),
    ],
)
def test_names_are_cleaned_and_get_the_stored_extension(declared: str, stored: str) -> None:
    assert run(jpeg(), declared).original_name == stored


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (
            (3000, 2000),
            [("file", 2560, 1707), ("w320", 320, 213), ("w640", 640, 427), ("w1280", 1280, 854)],
        ),
        ((800, 600), [("file", 800, 600), ("w320", 320, 240), ("w640", 640, 480)]),
        ((640, 480), [("file", 640, 480), ("w320", 320, 240)]),
        ((300, 200), [("file", 300, 200)]),
        # Twice the main size or more: averaged down band by band first.
        (
            (5200, 300),
            [("file", 2560, 148), ("w320", 320, 18), ("w640", 640, 37), ("w1280", 1280, 74)],
        ),
        ((200, 3000), [("file", 171, 2560)]),
    ],
)
def test_images_become_webp_in_widths_never_upscaled(
    size: tuple[int, int], expected: list[tuple[str, int, int]]
) -> None:
    processed = run(jpeg(photo(size)))
    assert (processed.kind, processed.mime_type) == ("image", "image/webp")
    assert (processed.width, processed.height) == expected[0][1:]
    assert processed.duration_seconds is None and processed.needs_video_task is False
    found = []
    for rendition in processed.renditions:
        image = decoded(rendition.data)
        assert (image.format, rendition.content_type, rendition.extension, rendition.path) == (
            "WEBP",
            "image/webp",
            "webp",
            None,
        )
        assert rendition.width == image.width
        found.append((rendition.name, image.width, image.height))
    assert found == expected


def test_exif_orientation_is_applied_then_dropped() -> None:
    processed = run(jpeg(photo((64, 48)), exif=gps_exif(orientation=6).tobytes()))
    assert (processed.width, processed.height) == (48, 64)
    image = decoded(processed.renditions[0].data)
    assert image.size == (48, 64)
    assert dict(image.getexif()) == {} and "exif" not in image.info


def test_transparency_is_kept_and_opaque_pictures_have_no_alpha() -> None:
    assert decoded(run(png(photo(mode="RGBA")), "logo.png").renditions[0].data).mode == "RGBA"
    transparent_gif = io.BytesIO()
    palette = photo().convert("P")
    palette.paste(0, (0, 0, 10, 10))
    palette.save(transparent_gif, "GIF", transparency=0)
    assert decoded(run(transparent_gif.getvalue(), "a.gif").renditions[0].data).mode == "RGBA"
    assert decoded(run(jpeg()).renditions[0].data).mode == "RGB"
    assert decoded(run(png(photo(mode="L")), "grey.png").renditions[0].data).mode == "RGB"


def test_transparency_survives_shrinking_a_large_picture() -> None:
    picture = photo((6000, 400), mode="RGBA")
    picture.putalpha(Image.new("L", (6000, 400), 255))
    picture.paste((0, 0, 0, 0), (0, 0, 3000, 400))
    processed = run(png(picture, compress_level=1), "banner.png")
    image = decoded(processed.renditions[0].data)
    assert (image.mode, image.size) == ("RGBA", (2560, 171))
    assert image.getpixel((100, 80))[3] == 0  # type: ignore[index]
    assert image.getpixel((2400, 80))[3] == 255  # type: ignore[index]


def test_colour_profile_is_applied_not_kept() -> None:
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    processed = run(jpeg(icc_profile=profile))
    data = processed.renditions[0].data
    assert data is not None and b"ICCP" not in data
    assert "icc_profile" not in decoded(data).info


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    grey = Image.new("I;16", (40, 30), 30000)
    image = decoded(run(png(grey), "scan.png").renditions[0].data)
    red, green, blue = image.getpixel((20, 15))  # type: ignore[misc]
    assert image.mode == "RGB" and red == green == blue and abs(red - 117) <= 3


def test_animated_gif_keeps_its_first_frame() -> None:
    processed = run(gif(frames=4), "dance.gif")
    image = decoded(processed.renditions[0].data)
    assert (getattr(image, "n_frames", 1), image.size) == (1, (64, 48))


def test_too_large_is_refused_from_the_given_size_before_reading(settings: Any) -> None:
    settings.CARECIRCLE_UPLOAD_IMAGE_MAX_BYTES = 2048
    data = jpeg(photo((400, 300)))
    reader = CountingReader(data)
    with pytest.raises(UploadRefused) as refused:
        process_upload(reader, declared_name="big.jpg", size=len(data))
    assert (refused.value.code, refused.value.field) == ("too_large", "file")
    assert str(refused.value.message) == (
        "That picture is larger than 1 MB. Please choose a smaller one."
    )
    assert reader.bytes_read == min(len(data), 8192)
    # A size that understates the body does not help: reading stops after the limit.
    assert refusal(data, "big.jpg", size=100).code == "too_large"


def test_each_kind_has_its_own_size_limit(settings: Any) -> None:
    settings.CARECIRCLE_UPLOAD_DOCUMENT_MAX_BYTES = 100
    assert refusal(pdf(), "a.pdf").code == "too_large"
    assert run(jpeg()).kind == "image"


def test_allowed_types_come_from_settings(settings: Any) -> None:
    settings.CARECIRCLE_UPLOAD_IMAGE_TYPES = ["image/jpeg"]
    assert refusal(png(), "a.png").code == "type_not_allowed"
    assert run(jpeg()).kind == "image"
    settings.CARECIRCLE_UPLOAD_DOCUMENT_TYPES = "application/pdf,"
    assert run(pdf(), "a.pdf").kind == "document"


def test_pixel_cap_comes_from_settings(settings: Any) -> None:
    settings.CARECIRCLE_UPLOAD_MAX_PIXELS = 64 * 48 - 1
    refused = refusal(jpeg(photo((64, 48))))
    assert refused.code == "too_many_pixels"
    settings.CARECIRCLE_UPLOAD_MAX_PIXELS = 64 * 48
    assert run(jpeg(photo((64, 48)))).width == 64


def test_our_cap_decides_even_when_pillows_global_limit_is_lower(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # accounts.avatars lowers Pillow's process-wide limit; our own cap must still apply.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 2000)
    assert run(jpeg(photo((64, 48)))).width == 64
    # Beyond twice Pillow's limit Pillow refuses outright, and so do we (never an error page).
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    assert refusal(jpeg(photo((64, 48)))).code == "too_many_pixels"


def test_a_huge_picture_in_a_tiny_file_is_refused_without_decoding() -> None:
    data = png_claiming(7000, 6000)  # 42 MP: 126 MB of pixels once decoded
    tracemalloc.start()
    started = time.perf_counter()
    try:
        refused = refusal(data, "tiny.png")
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused.code == "too_many_pixels"
    assert str(refused.message) == (
        "That picture has too many pixels (at most 40 megapixels). Please choose a smaller one."
    )
    assert peak < 2 * 1024 * 1024
    assert elapsed < 1.0


def test_documents_are_stored_as_sent() -> None:
    data = pdf()
    processed = run(data, "Leaflet.PDF")
    assert (processed.kind, processed.mime_type, processed.original_name) == (
        "document",
        "application/pdf",
        "Leaflet.pdf",
    )
    [rendition] = processed.renditions
    assert (rendition.name, rendition.data, rendition.content_type, rendition.extension) == (
        "file",
        data,
        "application/pdf",
        "pdf",
    )


def test_a_path_can_be_given_instead_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "leaflet.pdf"
    path.write_bytes(pdf())
    assert process_upload(path, declared_name="leaflet.pdf", size=path.stat().st_size).kind == (
        "document"
    )


def test_an_unexpected_failure_is_a_refusal_not_a_server_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("decoder bug")

    monkeypatch.setattr(processing, "process_image", broken)
    refused = refusal(jpeg())
    assert (refused.code, refused.field) == ("upload_refused", "file")


@pytest.fixture
def own_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Temporary files of this test land here, so leftovers can be counted."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@needs_ffmpeg
def test_video_is_probed_cleaned_and_leaves_the_poster_to_a_task(
    tmp_path: Path, own_tempdir: Path
) -> None:
    source = ffmpeg_video(tmp_path, "clip.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
    assert source is not None
    data = source.read_bytes()
    processed = run(data, "My clip.MP4")
    assert (processed.kind, processed.mime_type, processed.original_name) == (
        "video",
        "video/mp4",
        "My clip.mp4",
    )
    assert (processed.width, processed.height, processed.duration_seconds) == (96, 64, 1.0)
    assert processed.needs_video_task is True
    [rendition] = processed.renditions
    assert rendition.data is None and rendition.path is not None
    assert (rendition.content_type, rendition.extension) == ("video/mp4", "mp4")
    assert [path.name for path in own_tempdir.iterdir()] == [Path(rendition.path).name]
    poster, duration = process_video_extras(rendition.path)
    assert duration == 1.0
    image = decoded(poster)
    assert (image.format, image.size, "exif" in image.info) == ("WEBP", (96, 64), False)
    processed.cleanup()
    processed.cleanup()
    assert list(own_tempdir.iterdir()) == []


@needs_ffmpeg
def test_an_m4v_is_an_mp4(tmp_path: Path, own_tempdir: Path) -> None:
    source = ffmpeg_video(
        tmp_path, "clip.m4v", ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-brand", "M4V"]
    )
    assert source is not None
    processed = run(source.read_bytes(), "clip.m4v")
    assert (processed.mime_type, processed.original_name) == ("video/mp4", "clip.mp4")
    processed.cleanup()


@needs_ffmpeg
def test_a_refused_video_leaves_no_temporary_file(own_tempdir: Path) -> None:
    data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"<html>" * 100
    assert refusal(data, "clip.mp4").code == "upload_refused"
    assert list(own_tempdir.iterdir()) == []


def test_without_ffmpeg_videos_are_stored_as_sent(
    settings: Any, tmp_path: Path, own_tempdir: Path
) -> None:
    settings.CARECIRCLE_FFMPEG = str(tmp_path / "no-ffmpeg-here")
    # The smallest thing libmagic calls MP4: an ftyp box (ffprobe would refuse it).
    data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    processed = run(data, "clip.mp4")
    assert (processed.kind, processed.duration_seconds, processed.needs_video_task) == (
        "video",
        None,
        False,
    )
    [rendition] = processed.renditions
    assert rendition.path is not None and Path(rendition.path).read_bytes() == data
    assert process_video_extras(rendition.path) == (None, None)
    processed.cleanup()
    assert list(own_tempdir.iterdir()) == []


@needs_ffmpeg
def test_ffmpeg_is_killed_after_the_timeout(
    settings: Any, tmp_path: Path, own_tempdir: Path
) -> None:
    source = ffmpeg_video(tmp_path, "clip.webm", ["-c:v", "libvpx", "-b:v", "200k"])
    assert source is not None
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    for name in ("ffmpeg", "ffprobe"):
        script = bin_folder / name
        script.write_text("#!/bin/sh\nexec sleep 20\n")
        script.chmod(0o755)
    settings.CARECIRCLE_FFMPEG = str(bin_folder / "ffmpeg")
    settings.CARECIRCLE_FFMPEG_TIMEOUT = 0.3
    started = time.perf_counter()
    assert refusal(source.read_bytes(), "clip.webm").code == "upload_refused"
    assert process_video_extras(str(source)) == (None, None)
    assert time.perf_counter() - started < 5
    assert list(own_tempdir.iterdir()) == []


def test_captions_are_rebuilt_from_their_cues() -> None:
    source = (
        "\ufeffWEBVTT - Clinic video\r\n\r\n"
        "STYLE\r\n::cue { background: url(https://example.org/track) }\r\n\r\n"
        "NOTE written by the nurse\r\n\r\n"
        "intro\r\n"
        "00:00:01.000 --> 00:00:04.500 align:start position:10% onerror=x\r\n"
        "<v Dr. Ann>Hello & <i>welcome</i></v>\r\n"
        "<c.yellow.bg_blue>tea</c> <00:00:02.000>now\r\n\r\n"
        "00:05.000 --> 00:06.000\r\n"
        "<v Bob onclick=alert(1)>Bye <a href=x>link</a> 1 < 2 &amp; 3\r\n"
    ).encode()
    assert clean_captions(source) == (
        b"WEBVTT\n\n"
        b"intro\n"
        b"00:00:01.000 --> 00:00:04.500 align:start position:10%\n"
        b"<v Dr. Ann>Hello &amp; <i>welcome</i></v>\n"
        b"<c.yellow.bg_blue>tea</c> <00:00:02.000>now\n\n"
        b"00:05.000 --> 00:06.000\n"
        b"<v>Bye link 1 &lt; 2 &amp; 3\n"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"WEBVTT\n\n" + b"x" * (1024 * 1024), "That captions file is larger than 1 MB."),
        (
            b"1\n00:00:01,000 --> 00:00:02,000\nSubRip\n",
            "That is not a WebVTT captions file: its first line must be \u201cWEBVTT\u201d.",
        ),
        (b"WEBVTT\n\nhello\n", "A cue in that captions file has no timing line."),
    ],
)
def test_captions_refusals_say_why(data: bytes, message: str) -> None:
    with pytest.raises(UploadRefused) as refused:
        clean_captions(data)
    assert (str(refused.value.message), refused.value.field) == (message, "captions")


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_ends_upright(orientation: int) -> None:
    quadrants = Image.new("RGB", (80, 40), (255, 255, 255))
    quadrants.paste((255, 0, 0), (0, 0, 40, 20))
    quadrants.paste((0, 255, 0), (40, 0, 80, 20))
    quadrants.paste((0, 0, 255), (0, 20, 40, 40))
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = jpeg(quadrants, exif=exif.tobytes())
    with Image.open(io.BytesIO(data)) as original:
        expected = ImageOps.exif_transpose(original).convert("RGB")
    stored = decoded(run(data).renditions[0].data).convert("RGB")
    assert stored.size == expected.size
    width, height = stored.size
    for x, y in (
        (width // 4, height // 4),
        (3 * width // 4, height // 4),
        (width // 4, 3 * height // 4),
        (3 * width // 4, 3 * height // 4),
    ):
        got, want = stored.getpixel((x, y)), expected.getpixel((x, y))
        assert isinstance(got, tuple) and isinstance(want, tuple)
        assert max(abs(a - b) for a, b in zip(got, want, strict=True)) < 40, (x, y, got, want)
