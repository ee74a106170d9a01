import logging
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from carecircle.core import schedule

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Enqueue periodic background jobs when they are due (see carecircle/core/schedule.py). "
        "Runs until stopped; several may run at once, each job is still enqueued once per slot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Check once and exit (for cron and tests)."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=30.0,
            help="Seconds between checks (default 30).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.run_once()
            return
        interval = max(1.0, options["interval"])
        names = ", ".join(sorted(schedule.REGISTRY)) or "none"
        self.stdout.write(f"Scheduler started (every {interval:g} s); jobs: {names}")
        try:
            while True:
                close_old_connections()
                try:
                    self.run_once()
                except Exception:  # noqa: BLE001 - a database outage must not end the loop
                    logger.exception("Scheduler check failed; trying again in %s s", interval)
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")

    def run_once(self) -> None:
        for name in schedule.run_due():
            self.stdout.write(f"Enqueued {name}")
