"""Background work for notifications. Tasks take ids and plain data and are idempotent."""

from __future__ import annotations

from django.tasks import task


@task()
def send_due_emails_task() -> int:
    """Send the notification emails whose wait is over (every minute, from the scheduler)."""
    from carecircle.notifications.delivery.email import send_due_emails

    return send_due_emails()


@task()
def send_digests_task() -> int:
    """Send the daily and weekly digests of members whose local morning it is (hourly)."""
    from carecircle.notifications.digests import send_digests

    return send_digests()


@task()
def deliver_notifications_task(payload: dict) -> int:
    """Create or collapse one chunk of notifications (queued by `actions.notify`).

    `payload` holds the keyword arguments of `actions.deliver_notifications`, all plain data.
    Returns how many members were notified.
    """
    from carecircle.notifications.actions import deliver_notifications

    return len(deliver_notifications(**payload))


@task()
def fan_out_watchers_task(payload: dict) -> int:
    """Look up a community's (or topic's) watchers and queue their delivery in chunks
    (queued by `actions.notify_watchers`). Returns how many members were queued."""
    from carecircle.notifications.actions import fan_out_watchers

    return fan_out_watchers(payload)


@task()
def purge_delivery_claims_task() -> int:
    """Forget old delivery claims (daily, from the scheduler). Returns how many went."""
    from carecircle.notifications.actions import purge_delivery_claims

    return purge_delivery_claims()
