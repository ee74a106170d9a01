"""Who may read, reply to, edit, delete, react to and moderate topics and posts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from carecircle.communities.models import Membership
from carecircle.communities.permissions import (
    can_moderate_community,
    can_read_community,
    can_reply_in_community,
    check_can_reply_in_community,
    membership_of,
)
from carecircle.core.errors import NotFoundError, PermissionDeniedError
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Post, Topic
from carecircle.moderation.enforcement import check_not_restricted, restriction_for


def can_read_topic(actor: Any, topic: Topic) -> bool:
    if not can_read_community(actor, topic.community):
        return False
    if topic.moderation_state != ModerationState.VISIBLE and not (
        topic.is_started_by(actor) or can_moderate_community(actor, topic.community)
    ):
        # Waiting for approval or hidden for review: its author and moderators only.
        return False
    return not topic.is_deleted or can_moderate_community(actor, topic.community)


def can_see_post(actor: Any, post: Post) -> bool:
    """Whether `actor` sees this post at all (pending posts: only their author and moderators).

    Hidden posts are seen, as a placeholder, by everyone who reads the topic; see
    `can_read_post_text`.
    """
    if post.moderation_state != ModerationState.PENDING:
        return True
    return post.is_written_by(actor) or can_moderate_community(actor, post.topic.community)


def can_read_post_text(actor: Any, post: Post) -> bool:
    """Whether `actor` may read the words of a pending or hidden post (author, moderators)."""
    if post.moderation_state == ModerationState.VISIBLE:
        return True
    return post.is_written_by(actor) or can_moderate_community(actor, post.topic.community)


def can_reply(actor: Any, topic: Topic) -> bool:
    if topic.is_deleted or not can_reply_in_community(actor, topic.community):
        return False
    return not topic.is_locked or can_moderate_community(actor, topic.community)


def can_edit_post(actor: Any, post: Post) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active or post.is_deleted:
        return False
    if can_moderate_community(actor, post.topic.community):
        return True
    return post.is_written_by(actor) and not post.topic.is_locked


def can_delete_post(actor: Any, post: Post) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active or post.is_deleted:
        return False
    return post.is_written_by(actor) or can_moderate_community(actor, post.topic.community)


def can_react(actor: Any, post: Post) -> bool:
    if not getattr(actor, "is_authenticated", False) or post.is_deleted:
        return False
    return can_reply_in_community(actor, post.topic.community)


def can_accept_answer(actor: Any, topic: Topic) -> bool:
    if not topic.is_question or not getattr(actor, "is_authenticated", False):
        return False
    if restriction_for(actor, topic.community) is not None:
        # Accepting an answer changes what others read: a suspended or banned member may not.
        return False
    return topic.is_started_by(actor) or can_moderate_community(actor, topic.community)


def can_post_anonymously(actor: Any, community: Any) -> bool:
    return bool(community.allow_anonymous_posts) and can_reply_in_community(actor, community)


def can_reveal_anonymous_author(actor: Any, community: Any) -> bool:
    """Site admins and the community's managers only; moderators may not."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if actor.is_site_admin:
        return True
    membership = membership_of(actor, community)
    return membership is not None and membership.role == Membership.Role.MANAGER


def check_can_reveal_anonymous_author(actor: Any, community: Any) -> None:
    if not can_reveal_anonymous_author(actor, community):
        raise PermissionDeniedError(
            _("Only a site administrator or a manager of this community can do this."),
            code="not_manager",
        )


def can_see_deleted(actor: Any, topic: Topic) -> bool:
    return can_moderate_community(actor, topic.community)


def check_can_read_topic(actor: Any, topic: Topic) -> None:
    if not can_read_topic(actor, topic):
        raise NotFoundError(_("Topic not found."))


def check_can_reply(actor: Any, topic: Topic) -> None:
    if not can_reply(actor, topic):
        if topic.is_locked:
            raise PermissionDeniedError(
                _("This topic is locked. No new replies can be added."), code="topic_locked"
            )
        if not getattr(actor, "is_authenticated", False):
            raise PermissionDeniedError(_("Please sign in to reply."), code="not_authenticated")
        # Says "suspended until …" or "banned" for a restricted member, else "not a member".
        check_can_reply_in_community(actor, topic.community)
        raise PermissionDeniedError(_("Join this community to reply."), code="not_member")


def check_can_edit_post(actor: Any, post: Post) -> None:
    if not can_edit_post(actor, post):
        raise PermissionDeniedError(_("You can only edit your own posts."), code="not_author")


def check_can_delete_post(actor: Any, post: Post) -> None:
    if not can_delete_post(actor, post):
        raise PermissionDeniedError(_("You can only delete your own posts."), code="not_author")


def check_can_react(actor: Any, post: Post) -> None:
    if not can_react(actor, post):
        raise PermissionDeniedError(_("Join this community to react."), code="not_member")


def check_can_accept_answer(actor: Any, topic: Topic) -> None:
    if not topic.is_question:
        raise PermissionDeniedError(
            _("Only question topics have accepted answers."), code="not_question"
        )
    if getattr(actor, "is_authenticated", False):
        # Says "suspended until …" or "banned" for a restricted member.
        check_not_restricted(actor, topic.community)
    if not can_accept_answer(actor, topic):
        raise PermissionDeniedError(
            _("Only the person who asked, or a moderator, can accept an answer."),
            code="not_author",
        )
