"""Who may add, vote in, close and see the results and voters of a topic's poll.

Reading a poll is reading its topic (`discussions.permissions.can_read_topic`): callers load
the poll through `queries.get_poll` / `queries.poll_for_topic`, which check that first.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from carecircle.communities.permissions import can_moderate_community
from carecircle.core.errors import PermissionDeniedError
from carecircle.core.models import ModerationState
from carecircle.discussions.models import Topic
from carecircle.discussions.permissions import can_reply
from carecircle.moderation.enforcement import check_not_restricted, restriction_for
from carecircle.polls.models import Poll


def is_closed(poll: Poll, now: Any = None) -> bool:
    """Closed by hand, or its closing time has come (no task closes it: time is read here)."""
    if poll.closed_at is not None:
        return True
    return poll.closes_at is not None and poll.closes_at <= (now or timezone.now())


def _is_signed_in(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False)) and bool(actor.is_active)


def _is_starter_or_moderator(actor: Any, topic: Topic) -> bool:
    if not _is_signed_in(actor):
        return False
    if can_moderate_community(actor, topic.community):
        return True
    # A suspended or banned author may not change what others read, as with accepted answers.
    return topic.is_started_by(actor) and restriction_for(actor, topic.community) is None


def can_add_poll(actor: Any, topic: Topic) -> bool:
    return not topic.is_deleted and _is_starter_or_moderator(actor, topic)


def can_close_poll(actor: Any, poll: Poll) -> bool:
    return not is_closed(poll) and _is_starter_or_moderator(actor, poll.topic)


def can_vote(actor: Any, poll: Poll) -> bool:
    """Members who may reply vote, until the poll closes; nobody votes in a locked topic.

    A lock freezes the whole topic, poll included: moderators, who may still reply there,
    do not vote either. A topic waiting for approval or hidden for review takes no votes:
    its author and moderators can read it, but nobody else could see the poll to vote.
    """
    topic = poll.topic
    if is_closed(poll) or topic.is_locked or topic.is_deleted:
        return False
    if topic.moderation_state != ModerationState.VISIBLE:
        return False
    return can_reply(actor, topic)


def can_see_results(poll: Poll, *, has_voted: bool) -> bool:
    """Whether the counts are shown: the same rule for everyone, the author and moderators too.

    "After closing" keeps a poll fair: nobody, its author included, sees how it is going.
    """
    if is_closed(poll) or poll.results_visibility == Poll.Results.ALWAYS:
        return True
    if poll.results_visibility == Poll.Results.AFTER_VOTE:
        return has_voted
    return False


def can_see_voters(poll: Poll, *, has_voted: bool) -> bool:
    """Who voted for what: never for an anonymous poll; otherwise once the results show."""
    return not poll.is_anonymous and can_see_results(poll, has_voted=has_voted)


def check_can_add_poll(actor: Any, topic: Topic) -> None:
    if not can_add_poll(actor, topic):
        if _is_signed_in(actor):
            check_not_restricted(actor, topic.community)
        raise PermissionDeniedError(
            _("Only the person who started this topic, or a moderator, can add a poll."),
            code="not_author",
        )


def check_can_close_poll(actor: Any, poll: Poll) -> None:
    if is_closed(poll):
        raise PermissionDeniedError(_("This poll is already closed."), code="poll_closed")
    if not can_close_poll(actor, poll):
        if _is_signed_in(actor):
            check_not_restricted(actor, poll.topic.community)
        raise PermissionDeniedError(
            _("Only the person who started this topic, or a moderator, can close its poll."),
            code="not_author",
        )


def check_can_vote(actor: Any, poll: Poll) -> None:
    if is_closed(poll):
        raise PermissionDeniedError(
            _("This poll is closed. You can no longer vote."), code="poll_closed"
        )
    topic = poll.topic
    if topic.is_locked:
        raise PermissionDeniedError(
            _("This topic is locked. The poll no longer takes votes."), code="topic_locked"
        )
    if not can_vote(actor, poll):
        if not _is_signed_in(actor):
            raise PermissionDeniedError(_("Please sign in to vote."), code="not_authenticated")
        if topic.is_deleted:
            raise PermissionDeniedError(
                _("This topic was removed. Its poll no longer takes votes."),
                code="topic_deleted",
            )
        if topic.moderation_state != ModerationState.VISIBLE:
            raise PermissionDeniedError(
                _("This topic is waiting for a moderator. Its poll takes votes once it is shown."),
                code="topic_not_visible",
            )
        # Says "suspended until …" or "banned" for a restricted member.
        check_not_restricted(actor, topic.community)
        raise PermissionDeniedError(_("Join this community to vote."), code="not_member")


def check_can_retract_vote(actor: Any, poll: Poll) -> None:
    """Taking one's own vote back needs only a sign-in and an open poll.

    Not the voting rule: a member who left, was banned, or whose topic was locked or hidden
    must still be able to take their name off an open-voter poll. Whether they have a vote is
    checked under the poll's lock (see `actions.retract_poll_vote`).
    """
    if not _is_signed_in(actor):
        raise PermissionDeniedError(_("Please sign in to vote."), code="not_authenticated")
    if is_closed(poll):
        raise PermissionDeniedError(
            _("This poll is closed. You can no longer vote."), code="poll_closed"
        )
