"""Videos: checked by libmagic and, when Debian's ffmpeg is installed, by ffprobe and a remux.

With ffmpeg (CARECIRCLE_FFMPEG, ffprobe beside it) an upload is probed (it must hold a video
stream, within the pixel cap), then copied into a fresh container without re-encoding: global,
stream and chapter metadata (a phone's GPS location among them), data streams (camera
telemetry) and attached pictures (cover art, a JPEG with its own EXIF) are dropped, and MP4/MOV
get their index up front so playback starts before the whole file arrives. The poster (a
representative early frame, WebP) is made later by a background task with
`process_video_extras`. Without ffmpeg there is no poster and no duration, and
`strip_location` blanks the metadata in place (see the section below): the video still plays,
and one whose structure cannot be walked with confidence is refused, since it might carry the
place where it was recorded.

ffmpeg reads hostile files, so every call forces the expected demuxer (never a playlist format
that could fetch URLs or read other local files), allows the `file` protocol only, and is killed
after CARECIRCLE_FFMPEG_TIMEOUT seconds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import struct
import subprocess
import tempfile
from typing import IO, Any

from django.utils.translation import gettext as _

from carecircle.uploads.processing.images import webp_from_picture
from carecircle.uploads.processing.limits import child_limiter, slot
from carecircle.uploads.processing.results import Rendition, UploadRefused
from carecircle.uploads.processing.sniff import (
    SNIFF_BYTES,
    VIDEO_EXTENSIONS,
    refuse_too_large,
    setting,
    sniff,
)

logger = logging.getLogger(__name__)

# libmagic type → (ffmpeg demuxer to force on input, muxer for the cleaned copy).
FORMATS = {
    "video/mp4": ("mov", "mp4"),
    "video/quicktime": ("mov", "mov"),
    "video/webm": ("matroska", "webm"),
}
CHUNK = 1024 * 1024
POSTER_MAX_SIDE = 1280
# Frames the poster is chosen among. The thumbnail filter keeps them all in memory, so they are
# scaled down first (10 frames of 1280 × 720 are ~14 MB; 30 frames of a 6000 × 6600 video were
# 2 GB).
POSTER_CANDIDATES = 10
# A background task may wait longer for a processing slot than a member at the upload form.
TASK_SLOT_WAIT_FACTOR = 10
POSTER_MAX_BYTES = 20 * 1024 * 1024


def ffmpeg_path() -> str | None:
    """The configured ffmpeg if it is there and runnable, else None."""
    path = setting("CARECIRCLE_FFMPEG")
    if path and os.path.isfile(path) and os.access(path, os.X_OK):
        return str(path)
    return None


def ffprobe_path() -> str | None:
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        return None
    folder, name = os.path.split(ffmpeg)
    probe = os.path.join(folder, name.replace("ffmpeg", "ffprobe"))
    return probe if os.path.isfile(probe) and os.access(probe, os.X_OK) else None


def timeout() -> float:
    return float(setting("CARECIRCLE_FFMPEG_TIMEOUT"))


def max_frame_pixels() -> int:
    """A video's frame cap (CARECIRCLE_UPLOAD_VIDEO_MAX_PIXELS, 4K UHD by default).

    Lower than the pictures' cap: decoding keeps several whole frames (reference frames, one
    set per thread), so a 40 MP frame costs gigabytes where a 40 MP picture costs 160 MB.
    """
    return int(setting("CARECIRCLE_UPLOAD_VIDEO_MAX_PIXELS"))


def _run(command: list[str]) -> subprocess.CompletedProcess[bytes] | None:
    """Run ffmpeg/ffprobe under the wall-clock timeout, memory cap and CPU-time cap."""
    try:
        return subprocess.run(  # noqa: S603 - fixed program, our own temporary paths
            command,
            capture_output=True,
            timeout=timeout(),
            check=False,
            stdin=subprocess.DEVNULL,
            preexec_fn=child_limiter(),  # noqa: PLW1509 - only setrlimit, see limits.py
        )
    except (subprocess.TimeoutExpired, OSError) as error:
        logger.warning("ffmpeg call failed: %s", type(error).__name__)
        return None


def _unreadable() -> UploadRefused:
    return UploadRefused(
        _("We could not read that file as a video. It may be damaged: please try another one.")
    )


def probe(path: str, mime_type: str) -> dict[str, Any] | None:
    """{"width", "height", "duration"} from ffprobe; None without ffprobe or if it fails."""
    ffprobe = ffprobe_path()
    if ffprobe is None or mime_type not in FORMATS:
        return None
    demuxer = FORMATS[mime_type][0]
    result = _run(
        [
            ffprobe,
            "-v",
            "error",
            # ffprobe decodes a few frames to find the stream's parameters: one thread, one
            # set of frames in memory.
            "-threads",
            "1",
            "-protocol_whitelist",
            "file",
            "-f",
            demuxer,
            "-show_entries",
            "format=duration:stream=codec_type,width,height:stream_disposition=attached_pic",
            "-of",
            "json",
            f"file:{path}",
        ]
    )
    if result is None or result.returncode != 0:
        return None
    try:
        info = json.loads(result.stdout or b"{}")
    except ValueError:
        return None
    video = next(
        (
            stream
            for stream in info.get("streams", [])
            if stream.get("codec_type") == "video"
            and not stream.get("disposition", {}).get("attached_pic")
        ),
        None,
    )
    if video is None:
        return None
    try:
        duration: float | None = float(info.get("format", {}).get("duration"))
    except (TypeError, ValueError):
        duration = None
    width, height = video.get("width"), video.get("height")
    return {
        "width": int(width) if isinstance(width, int) and width > 0 else None,
        "height": int(height) if isinstance(height, int) and height > 0 else None,
        "duration": round(duration, 3) if duration and duration > 0 else None,
    }


def _remux(path: str, mime_type: str) -> str | None:
    """A copy of `path` without metadata or data streams; None if ffmpeg cannot make one."""
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        return None
    demuxer, muxer = FORMATS[mime_type]
    handle, output = tempfile.mkstemp(prefix="carecircle-video-", suffix=f".{muxer}")
    os.close(handle)
    command = [
        ffmpeg,
        "-nostdin",
        "-v",
        "error",
        "-y",
        "-protocol_whitelist",
        "file",
        "-f",
        demuxer,
        "-i",
        f"file:{path}",
        # Capital V: video streams that are not attached pictures; cover art is a JPEG that
        # can carry its own EXIF and GPS.
        "-map",
        "0:V",
        "-map",
        "0:a?",
        "-c",
        "copy",
        "-map_metadata",
        "-1",
        "-map_metadata:s",
        "-1",
        "-map_chapters",
        "-1",
        "-fflags",
        "+bitexact",
    ]
    if muxer in ("mp4", "mov"):
        command += ["-movflags", "+faststart"]
    command += ["-f", muxer, f"file:{output}"]
    result = _run(command)
    if result is None or result.returncode != 0 or os.path.getsize(output) == 0:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(output)
        return None
    return output


def _spool(source: IO[bytes], head: bytes, limit: int, suffix: str) -> str:
    """Copy the upload to a temporary file in chunks (a video is never held in memory)."""
    handle, path = tempfile.mkstemp(prefix="carecircle-upload-", suffix=f".{suffix}")
    written = 0
    try:
        with os.fdopen(handle, "wb") as target:
            chunk = head
            while chunk:
                written += len(chunk)
                if written > limit:
                    raise refuse_too_large("video")
                target.write(chunk)
                chunk = source.read(CHUNK)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    return path


def process_video(
    source: IO[bytes], head: bytes, mime_type: str, limit: int
) -> tuple[Rendition, dict[str, Any] | None, bool]:
    """(main rendition as a temp path, probe info or None, whether ffmpeg cleaned it)."""
    if mime_type not in FORMATS:
        raise UploadRefused(
            _("Only MP4, WebM and MOV videos can be shared here."), code="type_not_allowed"
        )
    extension = VIDEO_EXTENSIONS[mime_type]
    path = _spool(source, head, limit, extension)
    try:
        if ffmpeg_path() is None or ffprobe_path() is None:
            strip_location(path, mime_type)
            return Rendition("file", mime_type, extension, path=path), None, False
        with slot():
            info = probe(path, mime_type)
            if info is None:
                raise _unreadable()
            if (
                info["width"]
                and info["height"]
                and info["width"] * info["height"] > max_frame_pixels()
            ):
                raise UploadRefused(
                    _("That video's picture is too large. Please choose a smaller video."),
                    code="too_many_pixels",
                )
            cleaned = _remux(path, mime_type)
        if cleaned is None:
            raise _unreadable()
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    os.unlink(path)
    return Rendition("file", mime_type, extension, path=cleaned), info, True


def process_video_extras(path: str) -> tuple[bytes | None, float | None]:
    """(poster WebP, duration in seconds) of a stored video; (None, None) without ffmpeg.

    Each ffmpeg call is killed after CARECIRCLE_FFMPEG_TIMEOUT seconds; what could not be made
    is None. Safe to run again (it only reads `path`).
    """
    ffmpeg = ffmpeg_path()
    if ffmpeg is None:
        return None, None
    try:
        with open(path, "rb") as file:
            mime_type = sniff(file.read(SNIFF_BYTES))
    except OSError:
        return None, None
    if mime_type not in FORMATS:
        return None, None
    with slot(wait=timeout() * TASK_SLOT_WAIT_FACTOR):
        return _poster_and_duration(ffmpeg, path, mime_type)


def _poster_and_duration(
    ffmpeg: str, path: str, mime_type: str
) -> tuple[bytes | None, float | None]:
    info = probe(path, mime_type)
    duration = info["duration"] if info else None
    frame = (info["width"] or 0) * (info["height"] or 0) if info else 0
    if frame > max_frame_pixels():
        # Stored before the frame cap existed (or the cap was lowered): it plays, but
        # decoding it here would cost too much.
        return None, duration
    result = _run(
        [
            ffmpeg,
            "-nostdin",
            "-v",
            "error",
            "-protocol_whitelist",
            "file",
            "-max_pixels",
            str(max_frame_pixels()),
            # One decoding thread: each thread holds its own frames.
            "-threads",
            "1",
            "-f",
            FORMATS[mime_type][0],
            "-i",
            f"file:{path}",
            "-map",
            "0:V:0",
            "-filter_threads",
            "1",
            "-vf",
            # Scaled to at most 1280 px first, then the most typical of the first frames (not
            # a black first frame): the filter keeps its candidates in memory.
            f"scale='min({POSTER_MAX_SIDE},iw)':'min({POSTER_MAX_SIDE},ih)'"
            f":force_original_aspect_ratio=decrease,thumbnail={POSTER_CANDIDATES}",
            "-frames:v",
            "1",
            "-map_metadata",
            "-1",
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "pipe:1",
        ]
    )
    poster = None
    if result is not None and result.returncode == 0 and 0 < len(result.stdout) <= POSTER_MAX_BYTES:
        poster = webp_from_picture(result.stdout, longest=POSTER_MAX_SIDE)
    return poster, duration


# --- Without ffmpeg: removing the recording place in pure Python -------------------------------
#
# A phone writes where a video was recorded into the container's metadata: MP4/MOV keep it in
# `udta` (`©xyz`, `loci`), in `meta` (Apple's `com.apple.quicktime.location.ISO6709` key) or in
# XMP `uuid` boxes, and dash cameras and action cameras record GPS as a timed data track; WebM
# keeps it in Tags. Without ffmpeg we cannot rebuild the file, but we can blank those parts where
# they lie: a box becomes a `free` box of the same size and an EBML element a Void element of the
# same size, their bytes zeroed, and the samples of a data track are zeroed inside `mdat`. Nothing
# moves, so every offset (stco/co64 chunk offsets, the WebM seek index and cues) stays valid.
#
# The rule is a list of what we keep (what a player needs), not of what we remove: any box or
# element we do not know goes. A file we cannot walk with confidence (truncated, sizes that do
# not add up, a compressed header, more boxes or depth than a video has, a data track we cannot
# locate) is refused rather than stored with whatever it may carry. Only the header boxes are
# read into memory (`moov`, capped); the media data is skipped by seeking.

# A live WebM (unsized clusters) is walked block by block, ~80 elements per second of video and
# sound: this allows about an hour of recording, and a hostile file of tiny elements is refused
# after 0.3 s of work (measured).
MAX_ELEMENTS = 300_000
MAX_DEPTH = 16
MOOV_MAX_BYTES = 32 * 1024 * 1024
MOOF_MAX_BYTES = 4 * 1024 * 1024
MAX_SAMPLES = 5_000_000
ZEROS = bytes(CHUNK)


class _Unsure(Exception):
    """The file cannot be walked with confidence; the message is for the log only."""


def _refuse_metadata() -> UploadRefused:
    return UploadRefused(
        _(
            "This video may carry the place where it was recorded, and this server cannot "
            "remove it. Please try another video, or ask the site's team to install ffmpeg."
        )
    )


def _zero(file: IO[bytes], start: int, end: int) -> None:
    file.seek(start)
    while start < end:
        step = min(CHUNK, end - start)
        file.write(ZEROS[:step])
        start += step


def _is_zero(file: IO[bytes], start: int, end: int) -> bool:
    file.seek(start)
    while start < end:
        chunk = file.read(min(CHUNK, end - start))
        if not chunk:
            raise _Unsure("file ended early")
        if chunk.count(0) != len(chunk):
            return False
        start += len(chunk)
    return True


# ISO base media (MP4, MOV): which children each walked box keeps. Everything else becomes free.
_KEEP: dict[bytes, frozenset[bytes]] = {
    b"moov": frozenset({b"mvhd", b"trak", b"mvex", b"iods", b"pssh"}),
    b"trak": frozenset({b"tkhd", b"edts", b"mdia", b"tref", b"tapt"}),
    b"mdia": frozenset({b"mdhd", b"hdlr", b"minf", b"elng"}),
    b"minf": frozenset({b"vmhd", b"smhd", b"hmhd", b"nmhd", b"gmhd", b"dinf", b"stbl", b"hdlr"}),
    b"mvex": frozenset({b"mehd", b"trex", b"leva", b"trep"}),
    b"moof": frozenset({b"mfhd", b"traf", b"pssh"}),
    b"traf": frozenset(
        {b"tfhd", b"tfdt", b"trun", b"sbgp", b"sgpd", b"subs", b"saiz", b"saio", b"senc"}
    ),
}
# Top-level boxes kept as they are (besides moov and moof, which are walked): the file type,
# the media data and indexes made of numbers only.
_TOP_KEEP = frozenset({b"ftyp", b"mdat", b"mfra", b"sidx", b"ssix", b"styp", b"prft", b"pdin"})
_PADDING = frozenset({b"free", b"skip", b"wide"})
# Tracks a player shows: video and sound. Timed data (GPS of dash and action cameras, Apple's
# timed metadata, subtitles that some cameras fill with coordinates) is dropped, as the ffmpeg
# path drops it.
_MEDIA_HANDLERS = frozenset({b"vide", b"soun"})


class _Box:
    __slots__ = ("end", "header", "kind", "start")

    def __init__(self, start: int, end: int, header: int, kind: bytes):
        self.start, self.end, self.header, self.kind = start, end, header, kind


def _parse_box(head: bytes, start: int, limit: int, *, to_end: bool) -> _Box:
    if len(head) < 8:
        raise _Unsure("box header cut short")
    size, kind = struct.unpack(">I4s", head[:8])
    header = 8
    if size == 1:
        if len(head) < 16:
            raise _Unsure("large box header cut short")
        (size,) = struct.unpack(">Q", head[8:16])
        header = 16
    elif size == 0:
        if not to_end:
            raise _Unsure("box without a size inside another box")
        size = limit - start
    if size < header or start + size > limit:
        raise _Unsure(f"box {kind!r} does not fit")
    return _Box(start, start + size, header, kind)


class _Mp4Cleaner:
    """Blanks an MP4/MOV in place: top-level boxes are read by header, moov/moof in memory."""

    def __init__(self, file: IO[bytes], length: int):
        self.file, self.length = file, length
        self.count = 0
        self.changed = False
        self.media_payloads: list[tuple[int, int]] = []
        self.video_tracks = 0
        self.fragmented = False
        self.drop_ranges: list[tuple[int, int]] = []

    def _counted(self) -> None:
        self.count += 1
        if self.count > MAX_ELEMENTS:
            raise _Unsure("too many boxes")

    def top_level(self) -> list[_Box]:
        boxes, offset = [], 0
        while offset < self.length:
            self._counted()
            self.file.seek(offset)
            box = _parse_box(self.file.read(16), offset, self.length, to_end=True)
            boxes.append(box)
            offset = box.end
        return boxes

    def children(self, buffer: bytearray, start: int, end: int) -> list[_Box]:
        boxes, offset = [], start
        while offset < end:
            self._counted()
            if end - offset < 8 and not any(buffer[offset:end]):
                break  # QuickTime may close a list with a zero terminator.
            box = _parse_box(bytes(buffer[offset : offset + 16]), offset, end, to_end=False)
            boxes.append(box)
            offset = box.end
        return boxes

    def blank(self, buffer: bytearray, box: _Box) -> None:
        buffer[box.start + 4 : box.start + 8] = b"free"
        buffer[box.start + box.header : box.end] = bytes(box.end - box.start - box.header)
        self.changed = True

    def walk(self, buffer: bytearray, parent: _Box, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Unsure("boxes nested too deep")
        keep = _KEEP[parent.kind]
        for box in self.children(buffer, parent.start + parent.header, parent.end):
            if box.kind not in keep:
                self.blank(buffer, box)
                continue
            if box.kind == b"trak":
                handler = self.handler(buffer, box)
                if handler not in _MEDIA_HANDLERS:
                    self.drop_ranges.extend(self.sample_ranges(buffer, box))
                    self.blank(buffer, box)
                    continue
                self.video_tracks += handler == b"vide"
            if box.kind in _KEEP:
                self.walk(buffer, box, depth + 1)

    def find(self, buffer: bytearray, parent: _Box, *path: bytes) -> _Box | None:
        box: _Box | None = parent
        for kind in path:
            assert box is not None
            box = next(
                (
                    child
                    for child in self.children(buffer, box.start + box.header, box.end)
                    if child.kind == kind
                ),
                None,
            )
            if box is None:
                return None
        return box

    def handler(self, buffer: bytearray, trak: _Box) -> bytes:
        hdlr = self.find(buffer, trak, b"mdia", b"hdlr")
        if hdlr is None or hdlr.end - hdlr.start < hdlr.header + 12:
            raise _Unsure("track without a handler")
        offset = hdlr.start + hdlr.header + 8
        return bytes(buffer[offset : offset + 4])

    def sample_ranges(self, buffer: bytearray, trak: _Box) -> list[tuple[int, int]]:
        """Where a track's samples lie in the file (one range per chunk)."""
        if self.fragmented:
            raise _Unsure("data track in a fragmented file")
        stbl = self.find(buffer, trak, b"mdia", b"minf", b"stbl")
        if stbl is None:
            raise _Unsure("track without a sample table")
        tables = {
            box.kind: bytes(buffer[box.start + box.header : box.end])
            for box in self.children(buffer, stbl.start + stbl.header, stbl.end)
        }
        stsz, stsc = tables.get(b"stsz"), tables.get(b"stsc")
        offsets_box, width = (tables[b"co64"], 8) if b"co64" in tables else (tables.get(b"stco"), 4)
        if stsz is None or stsc is None or offsets_box is None or len(stsz) < 12:
            raise _Unsure("sample table incomplete")
        fixed, sample_count = struct.unpack(">II", stsz[4:12])
        if sample_count > MAX_SAMPLES or (not fixed and len(stsz) < 12 + 4 * sample_count):
            raise _Unsure("sample sizes")
        (chunk_count,) = struct.unpack(">I", offsets_box[4:8])
        (run_count,) = struct.unpack(">I", stsc[4:8])
        if len(offsets_box) < 8 + width * chunk_count or len(stsc) < 8 + 12 * run_count:
            raise _Unsure("chunk tables")
        if chunk_count > MAX_SAMPLES or run_count > chunk_count + 1:
            raise _Unsure("chunk tables")
        runs = [struct.unpack_from(">II", stsc, 8 + 12 * index) for index in range(run_count)]
        ranges, sample, run, per_chunk = [], 0, 0, 0
        for index in range(chunk_count):
            chunk = index + 1
            while run < len(runs) and runs[run][0] <= chunk:
                per_chunk = runs[run][1]
                run += 1
            start = struct.unpack_from(
                ">Q" if width == 8 else ">I", offsets_box, 8 + width * index
            )[0]
            if sample + per_chunk > sample_count:
                raise _Unsure("more samples in chunks than sizes")
            if fixed:
                size = fixed * per_chunk
            else:
                size = sum(struct.unpack_from(f">{per_chunk}I", stsz, 12 + 4 * sample))
            sample += per_chunk
            if size and not any(a <= start and start + size <= b for a, b in self.media_payloads):
                raise _Unsure("samples outside the media data")
            ranges.append((start, start + size))
        return ranges

    def _keeps(self, box: _Box) -> bool:
        """Whether a top-level box other than moov/moof stays as it is."""
        if box.kind in _TOP_KEEP:
            return True
        # Padding is kept only if it is really empty: an editor may have renamed a metadata
        # box to `free` without clearing it.
        return box.kind in _PADDING and _is_zero(self.file, box.start + box.header, box.end)

    def clean(self) -> bool:
        boxes = self.top_level()
        kinds = [box.kind for box in boxes]
        if kinds.count(b"moov") != 1:
            raise _Unsure("not exactly one moov")
        self.fragmented = b"moof" in kinds
        self.media_payloads = [(b.start + b.header, b.end) for b in boxes if b.kind == b"mdat"]
        headers: list[tuple[_Box, bytearray]] = []
        for box in boxes:
            if box.kind in (b"moov", b"moof"):
                cap = MOOV_MAX_BYTES if box.kind == b"moov" else MOOF_MAX_BYTES
                if box.end - box.start > cap:
                    raise _Unsure(f"{box.kind!r} too large")
                self.file.seek(box.start)
                buffer = bytearray(self.file.read(box.end - box.start))
                original = bytes(buffer)
                self.walk(buffer, _Box(0, len(buffer), box.header, box.kind), 1)
                if buffer != original:
                    headers.append((box, buffer))
            elif not self._keeps(box):
                self.file.seek(box.start + 4)
                self.file.write(b"free")
                _zero(self.file, box.start + box.header, box.end)
                self.changed = True
        if self.video_tracks == 0:
            raise _Unsure("no video track")
        for start, end in self.drop_ranges:
            _zero(self.file, start, end)
        for box, buffer in headers:
            self.file.seek(box.start)
            self.file.write(buffer)
        return self.changed or bool(self.drop_ranges)


