"""Background work for the resource library. Tasks take ids and are idempotent."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task
from django.utils import timezone

# A page's title and description change rarely; a month-old preview is fetched again.
PREVIEW_MAX_AGE = timedelta(days=30)
# One run fetches at most this many: a weekly job over a library of thousands stays gentle on
# the sites it fetches and on the worker.
REFRESH_BATCH = 200


@task()
def fetch_preview_task(resource_id: int) -> str:
    """Fetch the link preview of one resource; the state it was left in."""
    from carecircle.resources.previews import fetch_and_store_preview

    return fetch_and_store_preview(resource_id)


@task()
def refresh_previews_task() -> int:
    """Queue a new fetch for the oldest previews older than PREVIEW_MAX_AGE (published and
    suggested resources with a link); the number queued. Periodic: `resources.refresh_previews`."""
    from carecircle.resources.models import Resource

    stale = (
        Resource.objects.exclude(url="")
        .filter(
            status__in=[Resource.Status.PUBLISHED, Resource.Status.SUGGESTED],
            preview_state__in=[Resource.PreviewState.FETCHED, Resource.PreviewState.FAILED],
            preview_fetched_at__lt=timezone.now() - PREVIEW_MAX_AGE,
        )
        .order_by("preview_fetched_at")
        .values_list("pk", flat=True)[:REFRESH_BATCH]
    )
    ids = list(stale)
    for resource_id in ids:
        fetch_preview_task.enqueue(resource_id)
    return len(ids)
