"""Background work of bookmarks: sending the reminders members set.

Tasks take ids and are idempotent; each runs the same way twice.
"""

from __future__ import annotations

from django.tasks import task


@task()
def send_bookmark_reminders_task() -> int:
    """Send every reminder that is due (every 5 minutes); returns how many were sent."""
    from carecircle.bookmarks.actions import send_due_reminders

    return send_due_reminders()
