"""Videos: checked by libmagic and, when Debian's ffmpeg is installed, by ffprobe and a remux.

With ffmpeg (CARECIRCLE_FFMPEG, ffprobe beside it) an upload is probed (it must hold a video
stream, within the pixel cap), then copied into a fresh container without re-encoding: global,
stream and chapter metadata (a phone's GPS location among them), data streams (camera
telemetry) and attached pictures (cover art, a JPEG with its own EXIF) are dropped, and MP4/MOV
get their index up front so playback starts before the whole file arrives. The poster (a
representative early frame, WebP) is made later by a background task with
`process_video_extras`. Without ffmpeg the file is stored as sent, with no poster and no
duration: it still plays, but its metadata cannot be removed (docs say to install ffmpeg).

ffmpeg reads hostile files, so every call forces the expected demuxer (never a playlist format
that could fetch URLs or read other local files), allows the `file` protocol only, and is killed
after CARECIRCLE_FFMPEG_TIMEOUT seconds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import tempfile
from typing import IO, Any

from django.utils.translation import gettext as _

from carecircle.uploads.processing.images import max_pixels, webp_from_picture
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


def _run(command: list[str]) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(  # noqa: S603 - fixed program, our own temporary paths
            command, capture_output=True, timeout=timeout(), check=False, stdin=subprocess.DEVNULL
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
            return Rendition("file", mime_type, extension, path=path), None, False
        info = probe(path, mime_type)
        if info is None:
            raise _unreadable()
        if info["width"] and info["height"] and info["width"] * info["height"] > max_pixels():
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
    info = probe(path, mime_type)
    duration = info["duration"] if info else None
    result = _run(
        [
            ffmpeg,
            "-nostdin",
            "-v",
            "error",
            "-protocol_whitelist",
            "file",
            "-max_pixels",
            str(max_pixels()),
            "-f",
            FORMATS[mime_type][0],
            "-i",
            f"file:{path}",
            "-map",
            "0:V:0",
            "-vf",
            # The most typical of the first 30 frames (not a black first frame), at most
            # 1280 px on its long side.
            f"thumbnail=30,scale='min({POSTER_MAX_SIDE},iw)':'min({POSTER_MAX_SIDE},ih)'"
            ":force_original_aspect_ratio=decrease",
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
