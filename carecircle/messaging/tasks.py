"""Background work for messaging. Tasks take ids only and are idempotent."""

from __future__ import annotations

from django.tasks import task


@task()
def purge_chat_history_task() -> int:
    """Delete chat room messages past their room's retention (hourly, from the scheduler;
    also `manage.py purge_chat_history`)."""
    from carecircle.messaging.actions.rooms import purge_chat_history

    return purge_chat_history()
