"""How much one upload may cost the server, and how many are worked on at once.

Memory for a picture is decided by its dimensions, not its file size: a 77 KB PNG can decode to
hundreds of megabytes. So (1) `decoded_bytes` is checked from the header before any pixel is
decoded (CARECIRCLE_UPLOAD_MAX_DECODED_BYTES), and (2) at most CARECIRCLE_UPLOAD_CONCURRENCY
pictures or ffmpeg runs are worked on at once in one process: further uploads wait their turn
(at most CARECIRCLE_UPLOAD_BUSY_WAIT seconds) and are then refused with "busy, try again"
(code `busy`, status 503) instead of multiplying the memory used. ffmpeg and ffprobe also run
under an address-space and CPU-time limit of their own (`limit_child`).
"""

from __future__ import annotations

import contextlib
import functools
import math
import resource
import threading
from collections.abc import Callable, Iterator

from django.utils.translation import gettext as _

from carecircle.uploads.processing.results import UploadRefused
from carecircle.uploads.processing.sniff import setting


class UploadBusy(UploadRefused):
    """Too many uploads are being worked on right now: nothing was stored, try again soon."""

    code = "busy"
    status = 503

    def __init__(self) -> None:
        super().__init__(
            _("The server is busy with other files right now. Please try again in a minute."),
            code="busy",
        )


_lock = threading.Lock()
_semaphore: threading.BoundedSemaphore | None = None
_semaphore_size = 0


def _slots() -> threading.BoundedSemaphore:
    """The process's semaphore, made again if the setting changed (tests override it)."""
    global _semaphore, _semaphore_size
    size = max(1, int(setting("CARECIRCLE_UPLOAD_CONCURRENCY")))
    with _lock:
        if _semaphore is None or size != _semaphore_size:
            _semaphore, _semaphore_size = threading.BoundedSemaphore(size), size
        return _semaphore


@contextlib.contextmanager
def slot(wait: float | None = None) -> Iterator[None]:
    """Hold one of the process's processing slots; UploadBusy after `wait` seconds without one."""
    semaphore = _slots()
    seconds = float(setting("CARECIRCLE_UPLOAD_BUSY_WAIT")) if wait is None else wait
    if not semaphore.acquire(timeout=max(0.0, seconds)):
        raise UploadBusy()
    try:
        yield
    finally:
        semaphore.release()


def max_decoded_bytes() -> int:
    return int(setting("CARECIRCLE_UPLOAD_MAX_DECODED_BYTES"))


def _limit_child(memory: int, cpu: int) -> None:
    # Runs in the child between fork and exec: only setrlimit here (no locks, no imports),
    # which keeps a pre-exec function safe in a threaded server.
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))


def child_limiter() -> Callable[[], None]:
    """The pre-exec function for ffmpeg/ffprobe: address space capped at
    CARECIRCLE_FFMPEG_MEMORY_BYTES, CPU time at CARECIRCLE_FFMPEG_TIMEOUT seconds (the wall-clock
    timeout still applies; this one also holds if the parent is stuck)."""
    memory = int(setting("CARECIRCLE_FFMPEG_MEMORY_BYTES"))
    cpu = math.ceil(float(setting("CARECIRCLE_FFMPEG_TIMEOUT")))
    return functools.partial(_limit_child, memory, cpu)
