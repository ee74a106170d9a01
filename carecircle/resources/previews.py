"""Link previews for library resources: title and description fetched in the background.

The fetch itself runs in a task after commit (resources.tasks.fetch_preview_task) so a slow or
hostile site never holds up a member's request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

if TYPE_CHECKING:
    from carecircle.resources.models import Resource


def schedule_preview(resource: Resource) -> None:
    """Fetch the resource's link preview after the current transaction commits.

    Called by the resource actions after a create, or an edit that changed the link. A resource
    without a link gets no preview; its state says so.
    """
    from carecircle.resources.tasks import fetch_preview_task

    resource_id = resource.pk
    transaction.on_commit(lambda: fetch_preview_task.enqueue(resource_id), robust=True)


def fetch_and_store_preview(resource_id: int) -> str:
    """Fetch and store the preview of one resource; the state it was left in.

    Placeholder until the fetcher lands: leaves the resource as it is.
    """
    from carecircle.resources.models import Resource

    state = Resource.objects.filter(pk=resource_id).values_list("preview_state", flat=True).first()
    return state or ""
