"""Bookmarks in a member's data export: every one, with its private note decrypted.

Erasing an account needs no extra step: bookmarks cascade with their owner.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.urls import reverse

from carecircle.bookmarks.models import Bookmark
from carecircle.notifications.preferences import member_zone
from carecircle.privacy.registry import Row, register


def _local(moment: Any, zone: Any) -> str | None:
    return moment.astimezone(zone).isoformat() if moment is not None else None


def bookmarks(member: Any) -> Iterator[Row]:
    """One row per bookmark: what it points at (by id and link), the note, the reminder.

    Titles are left out: the member may no longer be allowed to read what they bookmarked,
    and the export must not reveal it; the link opens it when they still may.
    """
    zone = member_zone(member)
    for bookmark in Bookmark.objects.filter(user=member).order_by("created_at", "pk"):
        target_id: int | None
        if bookmark.post_id is not None:
            kind, target_id = "post", bookmark.post_id
            link = reverse("post_permalink", kwargs={"post_id": bookmark.post_id})
        else:
            kind, target_id = "topic", bookmark.topic_id
            # The short address: the long one carries the title in its slug.
            link = reverse("topic_detail_short", kwargs={"topic_id": bookmark.topic_id})
        yield {
            "kind": kind,
            "target_id": target_id,
            "link": link,
            "note": bookmark.note,
            "remind_at": _local(bookmark.remind_at, zone),
            "reminded_at": _local(bookmark.reminded_at, zone),
            "created_at": _local(bookmark.created_at, zone),
        }


register(Bookmark, name="bookmarks", export=bookmarks)
