"""process_upload, process_video_extras and clean_captions: the rules one by one."""

from __future__ import annotations

import io
import json
import shutil
import struct
import subprocess
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
    UploadBusy,
    UploadRefused,
    clean_captions,
    process_upload,
    process_video_extras,
    videos,
)
from carecircle.uploads.processing.limits import slot
from carecircle.uploads.tests.corpus import (
    GPS_TEXT,
    ffmpeg_big_frame_video,
    ffmpeg_video,
    ffmpeg_video_with_cover,
    ffmpeg_video_with_gps_subtitles,
    gif,
    gps_exif,
    jpeg,
    jpeg_with_repeated_scans,
    pdf,
    photo,
    png,
    png_claiming,
    png_grey_alpha,
    png_sixteen_bit_grey,
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
        ("../../etc/passwd.jpg", "passwd.jpg"),
        ("C:\\Users\\ann\\Holiday Photo.JPG", "Holiday Photo.jpg"),
        ("photo\u202egnp.jpg", "photognp.jpg"),
        ("tab\tname\x00.jpeg", "tabname.jpeg"),
        ("..hidden.png", "hidden.png"),
        ("blob", "blob.webp"),
        ("", "file.webp"),
        ("   ", "file.webp"),
        ("café.jpg", "café.jpg"),
        ("a" * 300 + ".jpg", "a" * 196 + ".jpg"),
    ],
)
def test_names_are_cleaned_and_keep_the_members_extension(declared: str, stored: str) -> None:
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
    # Stored as MP4; the member's own name is kept (downloads get the stored extension).
    assert (processed.mime_type, processed.original_name) == ("video/mp4", "clip.m4v")
    assert processed.renditions[0].extension == "mp4"
    processed.cleanup()


@needs_ffmpeg
def test_a_refused_video_leaves_no_temporary_file(own_tempdir: Path) -> None:
    data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"<html>" * 100
    assert refusal(data, "clip.mp4").code == "upload_refused"
    assert list(own_tempdir.iterdir()) == []


# --- Without ffmpeg: the recording place is blanked in place, or the video refused -----------

NOT_SURE = "This video may carry the place where it was recorded, and this server cannot remove it."


