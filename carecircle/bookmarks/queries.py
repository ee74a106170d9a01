"""Reads of bookmarks: only ever the actor's own."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext

from carecircle.bookmarks.models import Bookmark
from carecircle.bookmarks.permissions import can_read_target
from carecircle.communities.queries import attach_actor_memberships
from carecircle.core.errors import NotFoundError

# Ids are 64-bit: a larger number cannot name a row (and would overflow SQLite's integers).
MAX_ID = 2**63 - 1


@dataclass
class BookmarkState:
    topic_bookmark: Bookmark | None = None
    post_bookmarks: dict[int, Bookmark] = field(default_factory=dict)

    def for_post(self, post_id: int) -> Bookmark | None:
        return self.post_bookmarks.get(post_id)


def _authenticated(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def bookmark_state(actor: Any, topic: Any, posts: list[Any]) -> BookmarkState:
    """The actor's bookmarks of this topic and of these posts, in one query.

    Visitors have no bookmarks: no query at all, so the visitor page stays cacheable.
    """
    state = BookmarkState()
    if not _authenticated(actor):
        return state
    post_ids = [post.pk for post in posts]
    condition = Q(topic_id=topic.pk)
    if post_ids:
        condition |= Q(post_id__in=post_ids)
    for bookmark in Bookmark.objects.filter(condition, user=actor):
        if bookmark.topic_id is not None:
            state.topic_bookmark = bookmark
        elif bookmark.post_id is not None:
            state.post_bookmarks[bookmark.post_id] = bookmark
    # Each post carries its own bookmark too, so a post partial needs no dictionary lookup.
    for post in posts:
        post.actor_bookmark = state.post_bookmarks.get(post.pk)
    return state


#: The list page's filters: every bookmark, those with a reminder, topics only, posts only.
FILTERS = ("all", "reminders", "topics", "posts")


def get_bookmark(actor: Any, bookmark_id: int) -> Bookmark:
    """The actor's own bookmark; NotFoundError for anyone else's, as for one that is not there."""
    found = None
    if _authenticated(actor) and 0 < bookmark_id <= MAX_ID:
        found = _with_targets(Bookmark.objects.filter(user=actor, pk=bookmark_id)).first()
    if found is None:
        raise NotFoundError(gettext("Bookmark not found."))
    attach_availability(actor, [found])
    return found


def _with_targets(queryset: Any) -> Any:
    return queryset.select_related(
        "topic__community",
        "topic__author_alias",
        "post__alias",
        "post__author",
        "post__topic__community",
        "post__topic__author_alias",
    )


def bookmarks_for(actor: Any, *, show: str = "all") -> Any:
    """The actor's bookmarks, newest first, with their topics and posts loaded.

    `show` is one of FILTERS (anything else is "all"). Call `attach_availability` on the
    page's rows before showing them: a row is listed even when its target can no longer be
    read, so the member can remove it, but then nothing of the target is shown.
    """
    if not _authenticated(actor):
        return Bookmark.objects.none()
    queryset = Bookmark.objects.filter(user=actor)
    if show == "reminders":
        queryset = queryset.filter(remind_at__isnull=False)
    elif show == "topics":
        queryset = queryset.filter(topic__isnull=False)
    elif show == "posts":
        queryset = queryset.filter(post__isnull=False)
    return _with_targets(queryset).order_by("-created_at", "-pk")


def attach_availability(actor: Any, bookmarks: list[Bookmark]) -> None:
    """Set `bookmark.is_available` (may the actor still read its target?) and, for a post,
    `bookmark.excerpt`, in one query.

    The actor's memberships of every community involved are read at once and set on each
    community object, so the permission functions below ask the database nothing more.
    """
    communities = []
    for bookmark in bookmarks:
        topic = bookmark.post.topic if bookmark.post is not None else bookmark.topic
        if topic is not None:
            communities.append(topic.community)
    attach_actor_memberships(communities, actor)
    for bookmark in bookmarks:
        available = can_read_target(actor, bookmark)
        bookmark.is_available = available  # type: ignore[attr-defined]
        # Only what the member may read: an unavailable post gives not even an excerpt.
        bookmark.excerpt = (  # type: ignore[attr-defined]
            post_excerpt(bookmark.post.body_html)
            if available and bookmark.post is not None
            else None
        )


#: Words of a post's text shown with its bookmark.
EXCERPT_WORDS = 40


def post_excerpt(body_html: str) -> str:
    """A plain-text start of a post's rendered text (never its Markdown source)."""
    return Truncator(html.unescape(strip_tags(body_html)).strip()).words(EXCERPT_WORDS)
