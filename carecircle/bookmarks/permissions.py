"""Who may bookmark a topic or post, and whether a bookmark's target may still be shown.

A bookmark is private: only its owner ever reads, changes or removes it. What it points at is
shown only while the owner may still read it under the discussions rules, so a post hidden
after it was saved, or a community the member has left, does not leak through the list.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.bookmarks.models import Bookmark
from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.discussions.models import Post, Topic
from carecircle.discussions.permissions import can_read_post_text, can_read_topic, can_see_post


def _active_member(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_active)


def can_read_topic_target(actor: Any, topic: Topic) -> bool:
    """Whether a bookmarked topic may be shown: readable and not deleted (even to moderators:
    a bookmark list is not a moderation tool)."""
    return not topic.is_deleted and can_read_topic(actor, topic)


def can_read_post_target(actor: Any, post: Post) -> bool:
    """Whether a bookmarked post may be shown: exactly when its words show on the topic page."""
    return (
        not post.is_deleted
        and can_read_topic_target(actor, post.topic)
        and can_see_post(actor, post)
        and can_read_post_text(actor, post)
    )


def can_read_target(actor: Any, bookmark: Bookmark) -> bool:
    """Whether the bookmark's topic or post may still be shown to `actor` (its owner)."""
    if bookmark.post_id is not None:
        return bookmark.post is not None and can_read_post_target(actor, bookmark.post)
    return bookmark.topic is not None and can_read_topic_target(actor, bookmark.topic)


def can_bookmark_topic(actor: Any, topic: Topic) -> bool:
    return _active_member(actor) and can_read_topic_target(actor, topic)


def can_bookmark_post(actor: Any, post: Post) -> bool:
    return _active_member(actor) and can_read_post_target(actor, post)


def can_change_bookmark(actor: Any, bookmark: Bookmark) -> bool:
    """Only the owner; allowed even when the target is no longer readable (to remove it)."""
    return _active_member(actor) and bookmark.user_id == actor.pk


def check_signed_in(actor: Any) -> None:
    if not _active_member(actor):
        raise PermissionDeniedError(
            _("Please sign in to keep bookmarks."), code="not_authenticated"
        )


def check_can_bookmark_topic(actor: Any, topic: Topic) -> None:
    check_signed_in(actor)
    if not can_bookmark_topic(actor, topic):
        # "Not found", as for a topic that does not exist: no hint that it is there.
        raise NotFoundError(_("Topic not found."))


def check_can_bookmark_post(actor: Any, post: Post) -> None:
    check_signed_in(actor)
    if not can_bookmark_post(actor, post):
        raise NotFoundError(_("Post not found."))


def check_can_change_bookmark(actor: Any, bookmark: Bookmark) -> None:
    check_signed_in(actor)
    if not can_change_bookmark(actor, bookmark):
        raise NotFoundError(_("Bookmark not found."))