# Matroska/WebM (EBML). IDs keep their length marker, as the specification writes them.
_EBML, _SEGMENT, _VOID, _CRC32 = 0x1A45DFA3, 0x18538067, 0xEC, 0xBF
_SEEKHEAD, _INFO, _TRACKS, _CLUSTER, _CUES = (
    0x114D9B74,
    0x1549A966,
    0x1654AE6B,
    0x1F43B675,
    0x1C53BB6B,
)
_TRACK_ENTRY, _TRACK_TYPE = 0xAE, 0x83
# What a cluster holds, met at segment level when a live recording left its cluster unsized.
_CLUSTER_CHILDREN = frozenset({0xE7, 0xA3, 0xA0, 0xA7, 0xAB, 0x5854, 0xAF})
_SEGMENT_KEEP = frozenset({_SEEKHEAD, _CUES, _CLUSTER, _VOID, _CRC32}) | _CLUSTER_CHILDREN
# Info children kept: timing, date and the muxing programs' names (never the title or a file name).
_INFO_KEEP = frozenset({0x2AD7B1, 0x4489, 0x4461, 0x4D80, 0x5741, 0x73A4, _VOID})
_VIDEO, _AUDIO = 1, 2


class _WebmCleaner:
    """Blanks a WebM in place, element by element, reading headers only (and small Info/Tracks)."""

    def __init__(self, file: IO[bytes], length: int):
        self.file, self.length = file, length
        self.count = 0
        self.changed = False
        self.video_tracks = 0

    def element(self, offset: int, end: int) -> tuple[int, int, int | None]:
        """(id, data start, data end or None when the size is unknown)."""
        self.count += 1
        if self.count > MAX_ELEMENTS:
            raise _Unsure("too many elements")
        self.file.seek(offset)
        head = self.file.read(12)
        if not head or head[0] == 0 or head[0] < 0x10:
            raise _Unsure("bad element id")
        id_length = 9 - head[0].bit_length()
        if len(head) < id_length + 1:
            raise _Unsure("element cut short")
        element_id = int.from_bytes(head[:id_length], "big")
        first = head[id_length]
        if first == 0:
            raise _Unsure("bad element size")
        size_length = 9 - first.bit_length()
        raw = head[id_length : id_length + size_length]
        if len(raw) < size_length:
            raise _Unsure("element cut short")
        value = int.from_bytes(raw, "big") & ((1 << (7 * size_length)) - 1)
        data = offset + id_length + size_length
        if value == (1 << (7 * size_length)) - 1:
            return element_id, data, None
        if data + value > end:
            raise _Unsure("element does not fit")
        return element_id, data, data + value

    def void(self, start: int, end: int) -> None:
        total = end - start
        length = min(8, total - 1)
        payload = total - 1 - length
        self.file.seek(start)
        self.file.write(bytes([_VOID]) + ((1 << (7 * length)) | payload).to_bytes(length, "big"))
        _zero(self.file, start + 1 + length, end)
        self.changed = True

    def children(self, start: int, end: int) -> list[tuple[int, int, int, int]]:
        items, offset = [], start
        while offset < end:
            element_id, data, data_end = self.element(offset, end)
            if data_end is None:
                raise _Unsure("unsized element inside a sized one")
            items.append((element_id, offset, data, data_end))
            offset = data_end
        return items

    def clean_info(self, start: int, end: int) -> None:
        items = self.children(start, end)
        removed = False
        for element_id, offset, _data, data_end in items:
            if element_id not in _INFO_KEEP and element_id != _CRC32:
                self.void(offset, data_end)
                removed = True
        if removed:
            # The checksum would no longer match what it covers.
            for element_id, offset, _data, data_end in items:
                if element_id == _CRC32:
                    self.void(offset, data_end)

    def check_tracks(self, start: int, end: int) -> None:
        for element_id, _offset, data, data_end in self.children(start, end):
            if element_id != _TRACK_ENTRY:
                continue
            kind = next(
                (
                    int.from_bytes(self._read(child_data, child_end), "big")
                    for child_id, _o, child_data, child_end in self.children(data, data_end)
                    if child_id == _TRACK_TYPE and child_end - child_data <= 8
                ),
                None,
            )
            if kind not in (_VIDEO, _AUDIO):
                raise _Unsure("a track that is neither video nor sound")
            self.video_tracks += kind == _VIDEO

    def _read(self, start: int, end: int) -> bytes:
        self.file.seek(start)
        return self.file.read(end - start)

    def clean_segment(self, start: int, end: int) -> None:
        offset, checksum = start, None
        while offset < end:
            element_id, data, data_end = self.element(offset, end)
            if data_end is None:
                if element_id != _CLUSTER:
                    raise _Unsure("unsized element")
                offset = data  # read the cluster's blocks as they come
                continue
            if element_id == _CRC32 and offset == start:
                checksum = (offset, data_end)
            elif element_id == _INFO:
                self.clean_info(data, data_end)
            elif element_id == _TRACKS:
                self.check_tracks(data, data_end)
            elif element_id not in _SEGMENT_KEEP:
                # Tags (where a location is written), attachments (cover art with its own
                # EXIF), chapters, and anything unknown.
                self.void(offset, data_end)
            offset = data_end
        if checksum and self.changed:
            self.void(*checksum)

    def clean(self) -> bool:
        offset, segments = 0, 0
        while offset < self.length:
            element_id, data, data_end = self.element(offset, self.length)
            if element_id == _SEGMENT:
                segments += 1
                data_end = self.length if data_end is None else data_end
                self.clean_segment(data, data_end)
            elif element_id not in (_EBML, _VOID) or data_end is None:
                raise _Unsure("unexpected top-level element")
            offset = data_end
        if segments != 1 or self.video_tracks == 0:
            raise _Unsure("no single segment with a video track")
        return self.changed


def strip_location(path: str, mime_type: str) -> bool:
    """Blank, in place, every part of the video at `path` that may hold where it was recorded.

    True if something was blanked. UploadRefused if the file cannot be walked with confidence.
    """
    cleaner_class = _WebmCleaner if mime_type == "video/webm" else _Mp4Cleaner
    try:
        with open(path, "r+b") as file:
            length = os.fstat(file.fileno()).st_size
            return cleaner_class(file, length).clean()
    except (_Unsure, struct.error) as error:
        logger.info("video refused without ffmpeg: %s", error)
        raise _refuse_metadata() from error
