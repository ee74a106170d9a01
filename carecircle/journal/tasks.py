"""Background work of the journal: community figures and "people like me" tokens."""

from __future__ import annotations

from django.tasks import task


@task()
def compute_all_insights_task() -> None:
    """Recompute every community's figures (filled in by the insights work)."""
