"""The hostile-file corpus through `process_upload`: each file is refused with its code, or
stored with nothing active and no GPS left (checked by reading what would be stored)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import magic
import pytest
from PIL import ExifTags, Image

from carecircle.uploads.processing import (
    Processed,
    UploadRefused,
    clean_captions,
    process_upload,
)
from carecircle.uploads.tests.corpus import (
    CASE_NAMES,
    REFUSED,
    STORED,
    CorpusFile,
    build_captions_corpus,
    build_corpus,
)

HAS_FFMPEG = shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None
# What a stored rendition may be: never HTML, SVG, scripts, archives or executables.
SAFE_TYPES = {"image/webp", "application/pdf", "video/mp4", "video/webm", "video/quicktime"}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, CorpusFile]:
    return {item.case: item for item in build_corpus(tmp_path_factory.mktemp("corpus"))}


def test_corpus_is_complete(corpus: dict[str, CorpusFile]) -> None:
    assert sorted(corpus) == sorted(CASE_NAMES)


def _stored_bytes(processed: Processed) -> list[bytes]:
    result = []
    for rendition in processed.renditions:
        if rendition.data is not None:
            result.append(rendition.data)
        else:
            assert rendition.path is not None
            result.append(Path(rendition.path).read_bytes())
    return result


def _assert_no_image_metadata(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "WEBP"
        assert getattr(image, "n_frames", 1) == 1
        assert not {"exif", "xmp", "icc_profile"} & set(image.info)
        assert dict(image.getexif()) == {}
        image.load()
    # The WebP container holds the picture only: no EXIF, XMP or ICC chunk.
    for chunk in (b"EXIF", b"XMP ", b"ICCP"):
        assert chunk not in data[:64] and chunk not in data[-4096:]


def _video_tags(path: str) -> dict[str, object]:
    ffprobe = shutil.which("ffprobe")
    assert ffprobe is not None
    result = subprocess.run(  # noqa: S603 - fixed program
        [
            ffprobe,
            "-v",
            "error",
            "-show_entries",
            "format_tags:stream_tags",
            "-of",
            "json",
            path,
        ],
        capture_output=True,
        check=True,
        timeout=30,
    )
    info = json.loads(result.stdout)
    tags: dict[str, object] = dict(info.get("format", {}).get("tags", {}))
    for stream in info.get("streams", []):
        tags.update(stream.get("tags", {}))
    return tags


@pytest.mark.parametrize("case", CASE_NAMES)
def test_corpus_file(corpus: dict[str, CorpusFile], case: str) -> None:
    item = corpus[case]
    if item.needs_ffmpeg and not HAS_FFMPEG:
        pytest.skip("ffmpeg/ffprobe are not installed: this case needs them to be built or read")
    data = item.data
    if item.expect == REFUSED:
        with pytest.raises(UploadRefused) as refused:
            process_upload(io.BytesIO(data), declared_name=item.declared_name, size=len(data))
        assert (refused.value.code, refused.value.field) == (item.code, "file")
        assert str(refused.value.message)
        return
    assert item.expect == STORED
    processed = process_upload(io.BytesIO(data), declared_name=item.declared_name, size=len(data))
    try:
        assert processed.kind == item.kind
        stored = _stored_bytes(processed)
        for rendition, content in zip(processed.renditions, stored, strict=True):
            sniffed = magic.from_buffer(content[:8192], mime=True)
            assert sniffed in SAFE_TYPES
            assert rendition.content_type == sniffed
            for forbidden in item.forbidden:
                assert forbidden not in content, (rendition.name, forbidden)
        if item.kind == "image":
            for content in stored:
                _assert_no_image_metadata(content)
        if item.kind == "document":
            # Stored exactly as sent (never rendered; always served as a download).
            assert stored == [data]
        if item.kind == "video":
            main = processed.renditions[0]
            assert main.path is not None
            tags = _video_tags(main.path)
            assert not {
                "location",
                "location-eng",
                "title",
                "com.apple.quicktime.location.ISO6709",
            } & {str(key) for key in tags}
    finally:
        processed.cleanup()


VIDEO_CASES = ["mp4_with_location", "mov_with_location", "webm_with_location", "mp4_cover_art_gps"]


@pytest.mark.parametrize("case", VIDEO_CASES)
def test_corpus_video_without_ffmpeg(
    corpus: dict[str, CorpusFile], case: str, settings: Any, tmp_path: Path
) -> None:
    """Without ffmpeg the same videos are stored with their metadata blanked in place."""
    item = corpus[case]
    if not HAS_FFMPEG:
        pytest.skip("ffmpeg/ffprobe are not installed: the corpus videos cannot be built")
    assert (item.expect, item.kind) == (STORED, "video")
    settings.CARECIRCLE_FFMPEG = str(tmp_path / "no-ffmpeg-here")
    data = item.data
    processed = process_upload(io.BytesIO(data), declared_name=item.declared_name, size=len(data))
    try:
        [main] = processed.renditions
        assert main.path is not None and processed.needs_video_task is False
        content = Path(main.path).read_bytes()
        assert len(content) == len(data)
        assert magic.from_buffer(content[:8192], mime=True) == main.content_type
        for forbidden in item.forbidden:
            assert forbidden not in content, forbidden
        assert not {
            "location",
            "location-eng",
            "title",
            "com.apple.quicktime.location.ISO6709",
        } & {str(key) for key in _video_tags(main.path)}
    finally:
        processed.cleanup()


def test_gps_was_really_planted(corpus: dict[str, CorpusFile]) -> None:
    """The corpus is only worth something if its sources carry what must be removed."""
    with Image.open(corpus["jpeg_exif_gps"].path) as image:
        gps = image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert gps[ExifTags.GPS.GPSLatitudeRef] == "N"
    assert len(gps[ExifTags.GPS.GPSLatitude]) == 3
    for item in corpus.values():
        if item.expect == STORED and item.forbidden and item.path.exists():
            assert any(token in item.data for token in item.forbidden), item.case
    if HAS_FFMPEG:
        assert _video_tags(str(corpus["mp4_with_location"].path))["location"] == (
            "+48.8577+002.2950/"
        )


@pytest.mark.parametrize(("case", "data", "code"), build_captions_corpus())
def test_captions_corpus(case: str, data: bytes, code: str | None) -> None:
    if code is not None:
        with pytest.raises(UploadRefused) as refused:
            clean_captions(data)
        assert (refused.value.code, refused.value.field) == (code, "captions")
        return
    cleaned = clean_captions(data)
    assert b"<script" not in cleaned and b"<img" not in cleaned
    assert cleaned == (b"WEBVTT\n\n00:00.000 --> 00:02.000\nHello alert(1) <b>world</b>\n")
