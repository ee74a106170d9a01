"""What processing hands back to the uploads actions, and how it refuses a file."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any

from carecircle.core.errors import ValidationFailed


class UploadRefused(ValidationFailed):
    """A file we will not store; `code` says why, the message says it in plain words.

    Codes: `upload_refused` (unreadable, or not what its name says), `too_large`,
    `type_not_allowed`, `too_many_pixels`. The field is always `file` unless given.
    """

    code = "upload_refused"

    def __init__(self, message: Any, *, code: str = "upload_refused", field: str = "file"):
        super().__init__(message, code=code, field=field)


@dataclass
class Rendition:
    """One stored file of an upload: the main file, a resized copy, or a video's poster.

    Exactly one of `data` and `path` is set. A video's main file is a temporary `path` (never
    held in memory); whoever stores it removes it, or calls `Processed.cleanup()`.
    """

    name: str  # "file", "w320", "w640", "w1280", "poster"
    content_type: str
    extension: str  # without the dot: "webp", "pdf", "mp4"
    data: bytes | None = None
    path: str | None = None
    width: int | None = None

    @property
    def size(self) -> int:
        if self.data is not None:
            return len(self.data)
        return os.path.getsize(self.path) if self.path else 0


@dataclass
class Processed:
    """A file that passed every check, ready to be stored as it is."""

    kind: str  # "image" | "video" | "document" (Upload.Kind values)
    mime_type: str
    # Cleaned of paths and control characters, with the extension of what is stored.
    original_name: str
    renditions: list[Rendition] = field(default_factory=list)
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    # True when a background task should still make the poster (ffmpeg is there).
    needs_video_task: bool = False

    def rendition(self, name: str) -> Rendition | None:
        return next((item for item in self.renditions if item.name == name), None)

    def cleanup(self) -> None:
        """Remove the temporary files behind `path` renditions (safe to call twice)."""
        for item in self.renditions:
            if item.path:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(item.path)
