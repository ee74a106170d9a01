"""Periodic background jobs: a registry of tasks with intervals, and the step that enqueues them.

`manage.py run_scheduler` calls `run_due()` in a loop (or once, with `--once`, from cron).
Time is cut into slots of each job's interval, aligned to the Unix epoch (an hourly job's slots
start on the hour, a daily job's at 00:00 UTC). A job is enqueued at most once per slot however
many schedulers run: each claims the slot by inserting a `ScheduledRun` row whose (name, slot)
is unique, and enqueues the task in the same transaction, so with the database task backend a
claim without its task (or a task without its claim) is never committed. A slot nobody claimed
while every scheduler was stopped is skipped, not caught up: jobs are written to catch up on
their own (the purge deletes everything already expired, whenever it runs).

Register jobs here (the central list is `_register_defaults`) or from code with `register()`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone
from django.utils.module_loading import import_string

from carecircle.core.models import ScheduledRun

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Claims are kept this long (for "when did the purge last run?"), then deleted.
KEEP_RUNS = timedelta(days=14)


@dataclass(frozen=True)
class PeriodicTask:
    """A task to enqueue once every `every`; `task` is a Task or the dotted path to one."""

    name: str
    every: timedelta
    task: Task | str

    def resolve(self) -> Task:
        task = import_string(self.task) if isinstance(self.task, str) else self.task
        if not isinstance(task, Task):
            raise TypeError(f"{self.name}: {self.task!r} is not a task (use @task)")
        return task


REGISTRY: dict[str, PeriodicTask] = {}


def register(name: str, *, every: timedelta, task: Task | str) -> PeriodicTask:
    """Run `task` once every `every` (at least a minute); registering a name again replaces it."""
    if every < timedelta(minutes=1):
        raise ValueError("Periodic tasks run at most once a minute.")
    entry = PeriodicTask(name=name, every=every, task=task)
    REGISTRY[name] = entry
    return entry


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def slot_start(every: timedelta, now: datetime) -> datetime:
    """The start of the slot of length `every` that `now` falls in (epoch-aligned, UTC)."""
    seconds = int(every.total_seconds())
    elapsed = int((now - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=elapsed - elapsed % seconds)


def run_due(*, now: datetime | None = None, names: list[str] | None = None) -> list[str]:
    """Enqueue every registered job whose current slot nobody claimed yet; returns their names."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for entry in list(REGISTRY.values()):
        if names is not None and entry.name not in names:
            continue
        slot = slot_start(entry.every, now)
        if ScheduledRun.objects.filter(name=entry.name, slot=slot).exists():
            continue
        try:
            task = entry.resolve()
            with transaction.atomic():
                ScheduledRun.objects.create(name=entry.name, slot=slot)
                task.enqueue()
        except IntegrityError:
            continue  # another scheduler claimed this slot a moment ago
        except Exception:  # noqa: BLE001 - one broken job must not stop the others
            logger.exception("Could not enqueue periodic task %s", entry.name)
            continue
        ScheduledRun.objects.filter(name=entry.name, slot__lt=now - KEEP_RUNS).delete()
        logger.info("Enqueued periodic task %s for %s", entry.name, slot.isoformat())
        enqueued.append(entry.name)
    return enqueued


def _register_defaults() -> None:
    register(
        "privacy.delete_expired_exports",
        every=timedelta(days=1),
        task="carecircle.privacy.tasks.delete_expired_exports_task",
    )
    register(
        "messaging.purge_chat_history",
        every=timedelta(hours=1),
        task="carecircle.messaging.tasks.purge_chat_history_task",
    )


_register_defaults()