@pytest.fixture
def no_ffmpeg(settings: Any, tmp_path: Path) -> None:
    settings.CARECIRCLE_FFMPEG = str(tmp_path / "no-ffmpeg-here")


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Test videos made once by ffmpeg: a clean one and some carrying a planted location."""
    if not HAS_FFMPEG:
        pytest.skip("ffmpeg is needed to make the test videos")
    folder = tmp_path_factory.mktemp("clips")
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None
    clean = folder / "clean.mp4"
    subprocess.run(  # noqa: S603 - fixed program, test input
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=10",
         "-f", "lavfi", "-i", "sine", "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p",
         "-map_metadata", "-1", "-fflags", "+bitexact", str(clean)],
        check=True,
        timeout=60,
    )  # fmt: skip
    h264 = ["-c:v", "libx264", "-pix_fmt", "yuv420p"]
    clean_webm = folder / "clean.webm"
    subprocess.run(  # noqa: S603 - fixed program, test input
        [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=96x64:rate=10",
         "-t", "1", "-c:v", "libvpx", "-b:v", "200k", str(clean_webm)],
        check=True,
        timeout=60,
    )  # fmt: skip
    made = {
        "clean.mp4": clean,
        "clean.webm": clean_webm,
        # Apple's way: keys in moov/meta (com.apple.quicktime.location.ISO6709 style).
        "keys.mp4": ffmpeg_video(folder, "keys.mp4", [*h264, "-movflags", "use_metadata_tags"]),
        # QuickTime's ©xyz in moov/udta.
        "udta.mov": ffmpeg_video(folder, "udta.mov", [*h264, "-f", "mov"]),
        # Android's ©xyz in moov/udta of an MP4.
        "udta.mp4": ffmpeg_video(folder, "udta.mp4", h264),
        "tags.webm": ffmpeg_video(folder, "tags.webm", ["-c:v", "libvpx", "-b:v", "200k"]),
        "subtitles.mp4": ffmpeg_video_with_gps_subtitles(folder),
        "cover.mp4": ffmpeg_video_with_cover(folder),
    }
    return {name: path.read_bytes() for name, path in made.items() if path is not None}


def _frames(path: str) -> int:
    """Video frames ffmpeg decodes from `path` (it fails on a broken file)."""
    ffprobe = shutil.which("ffprobe")
    assert ffprobe is not None
    result = subprocess.run(  # noqa: S603 - fixed program, our own temporary file
        [ffprobe, "-v", "error", "-count_frames", "-select_streams", "V:0",
         "-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path],
        capture_output=True,
        check=True,
        timeout=30,
    )  # fmt: skip
    return int(result.stdout.strip().rstrip(b","))


def _tags(path: str) -> set[str]:
    ffprobe = shutil.which("ffprobe")
    assert ffprobe is not None
    result = subprocess.run(  # noqa: S603 - fixed program, our own temporary file
        [ffprobe, "-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", path],
        capture_output=True,
        check=True,
        timeout=30,
    )
    info = json.loads(result.stdout)
    keys = set(info.get("format", {}).get("tags", {}))
    for stream in info.get("streams", []):
        keys |= set(stream.get("tags", {}))
    return keys


def _boxes(data: bytes) -> list[tuple[int, int, bytes]]:
    """(offset, size, type) of the top-level boxes of an MP4 made by ffmpeg."""
    boxes, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        boxes.append((offset, size, kind))
        offset += size
    return boxes


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


@pytest.mark.usefixtures("no_ffmpeg")
@pytest.mark.parametrize(
    ("name", "mime_type"), [("clean.mp4", "video/mp4"), ("clean.webm", "video/webm")]
)
def test_without_ffmpeg_a_clean_video_is_stored_and_plays(
    clips: dict[str, bytes], own_tempdir: Path, name: str, mime_type: str
) -> None:
    processed = run(clips[name], f"My {name}")
    assert (processed.kind, processed.mime_type, processed.original_name) == (
        "video",
        mime_type,
        f"My {name}",
    )
    assert (processed.width, processed.height, processed.duration_seconds) == (None, None, None)
    assert processed.needs_video_task is False
    [rendition] = processed.renditions
    assert rendition.path is not None
    stored = Path(rendition.path).read_bytes()
    # Same size, same media: at most the encoder's name and an empty metadata box are blanked.
    assert len(stored) == len(clips[name])
    assert _frames(rendition.path) == 10
    assert process_video_extras(rendition.path) == (None, None)
    processed.cleanup()
    assert list(own_tempdir.iterdir()) == []


@pytest.mark.usefixtures("no_ffmpeg")
@pytest.mark.parametrize(
    ("name", "declared", "mime_type", "place"),
    [
        ("keys.mp4", "clip.mp4", "video/mp4", GPS_TEXT),
        ("udta.mov", "clip.mov", "video/quicktime", GPS_TEXT),
        # The MP4 muxer writes the place as a binary `loci` box (3GPP), not as text.
        ("udta.mp4", "clip.mp4", "video/mp4", b"loci"),
        ("tags.webm", "clip.webm", "video/webm", GPS_TEXT),
        ("subtitles.mp4", "clip.mp4", "video/mp4", GPS_TEXT),
        ("cover.mp4", "clip.mp4", "video/mp4", GPS_TEXT),
    ],
)
def test_without_ffmpeg_the_recording_place_is_blanked(
    clips: dict[str, bytes],
    own_tempdir: Path,
    name: str,
    declared: str,
    mime_type: str,
    place: bytes,
) -> None:
    source = clips[name]
    assert place in source
    processed = run(source, declared)
    [rendition] = processed.renditions
    assert rendition.path is not None and processed.mime_type == mime_type
    stored = Path(rendition.path).read_bytes()
    assert len(stored) == len(source)  # blanked in place: every offset still holds
    for planted in (place, GPS_TEXT, b"Clinic waiting room", b"PhoneMaker"):
        assert planted not in stored
    assert not {"location", "location-eng", "title", "com.apple.quicktime.location.ISO6709"} & (
        _tags(rendition.path)
    )
    assert _frames(rendition.path) == 10
    processed.cleanup()
    assert list(own_tempdir.iterdir()) == []


@pytest.mark.usefixtures("no_ffmpeg")
def test_without_ffmpeg_a_data_track_is_dropped_and_its_samples_zeroed(
    clips: dict[str, bytes],
) -> None:
    processed = run(clips["subtitles.mp4"], "clip.mp4")
    assert processed.renditions[0].path is not None
    path = processed.renditions[0].path
    ffprobe = shutil.which("ffprobe")
    assert ffprobe is not None
    streams = subprocess.run(  # noqa: S603 - fixed program, our own temporary file
        [ffprobe, "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", path],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.split()
    assert streams == [b"video"]
    processed.cleanup()


@pytest.mark.usefixtures("no_ffmpeg")
def test_without_ffmpeg_unknown_and_dirty_boxes_are_blanked(clips: dict[str, bytes]) -> None:
    xmp = b"<x:xmpmeta><exif:GPSLatitude>48,51.4N</exif:GPSLatitude>" + GPS_TEXT + b"</x:xmpmeta>"
    empty_padding = _box(b"free", bytes(32))
    source = (
        clips["clean.mp4"]
        + _box(b"uuid", bytes.fromhex("be7acfcb97a942e89c71999491e3afac") + xmp)
        + _box(b"free", b"left behind by an editor " + GPS_TEXT)
        + empty_padding
        + _box(b"XMP_", xmp)
    )
    processed = run(source, "clip.mp4")
    assert processed.renditions[0].path is not None
    stored = Path(processed.renditions[0].path).read_bytes()
    assert GPS_TEXT not in stored and b"GPSLatitude" not in stored
    tail = stored[len(clips["clean.mp4"]) :]
    assert [kind for _offset, _size, kind in _boxes(tail)] == [b"free"] * 4
    assert tail == b"".join(_box(b"free", bytes(size - 8)) for _offset, size, _kind in _boxes(tail))
    assert _frames(processed.renditions[0].path) == 10
    processed.cleanup()


def _unsized_webm(data: bytes) -> bytes:
    """The WebM with its segment and clusters of unknown size, as a live recording writes them."""
    result = bytearray(data)
    for element_id in (b"\x18\x53\x80\x67", b"\x1f\x43\xb6\x75"):
        start = 0
        while (found := result.find(element_id, start)) != -1:
            size_at = found + 4
            length = 9 - result[size_at].bit_length()
            result[size_at : size_at + length] = ((1 << (7 * length + 1)) - 1).to_bytes(
                length, "big"
            )
            start = size_at + length
    return bytes(result)


@pytest.mark.usefixtures("no_ffmpeg")
def test_without_ffmpeg_a_live_webm_with_unsized_clusters_is_cleaned(
    clips: dict[str, bytes],
) -> None:
    source = _unsized_webm(clips["tags.webm"])
    assert source != clips["tags.webm"] and GPS_TEXT in source
    processed = run(source, "clip.webm")
    assert processed.renditions[0].path is not None
    stored = Path(processed.renditions[0].path).read_bytes()
    assert GPS_TEXT not in stored and b"Clinic waiting room" not in stored
    assert _frames(processed.renditions[0].path) == 10
    processed.cleanup()


def _mutations(clips: dict[str, bytes]) -> dict[str, tuple[bytes, str]]:
    clean = clips["clean.mp4"]
    webm = clips["tags.webm"]
    boxes = _boxes(clean)
    moov_at, moov_size, _kind = next(box for box in boxes if box[2] == b"moov")
    moov = clean[moov_at : moov_at + moov_size]
    others = b"".join(clean[o : o + s] for o, s, kind in boxes if kind != b"moov")
    subtitles = bytearray(clips["subtitles.mp4"])
    # The subtitle track's chunk offset (its stco is the last one) pointed into the ftyp box.
    stco = subtitles.rfind(b"stco")
    subtitles[stco + 12 : stco + 16] = struct.pack(">I", 0)
    # moov holding only a compressed movie header (cmov): nothing playable can be seen.
    compressed = _box(b"moov", _box(b"cmov", _box(b"dcom", b"zlib") + _box(b"cmvd", b"x" * 40)))
    hdlr = moov.find(b"hdlr")
    return {
        "ftyp_only": (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64), "clip.mp4"),
        "truncated_mp4": (clean[: len(clean) // 2], "clip.mp4"),
        "trailing_bytes": (clean + b"\x00\x01\x02", "clip.mp4"),
        "box_larger_than_file": (
            clean + struct.pack(">I4s", 4096, b"free") + bytes(100),
            "clip.mp4",
        ),
        "box_smaller_than_header": (clean + struct.pack(">I4s", 4, b"free"), "clip.mp4"),
        "no_moov": (others, "clip.mp4"),
        "two_moov": (clean + moov, "clip.mp4"),
        "compressed_moov": (others + compressed, "clip.mp4"),
        "child_overflows_moov": (
            clean[: moov_at + 8] + struct.pack(">I", moov_size * 2) + clean[moov_at + 12 :],
            "clip.mp4",
        ),
        "track_without_handler": (
            clean[: moov_at + hdlr] + b"xxxx" + clean[moov_at + hdlr + 4 :],
            "clip.mp4",
        ),
        "data_track_outside_mdat": (bytes(subtitles), "clip.mp4"),
        "truncated_webm": (webm[: len(webm) // 2], "clip.webm"),
        "webm_trailing_garbage": (webm + b"\x00garbage", "clip.webm"),
        "webm_subtitle_track": (webm.replace(b"\x83\x81\x01", b"\x83\x81\x11", 1), "clip.webm"),
    }


MUTATIONS = [
    "ftyp_only",
    "truncated_mp4",
    "trailing_bytes",
    "box_larger_than_file",
    "box_smaller_than_header",
    "no_moov",
    "two_moov",
    "compressed_moov",
    "child_overflows_moov",
    "track_without_handler",
    "data_track_outside_mdat",
    "truncated_webm",
    "webm_trailing_garbage",
    "webm_subtitle_track",
]


@pytest.mark.usefixtures("no_ffmpeg")
@pytest.mark.parametrize("case", MUTATIONS)
def test_without_ffmpeg_a_video_we_cannot_walk_is_refused(
    clips: dict[str, bytes], own_tempdir: Path, case: str
) -> None:
    cases = _mutations(clips)
    assert sorted(cases) == sorted(MUTATIONS)
    data, declared = cases[case]
    refused = refusal(data, declared)
    assert (refused.code, refused.field) == ("upload_refused", "file")
    assert str(refused.message).startswith(NOT_SURE)
    assert list(own_tempdir.iterdir()) == []


@pytest.mark.usefixtures("no_ffmpeg")
def test_without_ffmpeg_the_walk_is_bounded(
    clips: dict[str, bytes], monkeypatch: pytest.MonkeyPatch, own_tempdir: Path
) -> None:
    many = clips["clean.mp4"] + _box(b"free", b"") * 50
    monkeypatch.setattr(videos, "MAX_ELEMENTS", 40)
    assert str(refusal(many, "clip.mp4").message).startswith(NOT_SURE)
    monkeypatch.setattr(videos, "MAX_ELEMENTS", 1000)
    monkeypatch.setattr(videos, "MOOV_MAX_BYTES", 64)
    assert str(refusal(clips["clean.mp4"], "clip.mp4").message).startswith(NOT_SURE)
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


# --- Review findings: memory and CPU an upload may cost ------------------------------------------

# Runs process_upload (or the poster) in a fresh interpreter and prints how much memory the
# work added: a peak is only visible per process. The settings are the defaults.
MEASURE = """
import io, resource, sys
from django.conf import settings
settings.configure(USE_I18N=False)  # processing needs no database or apps: start fast
from carecircle.uploads.processing import process_upload, process_video_extras
path = sys.argv[2]
if len(sys.argv) > 3:
    settings.CARECIRCLE_UPLOAD_VIDEO_MAX_PIXELS = int(sys.argv[3])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if sys.argv[1] == "image":
    data = open(path, "rb").read()
    result = process_upload(io.BytesIO(data), declared_name="scan.png", size=len(data))
    print(result.width, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
else:
    poster, duration = process_video_extras(path)
    print(len(poster or b""), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)
"""


def _measure(kind: str, path: Path, *extra: str) -> tuple[int, int]:
    import sys

    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", MEASURE, kind, str(path), *extra],
        capture_output=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[3],
    )
    first, megabytes = result.stdout.split()[-2:]
    return int(first), int(megabytes)


def test_sixteen_bit_grey_decodes_straight_to_eight_bits(tmp_path: Path) -> None:
    # 20 MP in 40 KB: converting through 32-bit "I" added 154 MB (380 MB at 6300 × 6300);
    # decoded as 8-bit it is the 20 MB picture plus the small copies.
    path = tmp_path / "scan.png"
    path.write_bytes(png_sixteen_bit_grey(4500, 4500))
    assert path.stat().st_size < 100_000
    width, added_megabytes = _measure("image", path)
    assert width == 2560
    assert added_megabytes < 100


def test_decoded_size_is_capped_before_decoding(settings: Any) -> None:
    # 50 KB, 26 MP grey + alpha: 104 MB decoded + 104 MB as RGBA. Under the pixel cap, over a
    # 100 MB decoded-bytes cap: refused from the header, without decoding.
    data = png_grey_alpha()
    settings.CARECIRCLE_UPLOAD_MAX_DECODED_BYTES = 100 * 1024 * 1024
    started = time.perf_counter()
    refused = refusal(data, "tiny.png")
    assert refused.code == "too_many_pixels" and refused.field == "file"
    assert time.perf_counter() - started < 0.5
    # The cap is a setting: 1000 × 1000 RGBA is 4 MB decoded.
    transparent = png(photo((1000, 1000), mode="RGBA"))
    settings.CARECIRCLE_UPLOAD_MAX_DECODED_BYTES = 3_999_999
    assert refusal(transparent, "a.png").code == "too_many_pixels"
    settings.CARECIRCLE_UPLOAD_MAX_DECODED_BYTES = 4_000_000
    assert run(transparent, "a.png").width == 1000


def test_a_jpeg_with_too_many_scans_is_refused_before_decoding() -> None:
    started = time.perf_counter()
    refused = refusal(jpeg_with_repeated_scans(100))
    assert refused.code == "upload_refused"
    assert "unusual way" in str(refused.message)
    assert time.perf_counter() - started < 1
    # Ordinary progressive JPEGs (and a few repeated scans) are fine.
    assert run(jpeg(photo((64, 48)), progressive=True)).width == 64
    assert run(jpeg_with_repeated_scans(40)).width == 64


def test_uploads_wait_for_a_processing_slot_then_are_refused_as_busy(settings: Any) -> None:
    import threading

    settings.CARECIRCLE_UPLOAD_CONCURRENCY = 1
    settings.CARECIRCLE_UPLOAD_BUSY_WAIT = 0.2
    data = jpeg()
    with slot():
        started = time.perf_counter()
        busy = refusal(data)
        waited = time.perf_counter() - started
    assert isinstance(busy, UploadBusy)
    assert (busy.code, busy.status, busy.field) == ("busy", 503, "file")
    assert 0.2 <= waited < 1
    # A slot freed while waiting is taken: the upload is only delayed.
    settings.CARECIRCLE_UPLOAD_BUSY_WAIT = 5
    held = threading.Event()

    def hold() -> None:
        with slot():
            held.set()
            time.sleep(0.3)

    worker = threading.Thread(target=hold)
    worker.start()
    held.wait(2)
    assert run(data).width == 64
    worker.join()


@pytest.fixture(scope="module")
def big_frame_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 4096 × 2176 is 8.9 MP: under the pictures' 40 MP cap, over the video default (4K UHD).
    source = ffmpeg_big_frame_video(tmp_path_factory.mktemp("big"), 4096, 2176)
    assert source is not None
    return source


@needs_ffmpeg
def test_a_video_frame_over_the_video_cap_is_refused(big_frame_video: Path, settings: Any) -> None:
    source = big_frame_video
    refused = refusal(source.read_bytes(), "big.mp4")
    assert refused.code == "too_many_pixels"
    settings.CARECIRCLE_UPLOAD_VIDEO_MAX_PIXELS = 4096 * 2176
    processed = run(source.read_bytes(), "big.mp4")
    processed.cleanup()
    assert (processed.width, processed.height) == (4096, 2176)


@needs_ffmpeg
def test_the_poster_of_a_big_frame_video_stays_small(big_frame_video: Path) -> None:
    # Scaled before the thumbnail filter, one thread: 30 buffered 6000 × 6600 frames took 2 GB.
    # This one: 227 MB before, 122 MB now (ffmpeg's own peak).
    poster_bytes, child_megabytes = _measure("poster", big_frame_video, str(4096 * 2176))
    assert poster_bytes > 0
    assert child_megabytes < 170


@needs_ffmpeg
def test_ffmpeg_runs_under_a_memory_limit(tmp_path: Path, settings: Any) -> None:
    source = ffmpeg_video(tmp_path, "clip.mp4", ["-c:v", "libx264", "-preset", "ultrafast"])
    assert source is not None
    poster, duration = process_video_extras(str(source))
    assert poster is not None and duration == 1.0
    settings.CARECIRCLE_FFMPEG_MEMORY_BYTES = 16 * 1024 * 1024
    assert process_video_extras(str(source)) == (None, None)
