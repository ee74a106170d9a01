"""JSON API: the member's bookmarks — the same actions and reads as the pages.

Another member's bookmark answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from carecircle.api.api import member_auth
from carecircle.api.schemas import ErrorOut
from carecircle.bookmarks import actions, queries
from carecircle.bookmarks.models import Bookmark
from carecircle.bookmarks.schemas import (
    BookmarkCommunityOut,
    BookmarkIn,
    BookmarkOut,
    BookmarkPage,
    BookmarkPatch,
)
from carecircle.core.errors import ValidationFailed
from carecircle.core.pagination import PageRequest, paginate
from carecircle.discussions.queries import MAX_ID, get_post, get_topic

router = Router(tags=["bookmarks"])


def bookmark_out(bookmark: Bookmark) -> BookmarkOut:
    """The bookmark; of its target only ids unless the owner may still read it."""
    available = bool(getattr(bookmark, "is_available", False))
    post = bookmark.post if available else None
    topic = (post.topic if post is not None else bookmark.topic) if available else None
    return BookmarkOut(
        id=bookmark.pk,
        kind="post" if bookmark.post_id is not None else "topic",
        topic_id=bookmark.topic_id,
        post_id=bookmark.post_id,
        is_available=available,
        title=topic.title if topic is not None else None,
        community=BookmarkCommunityOut(slug=topic.community.slug, name=topic.community.name)
        if topic is not None
        else None,
        url=(post.get_absolute_url() if post is not None else topic.get_absolute_url())
        if topic is not None
        else None,
        excerpt=getattr(bookmark, "excerpt", None) if post is not None else None,
        note=bookmark.note,
        remind_at=bookmark.remind_at,
        reminded_at=bookmark.reminded_at,
        created_at=bookmark.created_at,
        updated_at=bookmark.updated_at,
    )


@router.get("/bookmarks", response={200: BookmarkPage, 401: ErrorOut}, auth=member_auth)
def list_bookmarks(
    request: HttpRequest, page: int = 1, page_size: int = 20, show: str = "all"
) -> BookmarkPage:
    """Your bookmarks, newest first; `show`: "all", "reminders", "topics" or "posts"."""
    result = paginate(
        queries.bookmarks_for(request.user, show=show if show in queries.FILTERS else "all"),
        PageRequest.from_params(page, page_size),
    )
    queries.attach_availability(request.user, result.items)
    return BookmarkPage(
        items=[bookmark_out(item) for item in result.items],
        page=result.number,
        page_size=result.size,
        total=result.total,
        pages=result.page_count,
    )


@router.post(
    "/bookmarks",
    response={
        201: BookmarkOut,
        400: ErrorOut,
        401: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        429: ErrorOut,
    },  # fmt: skip
    auth=member_auth,
)
def create_bookmark(request: HttpRequest, payload: BookmarkIn) -> Status[BookmarkOut]:
    """Bookmark a topic (`topic_id`) or a post (`post_id`), with an optional note and reminder.

    404 for a topic or post you may not read; 409 `already_bookmarked` when it is bookmarked.
    """
    if (payload.topic_id is None) == (payload.post_id is None):
        raise ValidationFailed(
            _("Send either topic_id or post_id."), code="invalid", field="topic_id"
        )
    topic = post = None
    if payload.topic_id is not None:
        topic = get_topic(request.user, min(max(payload.topic_id, 0), MAX_ID))
    else:
        assert payload.post_id is not None
        post = get_post(request.user, min(max(payload.post_id, 0), MAX_ID))
    bookmark = actions.add_bookmark(
        actor=request.user, topic=topic, post=post, note=payload.note, remind_at=payload.remind_at
    )
    return Status(201, bookmark_out(queries.get_bookmark(request.user, bookmark.pk)))


@router.get(
    "/bookmarks/{bookmark_id}",
    response={200: BookmarkOut, 401: ErrorOut, 404: ErrorOut},
    auth=member_auth,
)
def get_bookmark(request: HttpRequest, bookmark_id: int) -> BookmarkOut:
    """One of your bookmarks."""
    return bookmark_out(queries.get_bookmark(request.user, bookmark_id))


@router.patch(
    "/bookmarks/{bookmark_id}",
    response={200: BookmarkOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def patch_bookmark(request: HttpRequest, bookmark_id: int, payload: BookmarkPatch) -> BookmarkOut:
    """Change the note and/or the reminder of one of your bookmarks."""
    bookmark = queries.get_bookmark(request.user, bookmark_id)
    sent = payload.model_fields_set
    changes: dict[str, Any] = {}
    if "note" in sent:
        changes["note"] = payload.note or ""
    if "remind_at" in sent:
        changes["remind_at"] = payload.remind_at
    actions.edit_bookmark(actor=request.user, bookmark=bookmark, **changes)
    return bookmark_out(queries.get_bookmark(request.user, bookmark_id))


@router.delete(
    "/bookmarks/{bookmark_id}",
    response={204: None, 401: ErrorOut, 404: ErrorOut, 429: ErrorOut},
    auth=member_auth,
)
def delete_bookmark(request: HttpRequest, bookmark_id: int) -> Status[None]:
    """Remove one of your bookmarks (also one whose topic or post you can no longer read)."""
    bookmark = queries.get_bookmark(request.user, bookmark_id)
    actions.delete_bookmark(actor=request.user, bookmark=bookmark)
    return Status(204, None)
