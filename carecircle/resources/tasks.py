"""Background work for the resource library. Tasks take ids and are idempotent."""

from __future__ import annotations

from django.tasks import task


@task()
def fetch_preview_task(resource_id: int) -> str:
    """Fetch the link preview of one resource; the state it was left in."""
    from carecircle.resources.previews import fetch_and_store_preview

    return fetch_and_store_preview(resource_id)
