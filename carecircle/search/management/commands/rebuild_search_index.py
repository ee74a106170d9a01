"""Rebuild the search index from its sources, in batches, with a progress bar on stderr."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from carecircle.search.indexing import REBUILD_KINDS, rebuild_index

BAR_WIDTH = 30
PLURALS = {
    "topic": "topics",
    "member": "members",
    "community": "communities",
    "resource": "library resources",
}


class Command(BaseCommand):
    help = (
        "Bring every search row up to date from its source (topics with their replies, "
        "members, communities, library resources) and remove rows whose source is gone. "
        "Safe to run at any time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=REBUILD_KINDS, help="Only this kind (default: all).")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=500,
            help="Sources read and written per transaction (default: 500).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        kinds = [options["kind"]] if options["kind"] else list(REBUILD_KINDS)
        self.stderr.style_func = None  # type: ignore[assignment]  # a bar, not an error
        bar = ProgressBar(self.stderr)
        started = time.monotonic()
        counts = rebuild_index(kinds, batch_size=batch_size, progress=bar.update)
        bar.finish()
        elapsed = max(time.monotonic() - started, 1e-6)
        rows = sum(count.rows for count in counts)
        sources = ", ".join(f"{PLURALS[count.kind]}: {count.sources}" for count in counts)
        self.stdout.write(
            f"Indexed {rows} rows ({sources}) in {elapsed:.1f} s ({rows / elapsed:.0f} rows/s); "
            f"{sum(count.written for count in counts)} written, "
            f"{sum(count.removed for count in counts)} stale removed."
        )


class ProgressBar:
    """One line per kind, redrawn in place on a terminal; on a pipe only each kind's last state
    is written, so logs are not flooded."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.is_terminal = bool(getattr(stream, "isatty", lambda: False)())
        self.line = ""

    def update(self, kind: str, done: int, total: int) -> None:
        share = done / total if total else 1.0
        filled = round(BAR_WIDTH * share)
        self.line = (
            f"{kind:<10} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {share:4.0%}"
        )
        if self.is_terminal:
            self.stream.write("\r" + self.line, ending="")
            self.stream.flush()
        if done >= total:
            self.end_line()

    def end_line(self) -> None:
        if self.line:
            self.stream.write("" if self.is_terminal else self.line)
        self.line = ""

    def finish(self) -> None:
        self.end_line()
