"""The library in a member's data export, and what erasing their account does to it.

Published resources are the library's (community content, kept when the member goes, with
their name removed as `suggested_by`/`added_by`/`last_reviewed_by` are set to null). The member's
export lists what they suggested or added, with its state and, for a suggestion that was not
added, the curator's note to them. Erasure also deletes their suggestions nobody published
(waiting, not added, or archived without ever being published): those were only ever theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Q

from carecircle.privacy.registry import Row, register


def library_resources(member: Any) -> Iterator[Row]:
    from carecircle.resources.models import Resource

    resources = (
        Resource.objects.filter(Q(suggested_by=member) | Q(added_by=member))
        .select_related("community")
        .prefetch_related("categories")
        .order_by("created_at", "pk")
    )
    for resource in resources:
        yield {
            "id": resource.pk,
            "role": "suggested" if resource.suggested_by_id == member.pk else "added",
            "library": resource.community.name if resource.community else "site",
            "status": resource.status,
            "kind": resource.kind,
            "title": resource.title,
            "summary": resource.summary,
            "url": resource.url,
            "source": resource.source,
            "author": resource.author,
            "publisher": resource.publisher,
            "published_on": resource.published_on.isoformat() if resource.published_on else None,
            "categories": [category.name for category in resource.categories.all()],
            "tags": list(resource.tags or []),
            "reading_level": resource.reading_level,
            "review_note": resource.review_note if resource.suggested_by_id == member.pk else "",
            "created_at": resource.created_at.isoformat(),
        }


def erase_unpublished_suggestions(member: Any, keep_posts: bool) -> None:
    """Delete the member's suggestions that never joined a library (their files are let go).

    Waiting and not-added suggestions, and archived ones that were never published: a
    curator may archive a suggestion straight from the queue. "Never published" is
    `last_reviewed_on` empty: the only way a suggestion is published is `review_resource`'s
    approve, which always sets it, and nothing clears it (its reviewer's erasure nulls
    `last_reviewed_by`, not the date). An archived resource that was once published stays:
    it was the library's.
    """
    from carecircle.resources.models import Resource

    Status = Resource.Status
    Resource.objects.filter(
        Q(status__in=(Status.SUGGESTED, Status.REJECTED))
        | Q(status=Status.ARCHIVED, last_reviewed_on__isnull=True),
        suggested_by=member,
    ).delete()


def _register_all() -> None:
    register(
        "resources.Resource",
        name="library_resources",
        export=library_resources,
        erase=erase_unpublished_suggestions,
    )


_register_all()
